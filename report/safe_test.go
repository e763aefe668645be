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
	for in, want := range map[string]string{
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
		"+1":                 "'+1",
		"-2":                 "'-2",
		"@SUM(A1)":           "'@SUM(A1)",
		"root":               "root",
		"":                   "",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
