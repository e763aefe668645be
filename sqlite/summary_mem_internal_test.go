package sqlite

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopper checks topper against a sort of the whole list, for lists with
// many equal counts (ordered by their key), and for n of none, some, all
// and more than all.
func TestTopper(t *testing.T) {
	type item struct {
		n int64
		k int
	}
	order := func(x, y item) int { return cmp.Or(cmp.Compare(y.n, x.n), cmp.Compare(x.k, y.k)) }
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 2, 3, 10, 100, 1000} {
		for _, n := range []int{0, 1, 3, 10, 999, 1000, 1001} {
			l := make([]item, size)
			for i := range l {
				l[i] = item{int64(r.IntN(5)), r.IntN(1 << 20)}
			}
			want := slices.Clone(l)
			slices.SortFunc(want, order)
			want = want[:min(n, len(want))]
			tp := newTopper(n, order)
			for _, x := range l {
				tp.add(x)
			}
			if got := tp.sorted(); !slices.Equal(got, want) && len(got)+len(want) > 0 {
				t.Errorf("size %d, n %d: got %v, want %v", size, n, got, want)
			}
		}
	}
}

// SetChunkRows sets the most rows of a chunk that a summary reads as one
// value, and returns a function that restores it.
func SetChunkRows(n int) (restore func()) {
	old := chunkRows
	chunkRows = n
	return func() { chunkRows = old }
}
