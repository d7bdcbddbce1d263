package runner

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"sweep/internal/humanize"
	"sweep/rundir"
	"sweep/vocab"
)

// RunInfo names one attempt of a run for display.
type RunInfo struct {
	ID      string
	Label   string // variant and the values that set the run apart in its sweep
	Device  string
	Attempt int
}

// Reporter shows a sweep's progress. Its methods are called from several goroutines.
type Reporter interface {
	Start(r RunInfo)
	Progress(id string, p rundir.Progress)
	Finish(r RunInfo, outcome vocab.Outcome, detail string)
	Close()
}

// board is what both reporters know: the runs in flight and the sweep's totals.
type board struct {
	mu      sync.Mutex
	now     func() time.Time
	total   int
	done    int // completed, counting runs completed before this invocation
	failed  int
	slots   int
	began   time.Time
	took    []time.Duration // durations of the runs completed in this invocation
	active  map[string]*flight
	ordered []string
}

type flight struct {
	RunInfo
	start time.Time
	pace
}

// pace follows a run's progress reports to estimate its time left from its iteration rate.
type pace struct {
	first, last   rundir.Progress
	firstT, lastT time.Time
	seen          bool
}

// observe takes report p, received at t. A new phase, or an iteration below the first one
// seen (a resumed attempt), starts the rate afresh.
func (p *pace) observe(pr rundir.Progress, t time.Time) {
	if !p.seen || pr.Iter < p.first.Iter || pr.Phase != p.last.Phase {
		p.first, p.firstT, p.seen = pr, t, true
	}
	p.last, p.lastT = pr, t
}

func newBoard(total, done, slots int) *board {
	return &board{now: time.Now, total: total, done: done, slots: max(1, slots), began: time.Now(),
		active: map[string]*flight{}}
}

func (b *board) start(r RunInfo) {
	b.active[r.ID] = &flight{RunInfo: r, start: b.now()}
	b.ordered = append(b.ordered, r.ID)
}

func (b *board) progress(id string, p rundir.Progress) *flight {
	f := b.active[id]
	if f == nil {
		return nil
	}
	f.observe(p, b.now())
	return f
}

func (b *board) finish(r RunInfo, outcome vocab.Outcome) time.Duration {
	var took time.Duration
	if f := b.active[r.ID]; f != nil {
		took = b.now().Sub(f.start)
	}
	delete(b.active, r.ID)
	b.ordered = slices.DeleteFunc(b.ordered, func(id string) bool { return id == r.ID })
	switch outcome {
	case vocab.OutcomeCompleted:
		b.done++
		b.took = append(b.took, took)
	case vocab.OutcomeFailed:
		b.failed++
	}
	return took
}

// eta estimates a run's time left from its iteration rate; ok is false without a rate.
func (p *pace) eta() (time.Duration, bool) {
	di := p.last.Iter - p.first.Iter
	if p.last.Total <= 0 || di <= 0 {
		return 0, false
	}
	per := p.lastT.Sub(p.firstT) / time.Duration(di)
	return per * time.Duration(p.last.Total-p.last.Iter), true
}

// overallETA spreads the work left (runs not started at the mean duration so far, plus what
// is left of the runs in flight) over the slots.
func (b *board) overallETA() (time.Duration, bool) {
	if len(b.took) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, d := range b.took {
		sum += d
	}
	mean := sum / time.Duration(len(b.took))
	waiting := max(0, b.total-b.done-b.failed-len(b.active))
	work := time.Duration(waiting) * mean
	for _, f := range b.active {
		if e, ok := f.eta(); ok {
			work += e
		} else {
			work += max(0, mean-b.now().Sub(f.start))
		}
	}
	return work / time.Duration(b.slots), true
}

func (b *board) summary() string {
	s := fmt.Sprintf("%d/%d done", b.done, b.total)
	if b.failed > 0 {
		s += fmt.Sprintf(", %d failed", b.failed)
	}
	if n := len(b.active); n > 0 {
		s += fmt.Sprintf(", %d running", n)
	}
	if e, ok := b.overallETA(); ok && len(b.active) > 0 {
		s += ", ETA " + humanize.Duration(e)
	}
	return s
}

// status is the run's phase (unless training), iteration and ETA, or "starting".
func (f *flight) status() string {
	if !f.seen {
		return "starting"
	}
	eta, ok := f.eta()
	return progressText(f.last, eta, ok)
}

// progressText is the phase (unless training), the iteration and, when ok, the ETA: what a
// run's line shows before its label and losses, so that a narrow terminal cuts only those.
func progressText(p rundir.Progress, eta time.Duration, ok bool) string {
	if p.Total <= 0 {
		return cmp.Or(p.Phase, "starting") // a phase without iterations
	}
	s := fmt.Sprintf("%d/%d", p.Iter, p.Total)
	if p.Phase != "" && p.Phase != "train" {
		s = p.Phase + " " + s
	}
	if ok {
		s += " ETA " + humanize.Duration(eta)
	}
	return s
}

// runLine is one run in flight: the progress first, then the ID, label and losses.
func runLine(status, id, label string, losses string) string {
	return strings.TrimRight(strings.Join([]string{status, id, label, losses}, " "), " ")
}

func losses(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%.3g", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func bar(frac float64, width int) string {
	n := int(min(1, max(0, frac)) * float64(width))
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}

func finishLine(r RunInfo, outcome vocab.Outcome, detail string, took time.Duration) string {
	s := fmt.Sprintf("%-11s %s %s on %s", outcome, r.ID, r.Label, r.Device)
	if took > 0 {
		s += " after " + humanize.Duration(took)
	}
	if detail != "" {
		s += ": " + detail
	}
	return s
}

// plainReporter writes one line per start and finish, and a run's progress at most once
// per interval: for logs and pipes.
type plainReporter struct {
	*board
	w        io.Writer
	interval time.Duration
	said     map[string]time.Time
}

// NewPlainReporter reports to w in plain lines.
func NewPlainReporter(w io.Writer, total, done, slots int, interval time.Duration) Reporter {
	return &plainReporter{board: newBoard(total, done, slots), w: w, interval: interval, said: map[string]time.Time{}}
}

func (p *plainReporter) Start(r RunInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start(r)
	p.said[r.ID] = p.now()
	fmt.Fprintf(p.w, "%-11s %s %s on %s (attempt %d)\n", "start", r.ID, r.Label, r.Device, r.Attempt)
}

func (p *plainReporter) Progress(id string, pr rundir.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.progress(id, pr)
	if f == nil || p.now().Sub(p.said[id]) < p.interval {
		return
	}
	p.said[id] = p.now()
	fmt.Fprintf(p.w, "%-11s %s %s on %s: %s\n", "progress", id, f.Label, f.Device, strings.TrimSpace(f.status()+" "+losses(f.last.Losses)))
}

func (p *plainReporter) Finish(r RunInfo, outcome vocab.Outcome, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	took := p.finish(r, outcome)
	delete(p.said, r.ID)
	fmt.Fprintf(p.w, "%s [%s]\n", finishLine(r, outcome, detail, took), p.summary())
}

func (p *plainReporter) Close() {}

// termReporter keeps one bar per run in flight and an overall bar at the bottom of a
// terminal, redrawn in place; starts and finishes scroll above them.
type termReporter struct {
	*board
	w     io.Writer
	width func() int
	drawn int // bar lines currently on screen
	stop  chan struct{}
	wg    sync.WaitGroup
}

// NewTermReporter reports to the terminal w, whose width width returns.
func NewTermReporter(w io.Writer, width func() int, total, done, slots int) Reporter {
	t := &termReporter{board: newBoard(total, done, slots), w: w, width: width, stop: make(chan struct{})}
	t.wg.Add(1)
	go t.tick(500 * time.Millisecond)
	return t
}

func (t *termReporter) tick(every time.Duration) {
	defer t.wg.Done()
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tk.C:
			t.mu.Lock()
			t.redraw("")
			t.mu.Unlock()
		}
	}
}

// redraw erases the bars, prints line above them (if any) and draws them again.
func (t *termReporter) redraw(line string) {
	var sb strings.Builder
	if t.drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA\x1b[J", t.drawn)
	}
	if line != "" {
		sb.WriteString(line + "\n")
	}
	bars := t.bars()
	for _, l := range bars {
		sb.WriteString(l + "\n")
	}
	t.drawn = len(bars)
	io.WriteString(t.w, sb.String())
}

func (t *termReporter) bars() []string {
	width := t.width()
	if width <= 1 {
		width = 80 // unknown: a line that wrapped would break the redraw
	}
	clip := func(s string) string {
		if len(s) >= width {
			return s[:width-1]
		}
		return s
	}
	var lines []string
	for _, id := range t.ordered {
		f := t.active[id]
		frac := 0.0
		if f.seen && f.last.Total > 0 {
			frac = float64(f.last.Iter) / float64(f.last.Total)
		}
		lines = append(lines, clip(fmt.Sprintf("%-6s %s %s", f.Device, bar(frac, 20), runLine(f.status(), id, f.Label, losses(f.last.Losses)))))
	}
	frac := float64(t.done) / float64(max(1, t.total))
	lines = append(lines, clip(fmt.Sprintf("sweep  %s %s, elapsed %s", bar(frac, 20), t.summary(), humanize.Duration(t.now().Sub(t.began)))))
	return lines
}

func (t *termReporter) Start(r RunInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start(r)
	t.redraw("")
}

func (t *termReporter) Progress(id string, p rundir.Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.progress(id, p)
}

func (t *termReporter) Finish(r RunInfo, outcome vocab.Outcome, detail string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	took := t.finish(r, outcome)
	t.redraw(finishLine(r, outcome, detail, took))
}

func (t *termReporter) Close() {
	close(t.stop)
	t.wg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.redraw("")
}
