package adapters

// MaxRequestIDLen is the longest request ID accepted, in bytes.
const MaxRequestIDLen = 64

// ValidRequestID reports whether id may be used as a request ID: 1 to 64
// characters, each one of A-Z, a-z, 0-9, '.', '_', ':' and '-'. Anything
// else — empty, longer, a space, a quote, '<', ';', a control or non-ASCII
// character — is rejected whole, never trimmed or repaired, so what reaches
// a flow ID and a log line is exactly what the caller sent or nothing. It
// does not allocate.
func ValidRequestID(id string) bool {
	if len(id) == 0 || len(id) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !requestIDByte(id[i]) {
			return false
		}
	}
	return true
}

func requestIDByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == ':', c == '-':
		return true
	}
	return false
}
