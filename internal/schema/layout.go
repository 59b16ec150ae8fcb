package schema

import (
	"strings"
	"time"
)

// The streams: the folders under a log folder, and the files' purpose.
const (
	// StreamSuccess holds the records below error level.
	StreamSuccess = "success"
	// StreamError holds the records at error level and above.
	StreamError = "error"
	// StreamFlows holds flow_start and flow_end.
	StreamFlows = "flows"
)

// Streams returns the three streams in the order they are listed.
func Streams() []string { return []string{StreamSuccess, StreamError, StreamFlows} }

// LogExt ends the name of a live log file, "<name>.log", and of its
// backups.
const LogExt = ".log"

// GzExt ends the name of a compressed backup, "<backup>.gz".
const GzExt = ".gz"

// BackupTimeLayout is the time in a backup's name,
// "<prefix>-2006-01-02T15-04-05.000<ext>", in UTC: lumberjack's, so that
// tools reading lumberjack's backups read LogCrest's.
const BackupTimeLayout = "2006-01-02T15-04-05.000"

// BackupName returns the base name of the backup of the file
// "<prefix><ext>" made at UTC Unix millisecond ms.
func BackupName(prefix, ext string, ms int64) string {
	return prefix + "-" + time.UnixMilli(ms).UTC().Format(BackupTimeLayout) + ext
}

// SplitBackupName splits base, a base name ending in ext, into the prefix
// and the time stamp of a backup name, "<prefix>-<stamp><ext>", when the
// stamp has the shape of BackupTimeLayout (digits where its digits are,
// its separators between). The prefix may be empty; the stamp is not
// checked to be a valid time (see BackupMs).
func SplitBackupName(base, ext string) (prefix, stamp string, ok bool) {
	rest, found := strings.CutSuffix(base, ext)
	n := len(BackupTimeLayout)
	if !found || len(rest) < n+1 || rest[len(rest)-n-1] != '-' {
		return "", "", false
	}
	stamp = rest[len(rest)-n:]
	for i := range n {
		l, c := BackupTimeLayout[i], stamp[i]
		if l >= '0' && l <= '9' {
			if c < '0' || c > '9' {
				return "", "", false
			}
		} else if c != l {
			return "", "", false
		}
	}
	return rest[:len(rest)-n-1], stamp, true
}

// BackupMs returns the UTC Unix millisecond a backup's stamp (from
// SplitBackupName) names, or false when it is not a valid time.
func BackupMs(stamp string) (int64, bool) {
	t, err := time.Parse(BackupTimeLayout, stamp)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}
