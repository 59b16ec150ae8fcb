// Package testkit is the harness LogCrest's own tests share: a buffer that
// goroutines may write while a test reads it ([Buffer]), the strict reading
// of a log file or folder into records ([ParseLines], [ReadFile],
// [ReadStream]), the comparison of a record's fields ([WantFields]) and the
// gzip helpers that stand in for the rotator's compressor ([Gzipped],
// [CompressLikeTheRotator]).
//
// It is test support only. It lives under internal/ as an ordinary package
// so that the tests of every package can import it, but no non-test code may
// import it: TestNotImportedByLibraryCode, in this package, fails when a
// package of the module other than the test-support packages (testkit and
// adapters/internal/logtest) depends on it outside its _test.go files.
package testkit
