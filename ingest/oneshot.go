package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"knocks"
)

// Store is what the pipeline writes to: events and checkpoints, and the
// locations of addresses.
type Store interface {
	knocks.EventStore
	knocks.GeoStore
}

// TempStore is a store in a temporary directory that a one-shot report
// reads its files into. Close closes the store and removes the directory.
type TempStore struct {
	Store
	dir string
}

// Close closes the store and removes its directory.
func (t *TempStore) Close() error {
	err := t.Store.Close()
	return errors.Join(err, os.RemoveAll(t.dir))
}

// OneShot makes a temporary store with open, imports names into it with
// in (whose Store it sets) and looks up their addresses with geo (nil: no
// GeoIP). The caller closes the returned store; on an error there is none.
// The result tells which inputs were skipped.
func OneShot(ctx context.Context, open func(ctx context.Context, path string) (Store, error), in Ingester, geo func() (Locator, error), names []string) (*TempStore, *Result, error) {
	dir, err := os.MkdirTemp("", "knocks-report-")
	if err != nil {
		return nil, nil, fmt.Errorf("cannot make a temporary store: %w", err)
	}
	s, err := open(ctx, filepath.Join(dir, "oneshot.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	ts := &TempStore{Store: s, dir: dir}
	in.Store = s
	if geo != nil {
		in.Enricher = &Enricher{Store: s, Open: geo}
		defer in.Enricher.Close()
	}
	res, err := in.Run(ctx, names)
	if err != nil {
		ts.Close()
		return nil, res, err
	}
	return ts, res, nil
}
