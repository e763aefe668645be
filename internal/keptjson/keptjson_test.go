package keptjson

import (
	"reflect"
	"testing"
)

type inner struct {
	User  string
	Users []string
	N     []int64
}

type outer struct {
	Host  string
	In    *inner
	List  []inner
	Names [2]string
	skip  string
}

// TestRoundTrip: every string comes back byte for byte, whatever bytes an
// attacker put in it, and the JSON is valid.
func TestRoundTrip(t *testing.T) {
	for _, s := range []string{"", "root", "\xff\xfe", "\x00", "\x00abc", "\x0041", "é<script>", "a\x1b[31mb", "\x80root\x00"} {
		v := outer{Host: s, In: &inner{User: s, Users: []string{s, "x"}, N: []int64{1, 2}}, List: []inner{{User: s}}, Names: [2]string{s, s + "!"}, skip: "left"}
		want := v
		want.In = &inner{User: s, Users: []string{s, "x"}, N: []int64{1, 2}}
		want.List = []inner{{User: s}}
		want.skip = ""
		data, err := Marshal(&v)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if v.skip = ""; !reflect.DeepEqual(v, want) {
			t.Errorf("%q: Marshal left %+v, want %+v", s, v, want)
		}
		var got outer
		if err := Unmarshal(data, &got); err != nil {
			t.Fatalf("%q: %v in %s", s, err, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %+v, want %+v", s, got, want)
		}
	}
}

func TestUnmarshalBadJSON(t *testing.T) {
	var v outer
	if err := Unmarshal([]byte(`{"Host":`), &v); err == nil {
		t.Error("no error for truncated JSON")
	}
}
