package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Safe returns s with everything that could move a terminal's cursor, change
// its colours or hide text made visible: control characters (ESC, CR, BS, ...)
// as \xNN or \uNNNN, invalid UTF-8 bytes as \xNN, Unicode format characters
// (zero-width spaces, bidi overrides, BOM) as \uNNNN, and the backslash
// itself as \\ so the result is unambiguous. Printable text is unchanged.
func Safe(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case r >= 0x80 && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || !unicode.IsPrint(r) && r != ' '):
			b.WriteString(`\u`)
			q := strconv.FormatInt(int64(r), 16)
			for n := len(q); n < 4; n++ {
				b.WriteByte('0')
			}
			b.WriteString(q)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// CSVCell makes a cell safe for terminals and spreadsheets: control
// characters, ANSI and OSC sequences, invalid UTF-8 and invisible format
// characters are escaped as Safe does, and a value that then starts with =,
// +, - or @ is prefixed with a single quote so that no spreadsheet
// evaluates it as a formula. Numbers written by knocks never pass through it.
func CSVCell(s string) string {
	s = Safe(s)
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@':
		return "'" + s
	}
	return s
}
