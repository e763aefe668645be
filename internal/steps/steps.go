// Package steps runs the steps of a store's KeepResults (finding a
// report's summary, alerts and campaigns) at once, or one after the other
// in little memory.
package steps

import "runtime/debug"

// HeapLimit is the soft limit of the Go heap while Run runs its steps one
// after the other.
const HeapLimit = 48 << 20

// Run runs the steps, all at once when together, else one after the
// other, each after a collection that gives back to the system what the
// one before (or the import before them) left, so that the peak of memory
// is that of the largest step, not of their sum, and with the collector
// run more often. It returns the first error.
func Run(steps []func() error, together bool) error {
	if !together {
		// The collector keeps the heap under HeapLimit where it can (each
		// step's live heap is some tens of MB over 10M log lines), instead
		// of letting it grow to twice what is live.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(HeapLimit))
		for _, step := range steps {
			debug.FreeOSMemory()
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make(chan error, len(steps))
	for _, step := range steps {
		go func() { errs <- step() }()
	}
	var first error
	for range steps {
		if err := <-errs; first == nil {
			first = err
		}
	}
	return first
}
