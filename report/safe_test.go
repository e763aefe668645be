package report

import "testing"

func TestSafe(t *testing.T) {
	tests := []struct {
		Name, Input, Want string
	}{
		{"plain", "root", "root"},
		{"ansi colour", "\x1b[31mred", `\x1b[31mred`},
		{"cursor move and bell", "a\x1b[2Jb\x07", `a\x1b[2Jb\x07`},
		{"carriage return hides text", "admin\rroot", `admin\x0droot`},
		{"newline", "a\nb", `a\x0ab`},
		{"backslash is escaped", `a\x1b`, `a\\x1b`},
		{"invalid utf-8", "\xef\xbb\xbfroot\xff", `\ufeffroot\xff`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"C1 control", "a\u009bb", `a\u009bb`},
		{"printable unicode kept", "пароль 管理员", "пароль 管理员"},
		{"html is not terminal-special", "<img src=x>", "<img src=x>"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := Safe(tt.Input); got != tt.Want {
				t.Errorf("Safe(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
		})
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct {
		Name, Input, Want string
	}{
		{"formula", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"plus", "+1", "'+1"},
		{"minus", "-2", "'-2"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"plain", "root", "root"},
		{"empty", "", ""},
		{"tab before a formula", "\t=1+2", `\x09=1+2`},
		{"leading tab", "\t@x", `\x09@x`},
		{"ansi colour", "\x1b[31mroot\x1b[0m", `\x1b[31mroot\x1b[0m`},
		{"osc 8 hyperlink", "\x1b]8;;http://evil/\x07click\x1b]8;;\x07", `\x1b]8;;http://evil/\x07click\x1b]8;;\x07`},
		{"osc title with ST", "\x1b]0;owned\x1b\\", `\x1b]0;owned\x1b\\`},
		{"carriage return", "admin\rroot", `admin\x0droot`},
		{"invalid utf-8", "ro\xffot", `ro\xffot`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"escape then formula", "=\x1b", `'=\x1b`},
		{"printable unicode kept", "пароль", "пароль"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := CSVCell(tt.Input); got != tt.Want {
				t.Errorf("CSVCell(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
		})
	}
}
