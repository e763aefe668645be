package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"math"
	"slices"

	"knocks"
)

// A pack (table conn_packs, migration 12) is a compact copy of the
// connections with attempts or logins of one run of ids: what alerts and
// campaigns read of them, decoded in Go far faster than SQLite hands over
// the rows one by one. A pack holds exactly the rows of its range as they
// are stored: Write writes the pack of the rows it inserts in the same
// transaction, and writes the pack of a row it rewrites again; a row
// changed or deleted otherwise takes its pack away (a trigger); an import
// ends by making the packs that are missing. Readers take a pack where
// there is one and read the rows of the ids no pack covers from
// connections, so that an answer never depends on the packs being there.
// The records with logins are also in a pack of their own (login_data),
// from which alerts read the logins without decoding the rest.
//
// The format of data and login_data, all integers as (u)varints
// (encoding/binary):
//
//	version (1 byte, packVersion)
//	records, strings
//	strings times: length, bytes     (the distinct hosts, addresses, subnets and user names)
//	records times:
//	    id - the id before (the first: id - first_id + 1)
//	    flags (1 byte): packHost, packIP, packSubnet, packUser
//	    the index in strings of each of host, ip, subnet, user that flags has
//	    start - the start before (the first: start), zigzag
//	    end - start, attempts, logins

// packVersion is the first byte of a pack's data.
const packVersion = 1

// The flags of a record.
const (
	packHost   = 1 << iota // host is not NULL (nor empty)
	packIP                 // ip is not NULL
	packSubnet             // subnet is not NULL (nor empty)
	packUser               // username is not NULL
)

// usePacks lets tests read every row from connections.
var usePacks = true

// packRec is a connection as a pack holds it.
type packRec struct {
	id                     int64
	flags                  byte
	host, ip, subnet, user string
	start, end             int64
	attempts, logins       int64
}

// hasIP and hasUser tell whether the row's ip and username are not NULL.
func (r *packRec) hasIP() bool   { return r.flags&packIP != 0 }
func (r *packRec) hasUser() bool { return r.flags&packUser != 0 }

// packed reports whether a pack holds a row with these counts.
func packed(attempts, logins int64) bool { return attempts > 0 || logins > 0 }

// recOf returns the record of c as Write stores it with this id, and
// whether a pack holds it.
func recOf(id int64, c *knocks.Connection, ips addrCache) (packRec, bool) {
	r := packRec{id: id, host: c.Host, start: c.Start.Unix(), end: c.End.Unix(), attempts: c.Attempts(), logins: c.Logins}
	if !packed(r.attempts, r.logins) {
		return r, false
	}
	if r.host != "" {
		r.flags |= packHost
	}
	if ip, sub := ips.get(c.IP); ip != nil {
		r.ip, r.flags = ip.(string), r.flags|packIP
		if s, _ := sub.(string); s != "" {
			r.subnet, r.flags = s, r.flags|packSubnet
		}
	}
	if c.HasUser {
		r.user, r.flags = truncUser(c.User), r.flags|packUser
	}
	return r, true
}

// encodePack returns the data of a pack of recs, which are in id order.
func encodePack(first int64, recs []packRec) []byte {
	var e packStrings
	body := make([]byte, 0, len(recs)*12)
	prevID, prevStart := first-1, int64(0)
	for i := range recs {
		r := &recs[i]
		body = binary.AppendUvarint(body, uint64(r.id-prevID))
		body = append(body, r.flags)
		for f, s := range [4]string{r.host, r.ip, r.subnet, r.user} {
			if r.flags&(1<<f) != 0 {
				body = binary.AppendUvarint(body, e.ref(f, s))
			}
		}
		body = binary.AppendVarint(body, r.start-prevStart)
		body = binary.AppendUvarint(body, uint64(r.end-r.start))
		body = binary.AppendUvarint(body, uint64(r.attempts))
		body = binary.AppendUvarint(body, uint64(r.logins))
		prevID, prevStart = r.id, r.start
	}
	b := make([]byte, 0, 16+e.size+len(body))
	b = append(b, packVersion)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	b = binary.AppendUvarint(b, uint64(len(e.strs)))
	for _, s := range e.strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, body...)
}

// packStrings numbers the distinct strings of a pack as encodePack meets
// them.
type packStrings struct {
	index map[string]uint64
	strs  []string
	size  int // of the strings, with their lengths
	last  [4]struct {
		s  string
		k  uint64
		ok bool
	} // of each field, the string of the record before: attackers come back
}

// ref returns the number of s, a string of field f (0 to 3).
func (e *packStrings) ref(f int, s string) uint64 {
	if l := &e.last[f]; l.ok && l.s == s {
		return l.k
	}
	k, ok := e.index[s]
	if !ok {
		if e.index == nil {
			e.index = map[string]uint64{}
		}
		k = uint64(len(e.strs))
		e.index[s], e.strs, e.size = k, append(e.strs, s), e.size+len(s)+binary.MaxVarintLen64
	}
	e.last[f].s, e.last[f].k, e.last[f].ok = s, k, true
	return k
}

// errPack is a pack's data that decodePack cannot read: its rows are read
// from connections instead.
var errPack = errors.New("unreadable pack")

// decodePack appends the records of a pack of ids from first to last to
// buf. The strings of the records are views of one copy of the pack's
// strings.
func decodePack(first, last int64, data []byte, buf []packRec) ([]packRec, error) {
	d := packReader{b: data}
	if v := d.byte(); v != packVersion {
		return nil, errPack
	}
	n, ns := d.uvarint(), d.uvarint()
	if d.bad || n > uint64(len(data)) || ns > uint64(len(data)) {
		return nil, errPack
	}
	// The strings: their bytes are copied once, as one string.
	type span struct{ lo, hi int }
	spans := make([]span, ns)
	start := d.i
	for i := range spans {
		l := d.uvarint()
		if d.bad || l > uint64(len(data)-d.i) {
			return nil, errPack
		}
		spans[i] = span{d.i - start, d.i - start + int(l)}
		d.i += int(l)
	}
	all := string(data[start:d.i])
	strs := make([]string, ns)
	for i, s := range spans {
		strs[i] = all[s.lo:s.hi]
	}
	id, prevStart := first-1, int64(0)
	for range n {
		var r packRec
		step := d.uvarint()
		r.flags = d.byte()
		if d.bad || step == 0 || step > uint64(last-id) || r.flags >= 1<<4 {
			return nil, errPack
		}
		id += int64(step)
		r.id = id
		if r.flags != 0 {
			if r.flags&packHost != 0 {
				r.host = d.str(strs)
			}
			if r.flags&packIP != 0 {
				r.ip = d.str(strs)
			}
			if r.flags&packSubnet != 0 {
				r.subnet = d.str(strs)
			}
			if r.flags&packUser != 0 {
				r.user = d.str(strs)
			}
		}
		r.start = prevStart + d.varint()
		dur, att, log := d.uvarint(), d.uvarint(), d.uvarint()
		if d.bad || dur > math.MaxInt64/2 || att > math.MaxInt64/2 || log > math.MaxInt64/2 {
			return nil, errPack
		}
		r.end, r.attempts, r.logins = r.start+int64(dur), int64(att), int64(log)
		prevStart = r.start
		buf = append(buf, r)
	}
	if d.bad || d.i != len(data) {
		return nil, errPack
	}
	return buf, nil
}

// packReader reads the integers of a pack; bad is set, and zeros read, past
// its end or at a malformed varint.
type packReader struct {
	b   []byte
	i   int
	bad bool
}

func (d *packReader) byte() byte {
	if d.i >= len(d.b) {
		d.bad = true
		return 0
	}
	d.i++
	return d.b[d.i-1]
}

// str reads the index of a string in strs and returns the string.
func (d *packReader) str(strs []string) string {
	k := d.uvarint()
	if k >= uint64(len(strs)) {
		d.bad = true
		return ""
	}
	return strs[k]
}

func (d *packReader) uvarint() uint64 {
	if d.i < len(d.b) && d.b[d.i] < 0x80 { // most values fit in a byte
		d.i++
		return uint64(d.b[d.i-1])
	}
	v, n := binary.Uvarint(d.b[min(d.i, len(d.b)):])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.i += n
	return v
}

func (d *packReader) varint() int64 {
	if d.i < len(d.b) && d.b[d.i] < 0x80 {
		d.i++
		x := int64(d.b[d.i-1])
		return x>>1 ^ -(x & 1) // zigzag, as binary.Varint
	}
	v, n := binary.Varint(d.b[min(d.i, len(d.b)):])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.i += n
	return v
}

// packRange is a pack as the writer patches it: the records of its ids.
type packRange struct {
	first, last int64
	recs        []packRec
}

// set makes r the record of r.id in p (keep), or takes the record of r.id
// out (not keep).
func (p *packRange) set(r packRec, keep bool) {
	i, found := slices.BinarySearchFunc(p.recs, r.id, func(x packRec, id int64) int {
		switch {
		case x.id < id:
			return -1
		case x.id > id:
			return 1
		}
		return 0
	})
	switch {
	case found && keep:
		p.recs[i] = r
	case found:
		p.recs = slices.Delete(p.recs, i, i+1)
	case keep:
		p.recs = slices.Insert(p.recs, i, r)
	}
}

// packOf returns the stored pack that holds id, nil when none does. A pack
// that cannot be read is taken as none.
func packOf(ctx context.Context, conn *sql.Conn, id int64) (*packRange, error) {
	p := &packRange{}
	var data []byte
	err := conn.QueryRowContext(ctx, `SELECT first_id, last_id, data FROM conn_packs
		WHERE first_id = (SELECT MAX(first_id) FROM conn_packs WHERE first_id <= ?1) AND last_id >= ?1`, id).Scan(&p.first, &p.last, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p.recs, err = decodePack(p.first, p.last, data, nil); err != nil {
		return nil, nil
	}
	return p, nil
}

// packsOf returns the stored packs that hold the rows of these ids, by
// their first id, before the rows are rewritten (which takes them away).
func packsOf(ctx context.Context, conn *sql.Conn, ids []int64) (map[int64]*packRange, error) {
	out := map[int64]*packRange{}
	var none []int64 // ids that no pack holds
	for _, id := range ids {
		if packFor(out, id) != nil || slices.Contains(none, id) {
			continue
		}
		p, err := packOf(ctx, conn, id)
		if err != nil {
			return nil, err
		}
		if p == nil {
			none = append(none, id)
			continue
		}
		out[p.first] = p
	}
	return out, nil
}

// packFor returns the pack of packs that holds id, nil when none.
func packFor(packs map[int64]*packRange, id int64) *packRange {
	for _, p := range packs {
		if p.first <= id && id <= p.last {
			return p
		}
	}
	return nil
}

// writePacks writes, in Write's transaction, the packs of the inserted
// connections (where write put them: ins), and the packs that held
// rewritten ones (packs, read before the rewrite) with their new records.
// A span that the inserts extend gets them in its pack, when it has one.
func writePacks(ctx context.Context, conn *sql.Conn, ins inserted, inserts, updates []*knocks.Connection, packs map[int64]*packRange, ips addrCache) error {
	for _, c := range updates {
		if p := packFor(packs, c.ID); p != nil {
			p.set(recOf(c.ID, c, ips))
		}
	}
	if ins.extend > 0 {
		p := packs[ins.extended]
		if p == nil {
			// Its rows were not rewritten: its pack is as stored.
			var err error
			if p, err = packOf(ctx, conn, ins.extended); err != nil {
				return err
			}
		}
		if p != nil && p.first == ins.extended && p.last == ins.first-1 {
			for j, c := range inserts[:ins.extend] {
				if r, ok := recOf(ins.first+int64(j), c, ips); ok {
					p.recs = append(p.recs, r)
				}
			}
			p.last += int64(ins.extend)
			if packs == nil {
				packs = map[int64]*packRange{}
			}
			packs[p.first] = p
		}
	}
	var recs []packRec
	for i := ins.extend; i < len(inserts); i += spanRows {
		cs := inserts[i:min(i+spanRows, len(inserts))]
		lo := ins.first + int64(i)
		recs = recs[:0]
		for j, c := range cs {
			if r, ok := recOf(lo+int64(j), c, ips); ok {
				recs = append(recs, r)
			}
		}
		if !packable(recs) {
			continue
		}
		if err := writePack(ctx, conn, lo, lo+int64(len(cs))-1, recs); err != nil {
			return err
		}
	}
	for _, p := range packs {
		if !packable(p.recs) {
			continue
		}
		if err := writePack(ctx, conn, p.first, p.last, p.recs); err != nil {
			return err
		}
	}
	return nil
}

// writePack stores the pack of the ids first to last, with the pack of
// the records with logins apart.
func writePack(ctx context.Context, conn *sql.Conn, first, last int64, recs []packRec) error {
	var logins []packRec
	for i := range recs {
		if recs[i].logins > 0 {
			logins = append(logins, recs[i])
		}
	}
	_, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO conn_packs (first_id, last_id, logins, login_data, data) VALUES (?, ?, ?, ?, ?)",
		first, last, len(logins), encodePack(first, logins), encodePack(first, recs))
	return err
}

// storedPackRecs appends to buf the records of the rows with ids from lo
// to hi that a pack holds, read from connections.
func storedPackRecs(ctx context.Context, conn *sql.Conn, lo, hi int64, buf []packRec) ([]packRec, error) {
	err := eachStoredRec(ctx, conn, lo, hi, false, func(r *packRec) { buf = append(buf, *r) })
	return buf, err
}

// eachStoredRec calls fn with the record of each row with ids from lo to
// hi that a pack holds (with logins, of those with logins only), read from
// connections, in id order, one at a time. The rows come through the
// driver directly: database/sql's conversions cost more than SQLite's
// reading of them.
func eachStoredRec(ctx context.Context, conn *sql.Conn, lo, hi int64, logins bool, fn func(r *packRec)) error {
	where := "(attempts > 0 OR logins > 0)"
	if logins {
		where = "logins > 0"
	}
	var r packRec
	return rawRows(ctx, conn, `SELECT id, host, ip, subnet, username, start_time, end_time, attempts, logins FROM connections
		WHERE id BETWEEN ? AND ? AND `+where+` ORDER BY id`, []any{lo, hi}, func(v []driver.Value) error {
		r.id, _ = v[0].(int64)
		r.flags = 0
		var ok bool
		if r.host, _ = v[1].(string); r.host != "" {
			r.flags |= packHost
		}
		if r.ip, ok = v[2].(string); ok {
			r.flags |= packIP
		}
		if r.subnet, _ = v[3].(string); r.subnet != "" {
			r.flags |= packSubnet
		}
		if r.user, ok = v[4].(string); ok {
			r.flags |= packUser
		}
		r.start, _ = v[5].(int64)
		r.end, _ = v[6].(int64)
		r.attempts, _ = v[7].(int64)
		r.logins, _ = v[8].(int64)
		fn(&r)
		return nil
	})
}

// makeMissingPacks makes the packs of the runs of ids of connection_spans
// that have none and overlap no pack, in the caller's write transaction.
func makeMissingPacks(ctx context.Context, conn *sql.Conn) error {
	spans, err := idPairs(ctx, conn, "SELECT first_id, last_id FROM connection_spans ORDER BY first_id")
	if err != nil {
		return err
	}
	packs, err := idPairs(ctx, conn, "SELECT first_id, last_id FROM conn_packs ORDER BY first_id")
	if err != nil {
		return err
	}
	var buf []packRec
	j := 0
	for _, s := range spans {
		for j < len(packs) && packs[j].hi < s.lo {
			j++
		}
		if j < len(packs) && packs[j].lo <= s.hi || s.hi < s.lo {
			continue // it has a pack, or overlaps one
		}
		if buf, err = storedPackRecs(ctx, conn, s.lo, s.hi, buf[:0]); err != nil {
			return err
		}
		if !packable(buf) {
			continue
		}
		if err := writePack(ctx, conn, s.lo, s.hi, buf); err != nil {
			return err
		}
	}
	return nil
}

// packable reports whether a pack can hold recs: their start times differ
// by less than half the int64 range, so that no varint overflows.
func packable(recs []packRec) bool {
	for i := range recs {
		if recs[i].start < math.MinInt64/4 || recs[i].start > math.MaxInt64/4 || recs[i].end > math.MaxInt64/4 {
			return false
		}
	}
	return true
}

// idPairs returns the (lo, hi) pairs of a query.
func idPairs(ctx context.Context, conn *sql.Conn, query string) ([]idRange, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []idRange
	for rows.Next() {
		var r idRange
		if err := rows.Scan(&r.lo, &r.hi); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// eachPackRec calls fn with every stored connection that has attempts or
// logins (with logins, those with logins only), in id order, in
// a read transaction of the caller's: from the packs, and from connections
// for the ids that no pack covers. fn must not keep r.
func eachPackRec(ctx context.Context, conn *sql.Conn, logins bool, fn func(r *packRec)) error {
	type pack struct {
		lo, hi, logins int64
	}
	var packs []pack
	if usePacks {
		rows, err := conn.QueryContext(ctx, "SELECT first_id, last_id, logins FROM conn_packs ORDER BY first_id")
		if err != nil {
			return err
		}
		for rows.Next() {
			var p pack
			if err := rows.Scan(&p.lo, &p.hi, &p.logins); err != nil {
				rows.Close()
				return err
			}
			packs = append(packs, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var pbuf []packRec
	next := int64(math.MinInt64) // the least id not read yet
	gap := func(hi int64) error {
		if hi < next {
			return nil
		}
		return eachStoredRec(ctx, conn, next, hi, logins, fn)
	}
	for _, p := range packs {
		if p.lo < next || p.hi < p.lo {
			continue // overlaps the packs before it: its rows are read as a gap
		}
		var recs []packRec
		if !logins || p.logins != 0 {
			q := "SELECT data FROM conn_packs WHERE first_id = ?"
			if logins {
				q = "SELECT login_data FROM conn_packs WHERE first_id = ?"
			}
			var data []byte
			if err := conn.QueryRowContext(ctx, q, p.lo).Scan(&data); err != nil {
				return err
			}
			var err error
			if recs, err = decodePack(p.lo, p.hi, data, pbuf[:0]); err != nil {
				continue // read as a gap
			}
			pbuf = recs
		}
		if err := gap(p.lo - 1); err != nil {
			return err
		}
		for i := range recs {
			fn(&recs[i])
		}
		next = p.hi + 1
		if p.hi == math.MaxInt64 {
			return nil
		}
	}
	return gap(math.MaxInt64)
}
