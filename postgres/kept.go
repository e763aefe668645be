package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks"
	"knocks/internal/keptjson"
	"knocks/internal/steps"
)

// Results kept at store time, as in the SQLite store. A report's summary,
// alerts and campaigns are SQL aggregates over every stored connection:
// over 1M log lines that takes PostgreSQL seconds. KeepResults, called at
// the end of an import, finds those of a report without filters and keeps
// them (kept_results, kept_alerts) with the mark of what was stored: the
// sum of generations.kept, which every write to what they are made of
// moves in its own transaction (migration 3), knocks' writes and writes by
// hand alike. Summary, Alerts and KeptCampaigns read them while the mark is
// still the store's.

// useKept lets tests find every result from the connections.
var useKept = true

// markQuery is the mark of what is stored.
const markQuery = `SELECT COALESCE(SUM(kept), 0)::bigint FROM generations`

// freshQuery reads the data kept under a key ($1), if its mark is still
// that of the store.
const freshQuery = `SELECT data FROM kept_results WHERE key = $1 AND mark = (` + markQuery + `)`

// kept decodes into v the result kept under key, and reports true, when
// it is still that of what is stored.
func (s *EventStore) kept(ctx context.Context, key string, v any) (bool, error) {
	if !useKept {
		return false, nil
	}
	var data []byte
	err := s.pool.QueryRow(ctx, freshQuery, key).Scan(&data)
	return keptjson.Decode(data, err, pgx.ErrNoRows, v)
}

// keptAlerts returns the alerts kept under key (the latest last of them
// when last > 0), oldest first, with New unless alerts_shown has them, and
// how many are kept in all, when they are still those of what is stored;
// else ok is false.
func (s *EventStore) keptAlerts(ctx context.Context, key string, last int) (as []knocks.Alert, total int64, ok bool, err error) {
	if !useKept {
		return nil, 0, false, nil
	}
	err = s.read(ctx, func(tx pgx.Tx) (err error) {
		as, total, ok, err = readKeptAlerts(ctx, tx, key, last)
		return err
	})
	if err != nil || !ok {
		return nil, 0, false, err
	}
	return as, total, true, nil
}

// readKeptAlerts is keptAlerts inside tx.
func readKeptAlerts(ctx context.Context, tx pgx.Tx, key string, last int) ([]knocks.Alert, int64, bool, error) {
	// The alerts' row of kept_results holds how many are kept.
	var data []byte
	err := tx.QueryRow(ctx, freshQuery, key).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	total, ok := alertCount(data)
	if !ok {
		return nil, 0, false, nil
	}
	as, err := keptAlertRows(ctx, tx, key, total, last)
	return as, total, err == nil, err
}

// alertCount reads the data of the alerts' row of kept_results: how many
// alerts are kept. One written by hand that is no count reads as none
// kept, to be found again.
func alertCount(data []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(data), 10, 64)
	return n, err == nil && n >= 0
}

// keptAlertRows reads the latest last (all when last <= 0) of the total
// alerts kept under key, oldest first, with New unless alerts_shown has
// them.
func keptAlertRows(ctx context.Context, tx pgx.Tx, key string, total int64, last int) ([]knocks.Alert, error) {
	limit := total
	if last > 0 {
		limit = min(limit, int64(last))
	}
	rows, err := tx.Query(ctx, `SELECT a.kind, a.login_id, a.time, a.host, a.username, a.ip, a.country, a.asn, a.why, a.failed,
		s.login_id IS NULL FROM kept_alerts a LEFT JOIN alerts_shown s ON s.kind = a.kind AND s.login_id = a.login_id
		WHERE a.key = $1 ORDER BY a.seq DESC LIMIT $2`, key, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	as := make([]knocks.Alert, 0, limit)
	for rows.Next() {
		var a knocks.Alert
		var t, asn int64
		var host, user, why []byte
		if err := rows.Scan(&a.Kind, &a.LoginID, &t, &host, &user, &a.IP, &a.Country, &asn, &why, &a.Failed, &a.New); err != nil {
			return nil, err
		}
		a.Time = time.Unix(t, 0).UTC()
		a.Host, a.User, a.Why = string(host), string(user), string(why)
		a.ASN = uint32(asn)
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Reverse(as)
	return as, nil
}

// KeptReport returns, when KeepResults kept them and they are still those
// of what is stored, the summary of f with its latest alerts (at most
// alerts of them; all when alerts <= 0) and, unless o is nil, the
// campaigns of o: a report without filters, read on one connection from
// one snapshot. Else ok is false.
func (s *EventStore) KeptReport(ctx context.Context, f knocks.Filter, o *knocks.CampaignOptions, alerts int) (sum *knocks.Summary, ok bool, err error) {
	if !useKept || !f.SelectsAll() {
		return nil, false, nil
	}
	if f.Top <= 0 {
		f.Top = 10
	}
	// The summary, the count of alerts and the campaigns, in one query;
	// then the latest alerts.
	alertsKey := knocks.AlertOptions{}.Key()
	keys := []string{knocks.SummaryKey(f), alertsKey}
	if o != nil {
		keys = append(keys, knocks.CampaignsKey(f, *o))
	}
	err = s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT key, data FROM kept_results WHERE key = ANY($1) AND mark = (`+markQuery+`)`, keys)
		if err != nil {
			return err
		}
		data, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (kv [2][]byte, err error) {
			return kv, r.Scan(&kv[0], &kv[1])
		})
		if err != nil || len(data) != len(keys) {
			return err
		}
		sum = &knocks.Summary{}
		var cs knocks.Campaigns
		var total int64
		for _, kv := range data {
			readable := true
			switch string(kv[0]) {
			case keys[0]:
				readable = keptjson.Unmarshal(kv[1], sum) == nil
			case alertsKey:
				total, readable = alertCount(kv[1])
			default:
				readable = keptjson.Unmarshal(kv[1], &cs) == nil
			}
			if !readable {
				return nil
			}
		}
		as, err := keptAlertRows(ctx, tx, alertsKey, total, alerts)
		if err != nil {
			return err
		}
		sum.Alerts, sum.AlertsFound = as, total
		if o != nil {
			sum.Campaigns, sum.CampaignsFound = cs.List, cs.Found
		}
		ok = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the kept report: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	sum.Filter, sum.Generated = f, s.now()
	return sum, true, nil
}

// LatestAlerts returns the latest n alerts (all when n <= 0) of o, oldest
// first, as Alerts gives them, and how many Alerts gives in all.
func (s *EventStore) LatestAlerts(ctx context.Context, o knocks.AlertOptions, n int) ([]knocks.Alert, int64, error) {
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
// it does nothing; if an importer of any host stores something while it
// finds them, it keeps nothing (the next import keeps them); nor does it
// where this database user may not write them. An import calls it as it
// ends, and a report without filters that found nothing kept.
func (s *EventStore) KeepResults(ctx context.Context, f knocks.Filter, o knocks.CampaignOptions) error {
	_, err := s.keepResults(ctx, f, o, false)
	return err
}

// found are the results of a report without filters, found from the
// connections: its summary, all its alerts and its campaigns.
type found struct {
	sum *knocks.Summary
	as  []knocks.Alert
	cs  *knocks.Campaigns
}

// keepResults is KeepResults. It returns what it found, or nil when it
// found nothing (those kept were fresh, or it may not keep them), unless
// find: then it finds them in any case.
func (s *EventStore) keepResults(ctx context.Context, f knocks.Filter, o knocks.CampaignOptions, find bool) (*found, error) {
	if f.Top <= 0 {
		f.Top = 10
	}
	ao := knocks.AlertOptions{}
	keys := []string{knocks.SummaryKey(f), ao.Key(), knocks.CampaignsKey(f, o)}
	var mark int64
	var fresh [][]byte
	var may bool
	err := s.pool.QueryRow(ctx, `SELECT m.mark, ARRAY(SELECT data FROM kept_results WHERE key = ANY($1) AND mark = m.mark),
			has_table_privilege('kept_results', 'INSERT, DELETE') AND has_table_privilege('kept_alerts', 'INSERT, DELETE')
			AND NOT pg_is_in_recovery()
		FROM (`+markQuery+`) AS m (mark)`, keys).Scan(&mark, &fresh, &may)
	if err != nil {
		return nil, fmt.Errorf("cannot keep results: %w", err)
	}
	// Kept and readable: nothing to keep.
	have := 0
	for _, d := range fresh {
		if json.Valid(d) {
			have++
		}
	}
	keep := may && have < len(keys)
	if !keep && !find {
		return nil, nil
	}
	// All three at once, on connections of their own (PostgreSQL does
	// most of the work, on as many server processes), unless the store is
	// large: then one after the other, so that the peak of memory here is
	// that of the campaigns alone.
	var r found
	var conns int64
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM connections LIMIT $1) c`, keepTogetherConns).Scan(&conns); err != nil {
		return nil, fmt.Errorf("cannot keep results: %w", err)
	}
	err = steps.Run([]func() error{
		func() (err error) { r.sum, err = s.summary(ctx, f); return err },
		func() (err error) { r.as, err = s.findAlerts(ctx, ao); return err },
		func() (err error) { r.cs, err = knocks.FindCampaignsAgain(ctx, s, f, o); return err },
	}, conns < keepTogetherConns)
	if err != nil {
		return nil, fmt.Errorf("cannot keep results: %w", err)
	}
	if !keep {
		return &r, nil
	}
	sdata, err := keptjson.Marshal(r.sum)
	if err != nil {
		return nil, fmt.Errorf("cannot keep results: %w", err)
	}
	cdata, err := keptjson.Marshal(r.cs)
	if err != nil {
		return nil, fmt.Errorf("cannot keep results: %w", err)
	}
	data := map[string][]byte{keys[0]: sdata, keys[1]: strconv.AppendInt(nil, int64(len(r.as)), 10), keys[2]: cdata}
	if err := s.keep(ctx, mark, data, keys[1], r.as); err != nil {
		return nil, fmt.Errorf("cannot keep results: %w", err)
	}
	return &r, nil
}

// FindReport returns the report of f, a filter that selects all
// (knocks.Filter.SelectsAll): its summary with its latest alerts (at most
// alerts of them; all when alerts <= 0) and, unless o is nil, the
// campaigns of o. It reads them as KeptReport does where they are kept and
// fresh; else it finds them from the connections, and keeps them for the
// reports that follow where this database user may.
func (s *EventStore) FindReport(ctx context.Context, f knocks.Filter, o *knocks.CampaignOptions, alerts int) (*knocks.Summary, error) {
	if !f.SelectsAll() {
		return nil, knocks.Errorf(knocks.EINTERNAL, "cannot find a report: FindReport takes a filter that selects all")
	}
	if sum, ok, err := s.KeptReport(ctx, f, o, alerts); err != nil || ok {
		return sum, err
	}
	co := knocks.CampaignOptions{}
	if o != nil {
		co = *o
	}
	r, err := s.keepResults(ctx, f, co, true)
	if err != nil {
		return nil, err
	}
	sum := r.sum
	as, total := knocks.LastAlerts(r.as, alerts)
	if as == nil {
		as = []knocks.Alert{}
	}
	sum.Alerts, sum.AlertsFound = as, total
	if o != nil {
		sum.Campaigns, sum.CampaignsFound = r.cs.List, r.cs.Found
	}
	return sum, nil
}

// keepTogetherConns is the most connections of a store whose results
// KeepResults finds all at once: over 1M log lines (135,000 connections)
// that takes about 2.5 s instead of 3, and the peak of memory stays some
// tens of MB.
var keepTogetherConns int64 = 200_000

// keepLock is the advisory lock that keepers of results take, one after
// the other.
var keepLock = lockKey("keep", "", "")

// keep writes the results (data by key) and the alerts as (kept under
// alertsKey), in place of all those kept before, with the mark they were
// found at, unless the store has changed since.
func (s *EventStore) keep(ctx context.Context, mark int64, data map[string][]byte, alertsKey string, as []knocks.Alert) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", keepLock); err != nil {
			return err
		}
		var now int64
		if err := tx.QueryRow(ctx, markQuery).Scan(&now); err != nil || now != mark {
			return err // stored meanwhile: found again by reports until the next import
		}
		if _, err := tx.Exec(ctx, "DELETE FROM kept_results"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM kept_alerts"); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for key, d := range data {
			b.Queue("INSERT INTO kept_results (key, mark, data) VALUES ($1, $2, $3)", key, mark, d)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"kept_alerts"},
			[]string{"key", "seq", "kind", "login_id", "time", "host", "username", "ip", "country", "asn", "why", "failed"},
			pgx.CopyFromSlice(len(as), func(i int) ([]any, error) {
				a := &as[i]
				return []any{alertsKey, i, a.Kind, a.LoginID, a.Time.Unix(), []byte(a.Host), []byte(a.User), a.IP,
					a.Country, int64(a.ASN), []byte(a.Why), a.Failed}, nil
			}))
		return err
	})
}
