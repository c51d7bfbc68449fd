package ui

import (
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// barSet draws one bar per mailbox in flight plus a total bar at the
// bottom. Bars count bytes when the mailbox's byte total is known, else
// messages; the decorators read only atomic counters, never a lock held
// while calling into mpb (which waits for its render loop).
type barSet struct {
	p     *mpb.Progress
	total *counter

	mu      sync.Mutex
	bars    map[mboxKey]*counter
	stopped bool
}

// counter is a bar and the message counts its decorators show.
type counter struct {
	bar            *mpb.Bar
	msgs, doneMsgs atomic.Int64
	byBytes        bool
	totalB         atomic.Int64 // total bar only: planned bytes
}

// nameWidth is the width of the mailbox name column.
const nameWidth = 28

// newBarSet draws on out; term, when not nil, is the terminal behind out,
// whose size the bars take and on which they redraw in place.
func newBarSet(out io.Writer, term *os.File) *barSet {
	opts := []mpb.ContainerOption{mpb.WithOutput(out), mpb.WithWidth(100),
		mpb.WithRefreshRate(150 * time.Millisecond), mpb.WithAutoRefresh()}
	if term != nil {
		cw := cupwriter.New(out, false)
		cw.SetTermFd(int(term.Fd()))
		opts = append(opts, mpb.WithConsoleWriter(cw))
	}
	p := mpb.New(opts...)
	s := &barSet{p: p, bars: map[mboxKey]*counter{}}
	s.total = &counter{byBytes: true}
	s.total.bar = p.AddBar(0, mpb.BarPriority(math.MaxInt32), mpb.BarWidth(30),
		mpb.PrependDecorators(decor.Name(fitName("total", nameWidth), decor.WC{W: nameWidth, C: decor.DindentRight}),
			msgsDecorator(s.total)),
		mpb.AppendDecorators(bytesDecorators()...))
	return s
}

func msgsDecorator(c *counter) decor.Decorator {
	return decor.Any(func(decor.Statistics) string {
		return fmt.Sprintf("%d/%d msgs", c.doneMsgs.Load(), c.msgs.Load())
	}, decor.WC{W: 16})
}

func bytesDecorators() []decor.Decorator {
	return []decor.Decorator{
		decor.Counters(decor.SizeB1024(0), "% .1f / % .1f", decor.WC{W: 22}),
		decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WC{W: 14}),
		decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WC{W: 8}), ""),
	}
}

func countDecorators() []decor.Decorator {
	return []decor.Decorator{
		decor.CountersNoUnit("%d / %d", decor.WC{W: 22}),
		decor.AverageSpeed(0, "%.0f msg/s", decor.WC{W: 14}),
		decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WC{W: 8}), ""),
	}
}

// fitName shortens s to w runes, keeping its end (the leaf mailbox name).
func fitName(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	return "…" + string(r[len(r)-w+1:])
}

func (s *barSet) start(k mboxKey, messages int, bytes int64) {
	c := &counter{byBytes: bytes > 0}
	c.msgs.Store(int64(messages))
	s.total.msgs.Add(int64(messages))
	s.total.totalB.Add(bytes)
	deco := countDecorators()
	total := int64(messages)
	if c.byBytes {
		deco, total = bytesDecorators(), bytes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	if old := s.bars[k]; old != nil {
		old.bar.Abort(true)
	}
	c.bar = s.p.AddBar(0, mpb.BarRemoveOnComplete(), mpb.BarWidth(30),
		mpb.PrependDecorators(decor.Name(fitName(k.String(), nameWidth), decor.WC{W: nameWidth, C: decor.DindentRight}),
			msgsDecorator(c)),
		mpb.AppendDecorators(deco...))
	c.bar.SetTotal(total, false)
	s.total.bar.SetTotal(s.total.totalB.Load(), false)
	s.bars[k] = c
}

func (s *barSet) progress(k mboxKey, messages int, bytes int64) {
	s.total.doneMsgs.Add(int64(messages))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.total.bar.IncrInt64(bytes)
	c := s.bars[k]
	if c == nil {
		return
	}
	c.doneMsgs.Add(int64(messages))
	if c.byBytes {
		c.bar.IncrInt64(bytes)
	} else {
		c.bar.IncrInt64(int64(messages))
	}
}

func (s *barSet) done(k mboxKey, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.bars[k]
	delete(s.bars, k)
	if s.stopped || c == nil {
		return
	}
	if failed {
		c.bar.Abort(true)
		return
	}
	c.bar.SetTotal(-1, true)
}

// print writes text above the bars; false when the bars are stopped.
// The lock is not held while mpb waits for its next refresh; a Write that
// loses a race with stop fails with mpb's ErrDone and reports false.
func (s *barSet) print(text string) bool {
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if stopped {
		return false
	}
	_, err := s.p.Write([]byte(text))
	return err == nil
}

// stop drops unfinished bars, completes the total and waits for the last render.
func (s *barSet) stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	for k, c := range s.bars {
		c.bar.Abort(true)
		delete(s.bars, k)
	}
	s.total.bar.SetTotal(-1, true)
	s.mu.Unlock()
	s.p.Wait()
}
