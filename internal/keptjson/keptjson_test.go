package keptjson

import (
	"errors"
	"fmt"
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

// TestDecode: a result read is decoded; none kept, or one that cannot be
// read, is not; another error is returned.
func TestDecode(t *testing.T) {
	noRows, other := errors.New("no rows"), errors.New("disk on fire")
	data, err := Marshal(&inner{User: "\xffroot"})
	if err != nil {
		t.Fatal(err)
	}
	var v inner
	if ok, err := Decode(data, nil, noRows, &v); !ok || err != nil || v.User != "\xffroot" {
		t.Errorf("Decode of a kept result: %v, %v, %q", ok, err, v.User)
	}
	if ok, err := Decode(nil, fmt.Errorf("read: %w", noRows), noRows, &v); ok || err != nil {
		t.Errorf("Decode with none kept: %v, %v", ok, err)
	}
	if ok, err := Decode([]byte("not json"), nil, noRows, &v); ok || err != nil {
		t.Errorf("Decode of a result that cannot be read: %v, %v", ok, err)
	}
	if ok, err := Decode(nil, other, noRows, &v); ok || !errors.Is(err, other) {
		t.Errorf("Decode after another error: %v, %v", ok, err)
	}
}
