package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	for _, c := range []struct {
		Name  string
		Files []string
		Want  []int  // versions, in order
		Err   string // part of the error
	}{
		{"in order of version, not of name", []string{"0002_b.sql", "0001_a.sql", "0010_j.sql", "0003_c.sql", "0004_d.sql", "0005_e.sql", "0006_f.sql", "0007_g.sql", "0008_h.sql", "0009_i.sql"}, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ""},
		{"none", nil, nil, ""},
		{"a gap", []string{"0001_a.sql", "0003_c.sql"}, nil, "0003_c.sql: expected version 2"},
		{"no version", []string{"init.sql"}, nil, "name must start with its version"},
		{"version 0", []string{"0000_a.sql"}, nil, "name must start with its version"},
	} {
		fsys := fstest.MapFS{"migration/README.md": {Data: []byte("not a migration")}}
		for _, f := range c.Files {
			fsys["migration/"+f] = &fstest.MapFile{Data: []byte("-- " + f)}
		}
		ms, err := Load(fsys, "migration")
		if c.Err != "" {
			if err == nil || !strings.Contains(err.Error(), c.Err) {
				t.Errorf("%s: error %v, want one with %q", c.Name, err, c.Err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(ms) != len(c.Want) {
			t.Fatalf("%s: %d migrations, want %d", c.Name, len(ms), len(c.Want))
		}
		for i, m := range ms {
			if m.Version != c.Want[i] || m.SQL != "-- "+m.Name {
				t.Errorf("%s: migration %d is %+v", c.Name, i, m)
			}
		}
	}
}
