package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"sweep/config"
	"sweep/internal/exitcode"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// Args are the options of "sweep eval".
type Args struct {
	DB        string         // results database
	Sweep     string         // score this sweep's runs ...
	Runs      []string       // ... or these runs; neither: every run in the database
	Metrics   []vocab.Metric // metric kinds to score; nil: each run's own list (as its sweep gives it)
	Force     bool           // recompute values already recorded
	Inception string         // FID weights for every run; "": each run's inception setting
	Epochs    string         // "all" (default: the final and every kept checkpoint) or "final"
	Log       io.Writer      // progress and notes; nil: os.Stderr
}

// ExitCodeInterrupted is the exit status of "sweep eval" after a Ctrl-C.
const ExitCodeInterrupted = 130

// ErrInterrupted is wrapped by the error of an evaluation that ctx ended.
var ErrInterrupted = errors.New("interrupted")

// Main is "sweep eval": it scores the checkpoints of completed runs with the metrics they
// lack and records each value in the database as soon as it is computed, so an interrupted
// evaluation (SIGINT, SIGTERM) resumes where it stopped. Exit status 1 when some value could
// not be computed, 130 after an interrupt.
func Main(a Args) error {
	if err := a.check(); err != nil {
		return err
	}
	store, err := results.Open(a.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, stop := interrupts(a.log())
	defer stop()
	sum, err := Eval(ctx, store, a)
	if sum.ToDo > 0 {
		fmt.Fprintln(a.log(), sum)
	}
	switch {
	case errors.Is(err, ErrInterrupted):
		return &exitcode.Error{Code: ExitCodeInterrupted, Err: err}
	case err != nil:
		return &exitcode.Error{Code: 1, Err: err}
	}
	return nil
}

// interrupts ends ctx at the first SIGINT or SIGTERM: the value being computed is finished
// and recorded, nothing new starts. A second signal kills the program (default behaviour).
func interrupts(log io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
			signal.Stop(sigs)
			fmt.Fprintln(log, "interrupted: finishing the value in progress (interrupt again to quit at once)")
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

func (a Args) check() error {
	if a.Sweep != "" && len(a.Runs) > 0 {
		return errors.New("give --sweep or run IDs, not both")
	}
	if a.Epochs != "" && a.Epochs != "all" && a.Epochs != "final" {
		return fmt.Errorf("--epochs %q: allowed: all, final", a.Epochs)
	}
	for _, m := range a.Metrics {
		if _, err := vocab.ParseMetric(string(m)); err != nil {
			return err
		}
	}
	return nil
}

func (a Args) log() io.Writer {
	if a.Log == nil {
		return os.Stderr
	}
	return a.Log
}

// Summary counts what one evaluation did.
type Summary struct {
	Runs        int      // runs selected
	NotComplete []string // selected runs skipped: not completed
	Checkpoints int      // checkpoints of the completed runs
	Before      int      // (checkpoint, kind) already recorded, not recomputed
	ToDo        int      // (checkpoint, kind) to compute
	Done        int      // computed and recorded now
	Absent      int      // computed to no value: FID without weights in a run with fid_optional
	Failed      []string // what could not be computed: run, epoch, kind and why
	Busy        []string // runs held by another process

	failedItems int // of ToDo
}

func (s Summary) String() string {
	line := fmt.Sprintf("sweep eval: %d runs, %d checkpoints: %d computed, %d absent, %d failed, %d left",
		s.Runs, s.Checkpoints, s.Done, s.Absent, len(s.Failed), s.ToDo-s.Done-s.Absent-s.failedItems)
	if n := len(s.NotComplete); n > 0 {
		line += fmt.Sprintf(", %d runs not completed", n)
	}
	if n := len(s.Busy); n > 0 {
		line += fmt.Sprintf(", %d busy", n)
	}
	return line
}

func (s *Summary) fail(id string, it item) {
	s.Failed = append(s.Failed, fmt.Sprintf("%s epoch %d %s", id, it.ck.Epoch, it.kind))
	s.failedItems++
}

func (s Summary) err(ctx context.Context) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %d of %d computed; run again to resume", ErrInterrupted, s.Done+s.Absent, s.ToDo)
	case len(s.Failed)+len(s.Busy) > 0:
		parts := append(slices.Clone(s.Failed), s.Busy...)
		return fmt.Errorf("not computed (see above): %s", strings.Join(parts, ", "))
	}
	return nil
}

// Eval is Main on an open store: it plans what the selected runs lack, prints how much
// there is to do ("0 to do" when nothing), then computes and records it run by run.
func Eval(ctx context.Context, store *results.Store, a Args) (Summary, error) {
	runs, err := selectRuns(store, a)
	if err != nil {
		return Summary{}, err
	}
	plans, sum, err := planAll(store, runs, a)
	if err != nil {
		return sum, err
	}
	fmt.Fprintf(a.log(), "sweep eval: %d runs, %d checkpoints: %d to do, %d recorded before\n", sum.Runs, sum.Checkpoints, sum.ToDo, sum.Before)
	rep := newReporter(a.log(), sum.ToDo)
	for _, p := range plans {
		if ctx.Err() != nil {
			break
		}
		if err := p.execute(ctx, store, a, rep, &sum); err != nil {
			return sum, err
		}
	}
	return sum, sum.err(ctx)
}

// selectRuns returns the runs of a.Sweep, the runs a.Runs names, or every run.
func selectRuns(store *results.Store, a Args) ([]results.Run, error) {
	if len(a.Runs) == 0 {
		runs, err := store.ListRuns(a.Sweep)
		if err == nil && len(runs) == 0 && a.Sweep != "" {
			return nil, fmt.Errorf("sweep %q has no runs in %s", a.Sweep, store.Path())
		}
		return runs, err
	}
	var out []results.Run
	for _, id := range a.Runs {
		r, ok, err := store.GetRun(id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("run %s is not in %s", id, store.Path())
		}
		out = append(out, r)
	}
	return out, nil
}

// item is one (checkpoint, metric kind) to compute.
type item struct {
	ck   Checkpoint
	kind vocab.Metric
}

// plan is what one run lacks.
type plan struct {
	run   results.Run
	cfg   config.Run
	items []item
}

// planAll plans every completed run; a run whose checkpoints cannot be listed is counted
// failed and left out.
func planAll(store *results.Store, runs []results.Run, a Args) ([]*plan, Summary, error) {
	sum := Summary{Runs: len(runs)}
	var plans []*plan
	for _, r := range runs {
		if r.Status != vocab.StatusCompleted {
			sum.NotComplete = append(sum.NotComplete, r.ID)
			fmt.Fprintf(a.log(), "skip %s: %s, not completed\n", r.ID, r.Status)
			continue
		}
		p, cks, before, err := planRun(store, r, a)
		if err != nil {
			sum.Failed = append(sum.Failed, r.ID+" (checkpoints)")
			fmt.Fprintf(a.log(), "skip %s: %v\n", r.ID, err)
			continue
		}
		sum.Checkpoints += cks
		sum.Before += before
		sum.ToDo += len(p.items)
		if len(p.items) > 0 {
			plans = append(plans, p)
		}
	}
	return plans, sum, nil
}

// planRun lists the run's checkpoints and the (checkpoint, kind) pairs it has no value of
// (all of them with a.Force); before counts those it has.
func planRun(store *results.Store, r results.Run, a Args) (p *plan, checkpoints, before int, err error) {
	cfg := r.Config
	if a.Inception != "" {
		cfg.Inception = a.Inception
	}
	kinds := a.Metrics
	if kinds == nil {
		kinds = cfg.Metrics
	}
	cks, err := Checkpoints(r.Dir, cfg, a.Epochs != "final")
	if err != nil {
		return nil, 0, 0, err
	}
	stored, err := store.Metrics(r.ID)
	if err != nil {
		return nil, 0, 0, err
	}
	done := scoredOf(stored)
	p = &plan{run: r, cfg: cfg}
	for _, ck := range cks {
		for _, kind := range Applicable(kinds, cfg) {
			if done[at{ck.Epoch, kind}] && !a.Force {
				before++
				continue
			}
			p.items = append(p.items, item{ck, kind})
		}
	}
	return p, len(cks), before, nil
}

// lockWait is how long an evaluation waits for a run that another process holds.
const lockWait = 5 * time.Second

// execute computes the plan's items under the run's lock (the one the runner holds while a
// run executes, so a run is not evaluated while "sweep run --force" retrains it or another
// evaluation scores it), recording each value set at once. A failed item is counted and the
// others go on; err is an error of the store.
func (p *plan) execute(ctx context.Context, store *results.Store, a Args, rep *reporter, sum *Summary) error {
	lock, err := rundir.Lock(p.run.Dir, lockWait)
	if err != nil {
		sum.Busy = append(sum.Busy, p.run.ID+" (busy)")
		rep.skip(p.run, len(p.items), err)
		return nil
	}
	defer lock.Close()
	e, err := New(p.run.Dir, p.cfg, nil, Options{Log: a.log()})
	if err != nil {
		p.failAll(rep, sum, err)
		return nil
	}
	translated := map[string]error{}
	for _, it := range p.items {
		if ctx.Err() != nil {
			return nil
		}
		rep.begin()
		ms, err := p.compute(ctx, e, it, translated)
		if err == nil && len(ms) > 0 {
			if err := store.AddMetrics(p.run.ID, ms); err != nil {
				return err
			}
		}
		p.count(ctx, it, ms, err, rep, sum)
	}
	return nil
}

// compute translates the item's checkpoint (once per checkpoint) and scores it.
func (p *plan) compute(ctx context.Context, e *Evaluator, it item, translated map[string]error) ([]rundir.Metric, error) {
	err, ok := translated[it.ck.Fakes]
	if !ok {
		err = e.Fakes(ctx, it.ck)
		translated[it.ck.Fakes] = err
	}
	if err != nil {
		return nil, fmt.Errorf("translate: %w", err)
	}
	return e.Score(ctx, it.ck, it.kind)
}

// count reports an item's outcome and adds it to the summary; an item that an interrupt
// cut short counts as left, not failed.
func (p *plan) count(ctx context.Context, it item, ms []rundir.Metric, err error, rep *reporter, sum *Summary) {
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		sum.fail(p.run.ID, it)
		rep.failed(p.run, it, err)
	case len(ms) == 0:
		sum.Absent++
		rep.absent(p.run, it)
	default:
		sum.Done++
		rep.done(p.run, it, ms)
	}
}

// failAll counts every item of the plan failed for one reason.
func (p *plan) failAll(rep *reporter, sum *Summary, err error) {
	for _, it := range p.items {
		rep.begin()
		sum.fail(p.run.ID, it)
		rep.failed(p.run, it, err)
	}
}
