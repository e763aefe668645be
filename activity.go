package knocks

import (
	"sort"
	"time"
)

// Activity is what the Prometheus metrics of `knocks serve` export: the
// stored counts by host and country, what the imports read per source, and
// how fresh the data is. It holds no address and no user name.
type Activity struct {
	Groups     []GroupTotals  // by host and country; countries beyond the top ones are "other"
	Sources    []SourceTotals // by input name, summed over imports
	LastImport time.Time      // the last commit of an import; zero when none
	LastEvent  time.Time      // the newest stored event; zero when none
}

// GroupTotals are the counts of one host and country ("" when unknown).
type GroupTotals struct {
	Host, Country                               string
	Attempts, Connections, Scans, Logins, Drops int64
}

// SourceTotals are the lines that the imports read from one input name.
type SourceTotals struct {
	Source                                   string
	Lines, Recognised, Unrecognised, Skipped int64
}

// TopGroups keeps the top countries with the most attempts (drops break
// ties) and folds the others into "other", per host, sorted by host and
// country. Stores give it their totals by host and country, keyed as they
// like.
func TopGroups[K comparable](groups map[K]*GroupTotals, top int) []GroupTotals {
	byCountry := map[string]int64{}
	for _, g := range groups {
		byCountry[g.Country] += g.Attempts*1000 + g.Drops
	}
	countries := make([]string, 0, len(byCountry))
	for c := range byCountry {
		countries = append(countries, c)
	}
	sort.Slice(countries, func(i, j int) bool {
		if byCountry[countries[i]] != byCountry[countries[j]] {
			return byCountry[countries[i]] > byCountry[countries[j]]
		}
		return countries[i] < countries[j]
	})
	keep := map[string]bool{}
	for i, c := range countries {
		if i < top {
			keep[c] = true
		}
	}
	type key struct{ host, country string }
	out := map[key]*GroupTotals{}
	for _, g := range groups {
		c := g.Country
		if !keep[c] {
			c = "other"
		}
		k := key{g.Host, c}
		o := out[k]
		if o == nil {
			o = &GroupTotals{Host: g.Host, Country: c}
			out[k] = o
		}
		o.Attempts += g.Attempts
		o.Connections += g.Connections
		o.Scans += g.Scans
		o.Logins += g.Logins
		o.Drops += g.Drops
	}
	list := make([]GroupTotals, 0, len(out))
	for _, g := range out {
		list = append(list, *g)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Host != list[j].Host {
			return list[i].Host < list[j].Host
		}
		return list[i].Country < list[j].Country
	})
	return list
}
