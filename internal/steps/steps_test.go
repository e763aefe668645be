package steps

import (
	"errors"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// TestRun: every step runs, at once or one after the other; the first
// error is returned; one after the other, a failed step stops the rest and
// the heap's limit is as before afterwards.
func TestRun(t *testing.T) {
	errA := errors.New("a")
	for _, together := range []bool{true, false} {
		var ran atomic.Int32
		step := func() error { ran.Add(1); return nil }
		if err := Run([]func() error{step, step, step}, together); err != nil || ran.Load() != 3 {
			t.Errorf("together=%v: %v, %d steps ran; want nil, 3", together, err, ran.Load())
		}
		ran.Store(0)
		before := debug.SetMemoryLimit(-1)
		err := Run([]func() error{step, func() error { return errA }, step}, together)
		if !errors.Is(err, errA) {
			t.Errorf("together=%v: error %v, want %v", together, err, errA)
		}
		if want := map[bool]int32{true: 2, false: 1}[together]; ran.Load() != want {
			t.Errorf("together=%v: %d other steps ran, want %d", together, ran.Load(), want)
		}
		if after := debug.SetMemoryLimit(-1); after != before {
			t.Errorf("together=%v: the heap's limit is %d after, %d before", together, after, before)
		}
	}
}
