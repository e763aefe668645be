// Package keptjson writes and reads the results that a store keeps (a
// report's summary, its campaigns) as JSON that gives back every string
// byte for byte: user names and host names are bytes as attackers sent
// them, and JSON holds only UTF-8.
package keptjson

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Marshal returns the JSON of v as kept: its strings that JSON cannot hold
// as they are (not UTF-8) in escapeBytes's form. v, which it changes while
// it writes it, is as before when it returns.
func Marshal(v any) ([]byte, error) {
	walkStrings(reflect.ValueOf(v), escapeBytes)
	defer walkStrings(reflect.ValueOf(v), unescapeBytes)
	return json.Marshal(v)
}

// Unmarshal decodes data, written by Marshal, into v, which must be a
// pointer.
func Unmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	walkStrings(reflect.ValueOf(v), unescapeBytes)
	return nil
}

// walkStrings sets every exported string that v holds, through pointers,
// structs, slices and arrays, to f of it.
func walkStrings(v reflect.Value, f func(string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(f(v.String()))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkStrings(v.Field(i), f)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Int64 {
			return
		}
		for i := range v.Len() {
			walkStrings(v.Index(i), f)
		}
	}
}

// escapeBytes writes a string that is not UTF-8, or that begins with a
// NUL byte, as a NUL byte and the hex of its bytes, which JSON holds as
// is; unescapeBytes reads it back.
func escapeBytes(s string) string {
	if utf8.ValidString(s) && !strings.HasPrefix(s, "\x00") {
		return s
	}
	return "\x00" + hex.EncodeToString([]byte(s))
}

// unescapeBytes is the inverse of escapeBytes.
func unescapeBytes(s string) string {
	if !strings.HasPrefix(s, "\x00") {
		return s
	}
	b, err := hex.DecodeString(s[1:])
	if err != nil {
		return s
	}
	return string(b)
}

// Get returns a new T with the result that kept (a store's reader of kept
// results, which decodes with Unmarshal) holds under key, and true; or
// false when the store keeps none that is still fresh.
func Get[T any](ctx context.Context, kept func(ctx context.Context, key string, v any) (bool, error), key string) (*T, bool, error) {
	var v T
	ok, err := kept(ctx, key, &v)
	if err != nil || !ok {
		return nil, false, err
	}
	return &v, true, nil
}

// Decode decodes into v the data of a kept result that a store read, err
// being the error of that read (noRows when none is kept): true when a
// result is kept and can be read. One that cannot (written by hand) is
// found again, as if none were kept.
func Decode(data []byte, err, noRows error, v any) (bool, error) {
	if errors.Is(err, noRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return Unmarshal(data, v) == nil, nil
}
