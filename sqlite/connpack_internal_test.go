package sqlite

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

// TestPackRoundTrip encodes records with what attackers write (empty,
// binary and long names, NUL, escapes), NULLs and extreme counts, and
// decodes the same records; a pack cut or altered anywhere either decodes
// to records of its range or is refused, never read past its end.
func TestPackRoundTrip(t *testing.T) {
	recs := []packRec{
		{id: 10, flags: packHost | packIP | packSubnet | packUser, host: "web1", ip: "203.0.113.7", subnet: "203.0.113.0/24", user: "root", start: 1700000000, end: 1700000005, attempts: 6},
		{id: 11, flags: packIP | packUser, ip: "2001:db8::1", user: "", start: 1699999000, end: 1699999000, attempts: 1},
		{id: 14, flags: packIP | packSubnet | packUser, ip: "203.0.113.7", subnet: "203.0.113.0/24", user: "\x1b[31m<b>'; DROP TABLE x;--\x00\xff", start: 1700000300, end: 1700086400, logins: 2},
		{id: 15, flags: 0, start: -5, end: 10, attempts: math.MaxInt32, logins: 1},
		{id: 4000, flags: packHost | packUser, host: "web1", user: string(make([]byte, 300)), start: 1800000000, end: 1800000001, attempts: 200},
	}
	data := encodePack(10, recs)
	got, err := decodePack(10, 4000, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, recs)
	}
	if _, err := decodePack(10, 3999, data, nil); err == nil {
		t.Error("a record past the last id of the range was read")
	}
	if _, err := decodePack(11, 4000, data, nil); err == nil {
		t.Error("a record before the first id of the range was read")
	}
	for n := range len(data) {
		if _, err := decodePack(10, 4000, data[:n], nil); err == nil {
			t.Errorf("data cut to %d of %d bytes was read", n, len(data))
		}
	}
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x80
		if out, err := decodePack(10, 4000, bad, nil); err == nil {
			for _, r := range out {
				if r.id < 10 || r.id > 4000 {
					t.Errorf("byte %d altered: a record of id %d, outside the range", i, r.id)
				}
			}
		}
	}
	if got, err := decodePack(1, 2048, encodePack(1, nil), nil); err != nil || len(got) != 0 {
		t.Errorf("an empty pack: %v, %v", got, err)
	}
}

// benchPackRecs returns 2048 records such as an import writes: most with
// an address (of 300), a subnet and a user name (of 4), some logins.
func benchPackRecs() []packRec {
	recs := make([]packRec, 2048)
	for i := range recs {
		recs[i] = packRec{id: int64(i + 1), flags: packHost | packIP | packSubnet | packUser, host: "web1",
			ip: fmt.Sprintf("198.51.100.%d", i%300), subnet: "198.51.100.0/24", user: []string{"root", "admin", "test", "oracle"}[i%4],
			start: 1700000000 + int64(i*7), end: 1700000000 + int64(i*7+3), attempts: int64(1 + i%6), logins: int64(i % 50 / 49)}
	}
	return recs
}

// BenchmarkDecodePack decodes a pack of benchPackRecs.
func BenchmarkDecodePack(b *testing.B) {
	data := encodePack(1, benchPackRecs())
	var buf []packRec
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		var err error
		if buf, err = decodePack(1, 2048, data, buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodePack encodes the records of BenchmarkDecodePack, as
// Write does for each run of ids it inserts.
func BenchmarkEncodePack(b *testing.B) {
	recs := benchPackRecs()
	b.ReportAllocs()
	for range b.N {
		encodePack(1, recs)
	}
}
