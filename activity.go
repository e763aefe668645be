package knocks

import "time"

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
