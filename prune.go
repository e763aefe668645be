package knocks

import (
	"context"
	"time"
)

// Pruner is a store that can forget old events (`knocks prune`): the
// retention side of an EventStore. Every store implements it the same way,
// so that one command prunes any of them.
type Pruner interface {
	// Prune deletes, in one transaction, the connections that ended before
	// cut and the ban and penalty events from before cut, with the
	// bookkeeping that only they needed (imports that no kept row came
	// from, locations of addresses that no kept row names). It keeps every
	// checkpoint and journal cursor, so that the inputs they cover are not
	// imported again, and keeps the store's indexes and progress marks
	// true for the rows that remain. It may then give the freed space
	// back to the system.
	//
	// The caller holds the importer's lock: an import that runs meanwhile
	// may extend a connection that Prune deletes.
	// Returns EINVALID for a zero cut.
	Prune(ctx context.Context, cut time.Time) (*PruneStats, error)
}

// PruneStats says what Prune deleted.
type PruneStats struct {
	Cut         time.Time // events before it were deleted
	Connections int64     // connections deleted
	Fail2ban    int64     // ban events (fail2ban, SSHGuard) deleted
	Penalties   int64     // penalty events (drops, penalties, lockouts) deleted
	Imports     int64     // records of imports deleted (with their per-input statistics)
	Locations   int64     // located addresses deleted, as no kept event names them
	LineHours   int64     // counts of lines read per host and hour deleted (hours before the cut)
	Compacted   bool      // the store gave the freed space back (VACUUM)
	SizeBefore  int64     // bytes the store took before; 0 when unknown
	SizeAfter   int64     // bytes it takes after; 0 when unknown
}
