package mmdb

import (
	"strconv"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// record is what knocks reads of one database record. It decodes both
// record layouts in use:
//
//   - MaxMind GeoIP2/GeoLite2 and DB-IP (nested): country.iso_code,
//     registered_country.iso_code, city.names.en, subdivisions[0].iso_code
//     (or .names.en), location.latitude/longitude,
//     autonomous_system_number/organization (top level, or under traits in
//     GeoIP2 Enterprise);
//   - ip-location-db (flat): country_code, state1, city, latitude,
//     longitude, autonomous_system_number/organization.
//
// Unknown keys and values of an unexpected kind are skipped, so a database
// with extra or odd fields still gives what it has.
type record struct {
	country    string
	registered string
	city       string
	region     string
	lat, lon   float64
	hasLat     bool
	hasLon     bool
	asn        uint32
	org        string
}

var _ mmdbdata.CursorUnmarshaler = (*record)(nil)

// UnmarshalMaxMindDBCursor implements mmdbdata.CursorUnmarshaler.
func (r *record) UnmarshalMaxMindDBCursor(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	return r.readMap(c, true)
}

// readMap reads the top-level map (top) or the traits map of a record.
func (r *record) readMap(c mmdbdata.Cursor, top bool) (mmdbdata.Cursor, error) {
	if k, err := c.Kind(); err != nil || k != mmdbdata.KindMap {
		return c.Skip()
	}
	m, err := c.Map()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		key, v, ok := m.Next(next)
		if !ok {
			break
		}
		switch string(key) {
		case "country":
			next, err = readCode(v, &r.country)
		case "country_code":
			next, err = readText(v, &r.country)
		case "registered_country":
			next, err = readCode(v, &r.registered)
		case "city":
			next, err = readName(v, &r.city)
		case "subdivisions":
			next, err = readFirst(v, &r.region)
		case "state1":
			next, err = readText(v, &r.region)
		case "location":
			next, err = r.readLocation(v)
		case "latitude":
			next, err = readFloat(v, &r.lat, &r.hasLat)
		case "longitude":
			next, err = readFloat(v, &r.lon, &r.hasLon)
		case "autonomous_system_number":
			next, err = readUint32(v, &r.asn)
		case "autonomous_system_organization":
			next, err = readText(v, &r.org)
		case "traits":
			if top {
				next, err = r.readMap(v, false)
			} else {
				next, err = v.Skip()
			}
		default:
			next, err = v.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return m.End()
}

// readText reads a string value; any other kind is skipped.
func readText(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	if k, err := c.Kind(); err != nil || k != mmdbdata.KindString {
		return c.Skip()
	}
	s, next, err := c.ReadString()
	if err == nil {
		*dst = s
	}
	return next, err
}

// readCode reads the iso_code of a country map, or a plain string.
func readCode(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	return readField(c, dst, "iso_code", false)
}

// readName reads names.en of a map (MaxMind's city), or a plain string.
func readName(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	return readField(c, dst, "", true)
}

// readField reads a plain string, or from a map the string under key (when
// key is not "") and, when names is set and key gave nothing, names.en.
func readField(c mmdbdata.Cursor, dst *string, key string, names bool) (mmdbdata.Cursor, error) {
	k, err := c.Kind()
	if err != nil {
		return c.Skip()
	}
	switch k {
	case mmdbdata.KindString:
		return readText(c, dst)
	case mmdbdata.KindMap:
	default:
		return c.Skip()
	}
	m, err := c.Map()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var code, name string
	var next mmdbdata.Cursor
	for {
		mk, v, ok := m.Next(next)
		if !ok {
			break
		}
		switch {
		case key != "" && string(mk) == key:
			next, err = readText(v, &code)
		case names && string(mk) == "names":
			next, err = readEnglish(v, &name)
		default:
			next, err = v.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	if code != "" {
		*dst = code
	} else if name != "" {
		*dst = name
	}
	return m.End()
}

// readEnglish reads the "en" entry of a names map.
func readEnglish(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	if k, err := c.Kind(); err != nil || k != mmdbdata.KindMap {
		return c.Skip()
	}
	m, err := c.Map()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		mk, v, ok := m.Next(next)
		if !ok {
			break
		}
		if string(mk) == "en" {
			next, err = readText(v, dst)
		} else {
			next, err = v.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return m.End()
}

// readFirst reads the first subdivision of a subdivisions array: its
// iso_code, else its English name.
func readFirst(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	if k, err := c.Kind(); err != nil || k != mmdbdata.KindSlice {
		return c.Skip()
	}
	s, err := c.Slice()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		i, v, ok := s.Next(next)
		if !ok {
			break
		}
		if i == 0 {
			next, err = readField(v, dst, "iso_code", true)
		} else {
			next, err = v.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return s.End()
}

// readLocation reads latitude and longitude of a MaxMind location map.
func (r *record) readLocation(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	if k, err := c.Kind(); err != nil || k != mmdbdata.KindMap {
		return c.Skip()
	}
	m, err := c.Map()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		mk, v, ok := m.Next(next)
		if !ok {
			break
		}
		switch string(mk) {
		case "latitude":
			next, err = readFloat(v, &r.lat, &r.hasLat)
		case "longitude":
			next, err = readFloat(v, &r.lon, &r.hasLon)
		default:
			next, err = v.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return m.End()
}

// readFloat reads a double, a float or a decimal string.
func readFloat(c mmdbdata.Cursor, dst *float64, ok *bool) (mmdbdata.Cursor, error) {
	k, err := c.Kind()
	if err != nil {
		return c.Skip()
	}
	switch k {
	case mmdbdata.KindFloat64, mmdbdata.KindFloat32:
		f, next, err := c.ReadFloat()
		if err == nil {
			*dst, *ok = f, true
		}
		return next, err
	case mmdbdata.KindString:
		var s string
		next, err := readText(c, &s)
		if f, perr := strconv.ParseFloat(s, 64); err == nil && perr == nil {
			*dst, *ok = f, true
		}
		return next, err
	}
	return c.Skip()
}

// readUint32 reads an unsigned or signed integer, or a decimal string (with
// or without "AS" in front), that fits in 32 bits; anything else leaves dst alone.
func readUint32(c mmdbdata.Cursor, dst *uint32) (mmdbdata.Cursor, error) {
	k, err := c.Kind()
	if err != nil {
		return c.Skip()
	}
	switch k {
	case mmdbdata.KindUint16, mmdbdata.KindUint32, mmdbdata.KindUint64, mmdbdata.KindInt32:
		v, signed, next, err := c.ReadInteger()
		if err == nil && !(signed && int64(v) < 0) && v <= 1<<32-1 {
			*dst = uint32(v)
		}
		return next, err
	case mmdbdata.KindString:
		var s string
		next, err := readText(c, &s)
		s = strings.TrimPrefix(strings.TrimPrefix(s, "AS"), "as")
		if v, perr := strconv.ParseUint(s, 10, 32); err == nil && perr == nil {
			*dst = uint32(v)
		}
		return next, err
	}
	return c.Skip()
}
