package redact

import "bytes"

// The built-in value patterns, scanned by hand rather than by regexp: they
// run on every string value of every record, and a byte loop that finds
// nothing costs a few nanoseconds a value.

// tokenByte reports whether c may be part of a bearer token (RFC 6750's
// b64token: letters, digits and -._~+/ with trailing '=').
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}

// b64urlByte reports whether c is a base64url character.
func b64urlByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// minBearer is the shortest token after "Bearer " that is masked.
const minBearer = 8

// findBearer appends the tokens that follow "Bearer " (any case, one or
// more spaces) in s; the word itself is kept, so a reader still sees what
// kind of credential was there.
func findBearer(s []byte, spans []span) []span {
	if bytes.IndexByte(s, ' ') < 0 {
		return spans // the scheme is followed by a space
	}
	for i := 0; i+6 < len(s); i++ {
		if lower(s[i]) != 'b' || lower(s[i+1]) != 'e' || lower(s[i+2]) != 'a' ||
			lower(s[i+3]) != 'r' || lower(s[i+4]) != 'e' || lower(s[i+5]) != 'r' || s[i+6] != ' ' {
			continue
		}
		if i > 0 && (s[i-1] >= 'a' && s[i-1] <= 'z' || s[i-1] >= 'A' && s[i-1] <= 'Z') {
			continue // "...xbearer " is not the scheme
		}
		j := i + 6
		for j < len(s) && s[j] == ' ' {
			j++
		}
		k := j
		for k < len(s) && tokenByte(s[k]) {
			k++
		}
		if k-j >= minBearer {
			spans = append(spans, span{j, k})
		}
		i = k - 1
	}
	return spans
}

var jwtStart = []byte("eyJ")

// findJWT appends the JSON Web Tokens in s: three base64url segments
// joined by dots, the first beginning "eyJ" (the encoding of `{"`), the
// last possibly empty (an unsigned token).
func findJWT(s []byte, spans []span) []span {
	for i := 0; i+3 <= len(s); i++ {
		// Jump to the next "eyJ" (bytes.Index is vectorised).
		next := bytes.Index(s[i:], jwtStart)
		if next < 0 {
			break
		}
		i += next
		if i > 0 && b64urlByte(s[i-1]) {
			continue
		}
		j := i
		for j < len(s) && b64urlByte(s[j]) {
			j++
		}
		if j-i < 10 || j >= len(s) || s[j] != '.' {
			continue
		}
		k := j + 1
		for k < len(s) && b64urlByte(s[k]) {
			k++
		}
		if k-j-1 < 2 || k >= len(s) || s[k] != '.' {
			continue
		}
		e := k + 1
		for e < len(s) && b64urlByte(s[e]) {
			e++
		}
		spans = append(spans, span{i, e})
		i = e - 1
	}
	return spans
}

// findCards appends the card numbers in s: 13 to 19 digits, alone or in
// groups joined by single spaces or dashes, not part of a longer run of
// digits or letters, beginning as a card network's numbers begin, and
// passing the Luhn check. The prefix rule keeps the most common long
// numbers that are not cards (nanosecond times and Snowflake IDs, which
// begin with 1) from being masked; still, about one in ten long numbers
// that begin like a card passes Luhn, which is why a record's numbers
// that are IDs should not be 13 to 19 digits starting 2 to 6.
func findCards(s []byte, spans []span) []span {
	if len(s) < 13 {
		return spans
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '2' || s[i] > '6' || i > 0 && alnum(s[i-1]) {
			continue
		}
		var digits [19]byte
		n, j, end := 0, i, i
		for j < len(s) {
			c := s[j]
			if c >= '0' && c <= '9' {
				if n == len(digits) {
					n++ // too long
					break
				}
				digits[n] = c - '0'
				n++
				j++
				end = j
				continue
			}
			if (c == ' ' || c == '-') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' && j > i {
				j++
				continue
			}
			break
		}
		if end < len(s) && alnum(s[end]) || n < 13 || n > 19 {
			i = max(i, end-1)
			continue
		}
		if cardPrefix(digits[:n]) && luhn(digits[:n]) {
			spans = append(spans, span{i, end})
		}
		i = max(i, end-1)
	}
	return spans
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// cardPrefix reports whether d begins as the numbers of a card network
// begin: Visa 4, Mastercard 51-55 and 2221-2720, American Express 34 and
// 37, Discover 6011, 644-649 and 65, Diners 36, 38 and 300-305, JCB
// 3528-3589, UnionPay 62.
func cardPrefix(d []byte) bool {
	two := int(d[0])*10 + int(d[1])
	four := two*100 + int(d[2])*10 + int(d[3])
	three := four / 10
	switch {
	case d[0] == 4:
		return true
	case two >= 51 && two <= 55, four >= 2221 && four <= 2720:
		return true
	case two == 34 || two == 37 || two == 36 || two == 38 || two == 62 || two == 65:
		return true
	case four == 6011, three >= 644 && three <= 649, three >= 300 && three <= 305:
		return true
	case four >= 3528 && four <= 3589:
		return true
	}
	return false
}

// luhn reports whether d passes the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if (len(d)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}
