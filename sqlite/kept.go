package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"time"

	"knocks"
	"knocks/internal/keptjson"
	"knocks/internal/steps"
)

// Results kept at store time. A report's summary, alerts and campaigns are
// found from every stored connection (from rollups and packs, but still
// from all of them): over 10M log lines that is nearly all of a report's
// time. KeepResults, called at the end of an import, finds those of a
// report without filters and keeps them (kept_results, kept_alerts) with
// the mark of what was stored (keptMark); Summary, Alerts and
// KeptCampaigns read them back while the mark is still that of the store.
// Triggers count every change to what they are made of (migration 13), so
// that a later import, a prune, a GeoIP update or an edit by hand makes
// them stale: reports then find the results again, until the next
// KeepResults.

// useKept lets tests find every result from the connections.
var useKept = true

// keptMark is what was stored when a result was kept: the count of
// kept_changes and the greatest connection id.
type keptMark struct {
	change, maxID int64
}

// markQuery reads the keptMark of the store.
const markQuery = `SELECT (SELECT n FROM kept_changes) AS change, (SELECT COALESCE(MAX(id), 0) FROM connections) AS max_id`

// freshQuery reads the data of the result kept under a key (its one
// parameter), if its mark is still that of the store.
const freshQuery = `SELECT k.data FROM kept_results k, (` + markQuery + `) AS m
	WHERE k.key = ? AND k.change = m.change AND k.max_id = m.max_id`

// markOf reads the keptMark of the store on conn.
func markOf(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (keptMark, error) {
	var m keptMark
	err := q.QueryRowContext(ctx, markQuery).Scan(&m.change, &m.maxID)
	return m, err
}

// kept decodes into v the result kept under key, and reports true, when
// it is still that of what is stored.
func (s *EventStore) kept(ctx context.Context, key string, v any) (bool, error) {
	if !useKept {
		return false, nil
	}
	var data []byte
	err := s.read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, freshQuery, key).Scan(&data)
	})
	return keptjson.Decode(data, err, sql.ErrNoRows, v)
}

// keptAlerts returns the alerts kept under key (the latest last of them
// when last > 0), oldest first, with New unless alerts_shown has them, and
// how many are kept in all, when they are still those of what is stored;
// else ok is false.
func (s *EventStore) keptAlerts(ctx context.Context, key string, last int) (as []knocks.Alert, total int64, ok bool, err error) {
	if !useKept {
		return nil, 0, false, nil
	}
	err = s.read(ctx, func(conn *sql.Conn) error {
		var data []byte
		if err := conn.QueryRowContext(ctx, freshQuery, key).Scan(&data); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM kept_alerts WHERE key = ?`, key).Scan(&total); err != nil {
			return err
		}
		limit := total
		if last > 0 {
			limit = min(limit, int64(last))
		}
		as = make([]knocks.Alert, 0, limit)
		ok = true
		// The latest first, with whether MarkAlerts marked each.
		err := rawRows(ctx, conn, `SELECT a.kind, a.login_id, a.time, a.host, a.username, a.ip, a.country, a.asn, a.why, a.failed,
			s.login_id IS NULL FROM kept_alerts a LEFT JOIN alerts_shown s ON s.kind = a.kind AND s.login_id = a.login_id
			WHERE a.key = ? ORDER BY a.seq DESC LIMIT ?`, []any{key, limit}, func(v []driver.Value) error {
			var a knocks.Alert
			a.Kind = text(v[0])
			a.LoginID, _ = v[1].(int64)
			t, _ := v[2].(int64)
			a.Time = time.Unix(t, 0).UTC()
			a.Host, a.User, a.IP, a.Country = text(v[3]), text(v[4]), text(v[5]), text(v[6])
			asn, _ := v[7].(int64)
			a.ASN = uint32(asn)
			a.Why = text(v[8])
			a.Failed, _ = v[9].(int64)
			a.New = v[10] == int64(1)
			as = append(as, a)
			return nil
		})
		slices.Reverse(as)
		return err
	})
	if err != nil || !ok {
		return nil, 0, false, err
	}
	return as, total, true, nil
}

// LatestAlerts returns the latest n alerts (all when n <= 0) of o, oldest
// first, as Alerts gives them, and how many Alerts gives in all.
func (s *EventStore) LatestAlerts(ctx context.Context, o AlertOptions, n int) ([]knocks.Alert, int64, error) {
	as, total, ok, err := s.keptAlerts(ctx, o.Key(), n)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot find alerts: %w", err)
	}
	if ok {
		return as, total, nil
	}
	if as, err = s.findAlerts(ctx, o); err != nil {
		return nil, 0, err
	}
	as, total = knocks.LastAlerts(as, n)
	return as, total, nil
}

// text is the string of a TEXT or BLOB value of the driver.
func text(v driver.Value) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// KeptCampaigns returns the campaigns kept under key (knocks.CampaignsKey)
// by KeepResults, while they are still those of what is stored.
func (s *EventStore) KeptCampaigns(ctx context.Context, key string) (*knocks.Campaigns, bool, error) {
	cs, ok, err := keptjson.Get[knocks.Campaigns](ctx, s.kept, key)
	if err != nil {
		return nil, false, fmt.Errorf("cannot find campaigns: %w", err)
	}
	return cs, ok, nil
}

// KeepResults finds and keeps what a report with the filter f (its time,
// host and other selections unset, as a report without flags) reads from
// every connection: its summary, the alerts with AlertOptions{} and the
// campaigns of o. If those kept before are still those of what is stored
// it does nothing; if another process stores something while it finds
// them, it keeps nothing. An import calls it as it ends.
func (s *EventStore) KeepResults(ctx context.Context, f knocks.Filter, o knocks.CampaignOptions) error {
	if s.readOnly {
		return nil
	}
	if f.Top <= 0 {
		f.Top = 10
	}
	ao := knocks.AlertOptions{}
	keys := []string{knocks.SummaryKey(f), ao.Key(), knocks.CampaignsKey(f, o)}
	var mark keptMark
	var have, sources int
	err := s.read(ctx, func(conn *sql.Conn) (err error) {
		if mark, err = markOf(ctx, conn); err != nil {
			return err
		}
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM kept_results
			WHERE key IN (?, ?, ?) AND change = ? AND max_id = ? AND (length(data) = 0 OR json_valid(data))`,
			keys[0], keys[1], keys[2], mark.change, mark.maxID).Scan(&have); err != nil || have == len(keys) {
			return err
		}
		// Counting reads the whole table: only for results to find.
		return conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM rollup_sources").Scan(&sources)
	})
	if err != nil {
		return fmt.Errorf("cannot keep results: %w", err)
	}
	if have == len(keys) {
		return nil
	}
	var (
		sum *knocks.Summary
		as  []knocks.Alert
		cs  *knocks.Campaigns
	)
	keep := []func() error{
		func() (err error) { cs, err = knocks.FindCampaignsAgain(ctx, s, f, o); return err },
		func() (err error) { as, err = s.findAlerts(ctx, ao); return err },
		func() (err error) { sum, err = s.summary(ctx, f); return err },
	}
	if err := steps.Run(keep, sources < keepTogetherSources); err != nil {
		return fmt.Errorf("cannot keep results: %w", err)
	}
	sdata, err := keptjson.Marshal(sum)
	if err != nil {
		return fmt.Errorf("cannot keep results: %w", err)
	}
	cdata, err := keptjson.Marshal(cs)
	if err != nil {
		return fmt.Errorf("cannot keep results: %w", err)
	}
	// The alerts' row of kept_results has no data: they are rows of
	// kept_alerts.
	results := []keptResult{{keys[0], sdata}, {keys[1], []byte{}}, {keys[2], cdata}}
	if err := s.keep(ctx, mark, results, keys[1], as); err != nil {
		return fmt.Errorf("cannot keep results: %w", err)
	}
	return nil
}

// keptResult is a row of kept_results without its mark.
type keptResult struct {
	key  string
	data []byte
}

// keepTogetherSources is the most source addresses (and host names) of a
// store whose results KeepResults finds all at once, on as many
// goroutines. Each holds some hundreds of bytes per address at most
// (campaigns the most): over 10M log lines from 44,565 addresses the
// campaigns alone take 81 MiB at the peak, the summary and the alerts
// about 50, and an import must stay under 100 MiB.
var keepTogetherSources = 16_384

// keep writes the results and the alerts as (kept under alertsKey), in
// place of all those kept before, with the mark they were found at, unless
// the store has changed since.
func (s *EventStore) keep(ctx context.Context, mark keptMark, results []keptResult, alertsKey string, as []knocks.Alert) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if now, err := markOf(ctx, tx); err != nil || now != mark {
		return err // stored meanwhile: found again by reports until the next import
	}
	for _, q := range []string{"DELETE FROM kept_results", "DELETE FROM kept_alerts"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	for _, r := range results {
		if _, err := tx.ExecContext(ctx, "INSERT INTO kept_results (key, change, max_id, data) VALUES (?, ?, ?, ?)",
			r.key, mark.change, mark.maxID, r.data); err != nil {
			return err
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO kept_alerts (key, seq, kind, login_id, time, host, username, ip, country, asn, why, failed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for i, a := range as {
		if _, err := ins.ExecContext(ctx, alertsKey, i, a.Kind, a.LoginID, a.Time.Unix(), a.Host, a.User, a.IP,
			a.Country, int64(a.ASN), a.Why, a.Failed); err != nil {
			return err
		}
	}
	return tx.Commit()
}
