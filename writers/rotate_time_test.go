package writers

// Tests of rotation by time (issue 22 item 3): RotateEvery and RotateZone,
// with the clock the test controls (the package's clock seam).

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York on any machine
)

// timeClock makes the rotations of this package go by a clock the test
// sets, starting at at, until the test ends; it returns the setter.
func timeClock(t *testing.T, at time.Time) func(time.Time) {
	t.Helper()
	var ns atomic.Int64
	ns.Store(at.UnixNano())
	clock = func() time.Time { return time.Unix(0, ns.Load()) }
	t.Cleanup(func() { clock = time.Now })
	return func(at time.Time) { ns.Store(at.UnixNano()) }
}

// timeRec is record i of these tests, one line.
func timeRec(i int) string { return fmt.Sprintf(`{"seq":%d,"msg":"at boundary tests"}`+"\n", i) }

// timeRecs is the lines of the records seqs, concatenated.
func timeRecs(seqs ...int) string {
	var sb strings.Builder
	for _, i := range seqs {
		sb.WriteString(timeRec(i))
	}
	return sb.String()
}

// timeBackupName is the base name of app.log's backup named at t.
func timeBackupName(t time.Time) string {
	return "app-" + t.UTC().Format(backupTimeLayout) + ".log"
}

// timeCheckFiles fails unless the folder of path holds exactly the backups
// want names (base names, oldest first) with the contents given, then the
// live file with live.
func timeCheckFiles(t *testing.T, path string, want []string, contents []string, live string) {
	t.Helper()
	var got []string
	for _, b := range rotBackups(t, path) {
		got = append(got, filepath.Base(b))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("backups %v, want %v", got, want)
	}
	for i, b := range want {
		if data := rotRead(t, filepath.Join(filepath.Dir(path), b)); data != contents[i] {
			t.Errorf("backup %s holds %q, want %q", b, data, contents[i])
		}
	}
	if data := rotRead(t, path); data != live {
		t.Errorf("live file holds %q, want %q", data, live)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRotatingFileRotatesByTimeAtTheBoundary: for each period and zone, a
// record at the period's start, one at a decoy (a boundary of another
// setting: UTC midnight for a zone east of UTC, the half hour, a local
// midnight), one at the boundary less 1 ms, then one at the boundary and
// one a second after; then one three periods later. Exactly two backups:
// the first named after the boundary (UTC, lumberjack's layout) holding the
// first three records, the second named one period later (the end of the
// live file's period, not the time of the late write) holding the next
// two; the live file holds the last. The New York cases cross a daylight
// saving change: a 23-hour day, and the repeated hour 01:00 in November,
// which is two periods.
func TestRotatingFileRotatesByTimeAtTheBoundary(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+30*60)
	npt := time.FixedZone("NPT", 5*3600+45*60)
	ny := mustZone(t, "America/New_York")
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, tc := range []struct {
		name         string
		every        time.Duration
		zone         *time.Location
		start, decoy time.Time
		boundary     time.Time // the first after start
		next         time.Time // the one after
	}{
		{"day UTC", 24 * time.Hour, nil,
			utc("2024-03-09T10:00:00Z"), utc("2024-03-09T18:30:00Z"), utc("2024-03-10T00:00:00Z"), utc("2024-03-11T00:00:00Z")},
		{"hour UTC", time.Hour, nil,
			utc("2024-03-09T10:05:00Z"), utc("2024-03-09T10:30:00Z"), utc("2024-03-09T11:00:00Z"), utc("2024-03-09T12:00:00Z")},
		{"day +05:30", 24 * time.Hour, ist, // 01:30 on 9 March there; UTC midnight; its midnight
			utc("2024-03-08T20:00:00Z"), utc("2024-03-09T00:00:00Z"), utc("2024-03-09T18:30:00Z"), utc("2024-03-10T18:30:00Z")},
		{"hour +05:45", time.Hour, npt,
			utc("2024-03-09T04:35:00Z"), utc("2024-03-09T05:00:00Z"), utc("2024-03-09T05:15:00Z"), utc("2024-03-09T06:15:00Z")},
		{"day New York, 23 hours", 24 * time.Hour, ny,
			utc("2024-03-10T16:00:00Z"), utc("2024-03-11T00:00:00Z"), utc("2024-03-11T04:00:00Z"), utc("2024-03-12T04:00:00Z")},
		{"hour New York, 01:00 twice", time.Hour, ny,
			utc("2024-11-03T05:10:00Z"), utc("2024-11-03T05:40:00Z"), utc("2024-11-03T06:00:00Z"), utc("2024-11-03T07:00:00Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := timeClock(t, tc.start)
			path := filepath.Join(t.TempDir(), "app.log")
			f := rotOpen(t, RotatingFileOptions{Path: path, RotateEvery: tc.every, RotateZone: tc.zone})
			late := tc.boundary.Add(3*tc.every + time.Hour)
			for i, at := range []time.Time{tc.start, tc.decoy, tc.boundary.Add(-time.Millisecond), tc.boundary, tc.boundary.Add(time.Second), late} {
				set(at)
				rotWrite(t, f, []byte(timeRec(i)))
				if i == 2 && len(rotBackups(t, path)) != 0 {
					t.Fatalf("rotated before the boundary %v: %v", tc.boundary, rotBackups(t, path))
				}
			}
			timeCheckFiles(t, path,
				[]string{timeBackupName(tc.boundary), timeBackupName(tc.next)},
				[]string{timeRecs(0, 1, 2), timeRecs(3, 4)}, timeRecs(5))
		})
	}
}

// TestRotatingFileByTimeKeepsRotatingBySize: RotateEvery a day and MaxSize
// 2000 (six records of 300 bytes a file). Ten records before midnight make
// one size rotation, named when it happened; four after midnight make one
// rotation by time, named at midnight. Every record once, in order.
func TestRotatingFileByTimeKeepsRotatingBySize(t *testing.T) {
	midnight := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	start := midnight.Add(-time.Hour)
	set := timeClock(t, start)
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 2000, RotateEvery: 24 * time.Hour})
	var sizeRotation time.Time
	for i := range 14 {
		at := start.Add(time.Duration(i) * time.Minute)
		if i >= 10 {
			at = midnight.Add(time.Duration(i) * time.Second)
		}
		if i == 6 {
			sizeRotation = at // the seventh record does not fit
		}
		set(at)
		rotWrite(t, f, []byte(clockRecord(i)))
	}
	var first, second, live strings.Builder
	for i := range 14 {
		switch {
		case i < 6:
			first.WriteString(clockRecord(i))
		case i < 10:
			second.WriteString(clockRecord(i))
		default:
			live.WriteString(clockRecord(i))
		}
	}
	timeCheckFiles(t, path, []string{timeBackupName(sizeRotation), timeBackupName(midnight)},
		[]string{first.String(), second.String()}, live.String())
}

// TestRotatingFileByTimeClockSteppedBack: the file rotates at the first
// write after midnight (5 s after); the clock is then stepped back 7 s,
// before midnight, and forward again: nothing rotates until the next
// midnight, no record is lost, and there is one backup per boundary.
// Records written while the clock was behind stay in the live file.
func TestRotatingFileByTimeClockSteppedBack(t *testing.T) {
	midnight := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	set := timeClock(t, midnight.Add(-time.Hour))
	path := filepath.Join(t.TempDir(), "app.log")
	var w clockWarnings
	f := rotOpen(t, RotatingFileOptions{Path: path, RotateEvery: 24 * time.Hour, Warn: w.warn})
	for i, at := range []time.Time{
		midnight.Add(-time.Hour),
		midnight.Add(5 * time.Second),      // rotates
		midnight.Add(-2 * time.Second),     // stepped back: stays
		midnight.Add(time.Second),          // again after midnight: stays
		midnight.Add(24*time.Hour - 1),     // the same day still
		midnight.Add(24*time.Hour + 1*1e6), // the next midnight: rotates
	} {
		set(at)
		rotWrite(t, f, []byte(timeRec(i)))
	}
	timeCheckFiles(t, path,
		[]string{timeBackupName(midnight), timeBackupName(midnight.Add(24 * time.Hour))},
		[]string{timeRecs(0), timeRecs(1, 2, 3, 4)}, timeRecs(5))
	if got := w.all(); len(got) != 0 {
		t.Errorf("warnings %q, want none (no backup was named in the future)", got)
	}
}

// TestRotatingFileByTimeIdleAndReopened: a file opened and left empty
// across a boundary is not rotated (no empty backup); a file written in
// one hour, closed (the lock file, and the start it records, removed) and
// reopened in a later hour is rotated at its first write, named after the
// end of the hour of its last write (its modification time stands for
// its start); one reopened within the same hour is not.
func TestRotatingFileByTimeIdleAndReopened(t *testing.T) {
	hour := time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)
	set := timeClock(t, hour.Add(10*time.Minute))
	path := filepath.Join(t.TempDir(), "app.log")
	o := RotatingFileOptions{Path: path, RotateEvery: time.Hour}

	f := rotOpen(t, o)
	set(hour.Add(2 * time.Hour)) // idle across two boundaries
	rotWrite(t, f, []byte(timeRec(0)))
	if b := rotBackups(t, path); len(b) != 0 {
		t.Fatalf("an empty file was rotated: %v", b)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	lastWrite := hour.Add(2*time.Hour + 20*time.Minute)
	if err := os.Chtimes(path, lastWrite, lastWrite); err != nil {
		t.Fatal(err)
	}

	set(hour.Add(2*time.Hour + 50*time.Minute)) // same hour: no rotation
	f = rotOpen(t, o)
	rotWrite(t, f, []byte(timeRec(1)))
	if b := rotBackups(t, path); len(b) != 0 {
		t.Fatalf("rotated within the hour of the last write: %v", b)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, lastWrite, lastWrite); err != nil {
		t.Fatal(err)
	}

	set(hour.Add(5 * time.Hour))
	f = rotOpen(t, o)
	rotWrite(t, f, []byte(timeRec(2)))
	timeCheckFiles(t, path, []string{timeBackupName(hour.Add(3 * time.Hour))},
		[]string{timeRecs(0, 1)}, timeRecs(2))
}

// TestRotatingFileByTimeRetention: hourly rotation over six hours, two
// records an hour, with Compress and Backups 2: two .gz backups are left,
// named after the last two boundaries before the live hour and holding
// exactly their hours' records; with MaxAge 150 minutes and every backup
// kept by count, the backups named more than 150 minutes before the last
// rotation are gone.
func TestRotatingFileByTimeRetention(t *testing.T) {
	h0 := time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		backups int
		maxAge  time.Duration
		kept    []int // the boundaries (hours after h0) whose backups are left
	}{
		{"Backups 2", 2, 0, []int{4, 5}},
		{"MaxAge 150m", 0, 150 * time.Minute, []int{3, 4, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := timeClock(t, h0)
			path := filepath.Join(t.TempDir(), "app.log")
			f := rotOpen(t, RotatingFileOptions{Path: path, RotateEvery: time.Hour, Compress: true, Backups: tc.backups, MaxAge: tc.maxAge})
			for i := range 12 { // hour i/2, minute 10 or 40
				set(h0.Add(time.Duration(i/2)*time.Hour + time.Duration(10+30*(i%2))*time.Minute))
				rotWrite(t, f, []byte(timeRec(i)))
			}
			zWaitCompressed(t, path)
			var want, got []string
			for _, h := range tc.kept {
				want = append(want, timeBackupName(h0.Add(time.Duration(h)*time.Hour))+".gz")
			}
			z := zList(t, path)
			for _, g := range z.gz {
				got = append(got, filepath.Base(g))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) || len(z.plain) != 0 || len(z.other) != 0 {
				t.Fatalf("compressed backups %v, plain %v, other %v; want %v alone", got, z.plain, z.other, want)
			}
			for _, h := range tc.kept {
				name := filepath.Join(filepath.Dir(path), timeBackupName(h0.Add(time.Duration(h)*time.Hour))+".gz")
				if data := string(gunzip(t, name)); data != timeRecs(2*h-2, 2*h-1) {
					t.Errorf("%s holds %q, want the records of hour %d", filepath.Base(name), data, h-1)
				}
			}
			if data := rotRead(t, path); data != timeRecs(10, 11) {
				t.Errorf("live file holds %q, want records 10 and 11", data)
			}
		})
	}
}

// TestRotatingFileRotateEveryRefusesOtherPeriods: a RotateEvery other than
// an hour or a day is refused at the open, naming the field.
func TestRotatingFileRotateEveryRefusesOtherPeriods(t *testing.T) {
	for _, every := range []time.Duration{time.Minute, -time.Hour, 2 * time.Hour, 7 * 24 * time.Hour} {
		path := filepath.Join(t.TempDir(), "app.log")
		f, err := OpenRotatingFile(RotatingFileOptions{Path: path, RotateEvery: every})
		if err == nil {
			_ = f.Close()
			t.Fatalf("RotateEvery %v accepted", every)
		}
		if !strings.Contains(err.Error(), "RotateEvery") {
			t.Errorf("RotateEvery %v: error %q does not name RotateEvery", every, err)
		}
	}
}
