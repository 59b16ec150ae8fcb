package bound

import "testing"

// TestClip: a value within the bound is returned whole; a longer one is cut
// at the last character boundary at or before n, never inside a rune.
func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
		cut  bool
	}{
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc", true},
		{"aé", 2, "a", true}, // é is 2 bytes: not split
		{"aé", 3, "aé", false},
		{"€€", 4, "€", true},
		{"", 0, "", false},
	} {
		if got, cut := Clip(c.s, c.n); got != c.want || cut != c.cut {
			t.Errorf("Clip(%q, %d) = %q, %v; want %q, %v", c.s, c.n, got, cut, c.want, c.cut)
		}
	}
}
