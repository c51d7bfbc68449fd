package imap

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Range is an inclusive range of message numbers as in the sequence-set
// grammar of RFC 9051 §9 ("seq-range"). A bound of 0 stands for "*", the
// largest number in use in the mailbox, which only the server knows.
type Range[T ~uint32] struct {
	Start, Stop T
}

// key orders bounds with "*" (0) after every number.
func key[T ~uint32](n T) uint64 {
	if n == 0 {
		return math.MaxUint32 + 1
	}
	return uint64(n)
}

// lo and hi return the bounds of r in ascending order as keys.
func (r Range[T]) lo() uint64 { return min(key(r.Start), key(r.Stop)) }
func (r Range[T]) hi() uint64 { return max(key(r.Start), key(r.Stop)) }

func fromKey[T ~uint32](k uint64) T {
	if k > math.MaxUint32 {
		return 0
	}
	return T(k)
}

// numSet is the shared implementation of UIDSet and SeqSet: a list of ranges
// kept sorted, merged and with Start <= Stop ("*" last) by every mutating
// method, so that String is compact.
type numSet[T ~uint32] struct {
	ranges []Range[T]
}

// Ranges returns the normalized ranges of the set (sorted, merged). The
// caller must not modify the returned slice.
func (s *numSet[T]) Ranges() []Range[T] { return s.ranges }

// IsEmpty reports whether the set holds no number.
func (s *numSet[T]) IsEmpty() bool { return len(s.ranges) == 0 }

// Dynamic reports whether the set contains "*", so that its members depend
// on the mailbox state on the server.
func (s *numSet[T]) Dynamic() bool {
	n := len(s.ranges)
	return n > 0 && s.ranges[n-1].Stop == 0
}

// AddNum adds single numbers to the set. 0 adds "*".
func (s *numSet[T]) AddNum(nums ...T) {
	for _, n := range nums {
		s.AddRange(n, n)
	}
}

// AddRange adds the inclusive range start:stop (either order; 0 is "*").
func (s *numSet[T]) AddRange(start, stop T) {
	r := Range[T]{fromKey[T](min(key(start), key(stop))), fromKey[T](max(key(start), key(stop)))}
	i, _ := slices.BinarySearchFunc(s.ranges, r.lo(), func(e Range[T], k uint64) int {
		switch {
		case e.hi()+1 < k:
			return -1
		default:
			return 1
		}
	})
	// ranges[i:] all end at or after r.lo()-1; merge every one that touches r.
	j := i
	lo, hi := r.lo(), r.hi()
	for j < len(s.ranges) && s.ranges[j].lo() <= hi+1 {
		lo = min(lo, s.ranges[j].lo())
		hi = max(hi, s.ranges[j].hi())
		j++
	}
	merged := Range[T]{fromKey[T](lo), fromKey[T](hi)}
	s.ranges = slices.Replace(s.ranges, i, j, merged)
}

// AddSet adds every range of o to s.
func (s *numSet[T]) addSet(o *numSet[T]) {
	for _, r := range o.ranges {
		s.AddRange(r.Start, r.Stop)
	}
}

// Contains reports whether n is in the set. A range ending in "*" is taken
// to extend without bound, since only the server knows the value of "*".
func (s *numSet[T]) Contains(n T) bool {
	if n == 0 {
		return s.Dynamic()
	}
	k := uint64(n)
	i, found := slices.BinarySearchFunc(s.ranges, k, func(e Range[T], k uint64) int {
		switch {
		case e.hi() < k:
			return -1
		case e.lo() > k:
			return 1
		}
		return 0
	})
	_ = i
	return found
}

// Len returns how many numbers the set holds, not counting ranges that
// involve "*" beyond their known bound (so "5:*" counts as 1).
func (s *numSet[T]) Len() uint64 {
	var n uint64
	for _, r := range s.ranges {
		if r.Stop == 0 {
			n++
			continue
		}
		n += uint64(r.Stop-r.Start) + 1
	}
	return n
}

// All iterates over the numbers of the set in ascending order. For a range
// ending in "*" only its known start is produced (and nothing for a bare
// "*"): check Dynamic first when that matters.
func (s *numSet[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, r := range s.ranges {
			if r.Start == 0 {
				return
			}
			stop := r.Stop
			if stop == 0 {
				stop = r.Start
			}
			for n := uint64(r.Start); n <= uint64(stop); n++ {
				if !yield(T(n)) {
					return
				}
			}
		}
	}
}

// Nums returns the members of the set in ascending order, or false when the
// set is dynamic (contains "*").
func (s *numSet[T]) Nums() ([]T, bool) {
	if s.Dynamic() {
		return nil, false
	}
	out := make([]T, 0, min(s.Len(), 1<<20))
	for n := range s.All() {
		out = append(out, n)
	}
	return out, true
}

// String formats the set in its compact wire form, e.g. "1:3,5,7:*"
// (RFC 9051 §9 sequence-set). The empty set formats as "".
func (s *numSet[T]) String() string {
	var b strings.Builder
	for i, r := range s.ranges {
		if i > 0 {
			b.WriteByte(',')
		}
		appendRange(&b, r)
	}
	return b.String()
}

func appendRange[T ~uint32](b *strings.Builder, r Range[T]) {
	writeBound(b, r.Start)
	if r.Start != r.Stop {
		b.WriteByte(':')
		writeBound(b, r.Stop)
	}
}

func writeBound[T ~uint32](b *strings.Builder, n T) {
	if n == 0 {
		b.WriteByte('*')
		return
	}
	var buf [10]byte
	b.Write(strconv.AppendUint(buf[:0], uint64(n), 10))
}

func rangeLen[T ~uint32](r Range[T]) int {
	var b strings.Builder
	appendRange(&b, r)
	return b.Len()
}

// split cuts the set into consecutive parts whose String form is at most
// maxLen bytes each. A single range is never cut, so a part may exceed maxLen
// only when one range alone does (impossible for maxLen >= 21).
func (s *numSet[T]) split(maxLen int) []numSet[T] {
	var out []numSet[T]
	var cur numSet[T]
	n := 0
	for _, r := range s.ranges {
		l := rangeLen(r)
		if len(cur.ranges) > 0 && n+1+l > maxLen {
			out = append(out, cur)
			cur, n = numSet[T]{}, 0
		}
		if len(cur.ranges) > 0 {
			n++
		}
		cur.ranges = append(cur.ranges, r)
		n += l
	}
	if len(cur.ranges) > 0 {
		out = append(out, cur)
	}
	return out
}

// parseNumSet parses the sequence-set grammar of RFC 9051 §9 into s.
func parseNumSet[T ~uint32](str string, s *numSet[T]) error {
	if str == "" {
		return fmt.Errorf("imap: empty sequence set")
	}
	for part := range strings.SplitSeq(str, ",") {
		a, b, isRange := strings.Cut(part, ":")
		start, err := parseBound[T](a)
		if err != nil {
			return fmt.Errorf("imap: sequence set %q: %w", str, err)
		}
		stop := start
		if isRange {
			if stop, err = parseBound[T](b); err != nil {
				return fmt.Errorf("imap: sequence set %q: %w", str, err)
			}
		}
		s.AddRange(start, stop)
	}
	return nil
}

func parseBound[T ~uint32](s string) (T, error) {
	if s == "*" {
		return 0, nil
	}
	if s == "" || s[0] == '0' || s[0] == '+' {
		return 0, fmt.Errorf("bad number %q", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return T(n), nil
}
