package ingest

import (
	"context"
	"fmt"

	"knocks"
)

// BanDatabase reads the database of a banning tool (fail2ban's
// fail2ban.sqlite3), an input that is not a log.
type BanDatabase interface {
	// Is reports whether the named input is such a database.
	Is(name string) bool
	// Read passes the bans of the named database to f in chunks, with host
	// as their host, and returns how many rows it skipped (no valid
	// address). f must not keep the slice. Returns EINVALID when the file
	// is not a database of the tool.
	Read(ctx context.Context, name, host string, f func([]knocks.Fail2banEvent) error) (skipped int64, err error)
}

// splitDatabases separates the inputs that are ban databases from the
// logs.
func (in *Ingester) splitDatabases(names []string) (logs, dbs []string) {
	if in.Bans == nil {
		return names, nil
	}
	for _, n := range names {
		if n != "-" && in.Bans.Is(n) {
			dbs = append(dbs, n)
		} else {
			logs = append(logs, n)
		}
	}
	return logs, dbs
}

// readDatabase imports the bans of one ban database in the import id and
// adds its statistics to res. Bans already stored (an
// earlier import of the database, or the same ban read from fail2ban.log)
// are stored once by the store. A file that is not such a database is
// reported in res like an unreadable log.
func (in *Ingester) readDatabase(ctx context.Context, id int64, name string, o Options, res *Result) error {
	st := knocks.InputStats{Name: name}
	skipped, err := in.Bans.Read(ctx, name, o.Host, func(evs []knocks.Fail2banEvent) error {
		st.Lines += int64(len(evs))
		st.Recognised += int64(len(evs))
		st.Events += int64(len(evs))
		return in.Store.Write(ctx, &knocks.Batch{ImportID: id, Fail2ban: evs})
	})
	st.Lines += skipped
	st.Skipped = skipped
	switch {
	case err != nil && knocks.ErrorCode(err) != knocks.EINVALID:
		return err
	case err != nil:
		res.fail(&st, fmt.Errorf("%s", knocks.ErrorMessage(err)))
	case skipped > 0:
		res.Skipped = true
		res.Errors = append(res.Errors, fmt.Errorf("%s: %d bans without a valid address skipped", name, skipped))
	}
	res.Inputs = append(res.Inputs, st)
	return nil
}
