package ingest

import (
	"sort"

	"knocks"
)

// maxExample bounds the example line kept for a shape.
const maxExample = 300

// shapes counts unrecognised lines by shape, keeping one example each.
type shapes struct {
	max   int
	byKey map[string]*knocks.Shape
	other *knocks.Shape
}

func newShapes(max int) *shapes { return &shapes{max: max, byKey: make(map[string]*knocks.Shape)} }

// add counts line under shape; it reports whether the shape is new.
func (s *shapes) add(shape string, line []byte) bool {
	if sh, ok := s.byKey[shape]; ok {
		sh.Count++
		return false
	}
	if len(s.byKey) >= s.max {
		if s.other == nil {
			s.other = &knocks.Shape{Shape: "(other shapes)", Example: example(line)}
		}
		s.other.Count++
		return false
	}
	s.byKey[shape] = &knocks.Shape{Shape: shape, Count: 1, Example: example(line)}
	return true
}

func example(line []byte) string {
	if len(line) > maxExample {
		line = line[:maxExample]
	}
	return string(line)
}

// list returns the shapes, most frequent first.
func (s *shapes) list() []knocks.Shape {
	out := make([]knocks.Shape, 0, len(s.byKey)+1)
	for _, sh := range s.byKey {
		out = append(out, *sh)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Shape < out[j].Shape
	})
	if s.other != nil {
		out = append(out, *s.other)
	}
	return out
}
