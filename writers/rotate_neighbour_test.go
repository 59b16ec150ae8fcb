package writers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestRotatingFileEndsATornLineLeftByANeighbour (issue 19 item 2): another
// writer of the file (here a second descriptor, as another process has) dies
// in the middle of its record, leaving half a line; the next record of the
// surviving writer still starts a line of its own, and nothing is added when
// the neighbour left whole lines.
func TestRotatingFileEndsATornLineLeftByANeighbour(t *testing.T) {
	const half = `{"level":"info","proc":2,"mess`
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 1})
	rotWrite(t, f, []byte(`{"message":"first"}`+"\n"))

	neighbour, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer neighbour.Close()
	appendRaw := func(s string) {
		t.Helper()
		if _, err := neighbour.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}

	appendRaw(half) // killed mid-record
	rotWrite(t, f, []byte(`{"message":"second"}`+"\n"))
	appendRaw(`{"proc":2,"message":"whole"}` + "\n") // a clean neighbour: no '\n' added
	rotWrite(t, f, []byte(`{"message":"third"}`+"\n"))
	appendRaw(half) // torn again, then two batches in a row
	rotWrite(t, f, []byte(`{"message":"fourth"}`+"\n"))
	rotWrite(t, f, []byte(`{"message":"fifth"}`+"\n"))

	want := []string{
		`{"message":"first"}`,
		half,
		`{"message":"second"}`,
		`{"proc":2,"message":"whole"}`,
		`{"message":"third"}`,
		half,
		`{"message":"fourth"}`,
		`{"message":"fifth"}`,
	}
	got := rotLines(t, path)
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n got %q\nwant %q", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i+1, got[i], want[i])
		}
		if got[i] == half {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(got[i]), &rec); err != nil {
			t.Errorf("line %d %q does not parse: %v", i+1, got[i], err)
		}
	}
}
