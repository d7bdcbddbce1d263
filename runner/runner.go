// Package runner executes a sweep: it diffs the sweep's runs against the results store,
// hands the runs still to do to device slots, runs each as a child process "sweep exec
// RUNDIR" in its own run directory, records every outcome, retries failures on request and
// turns a Ctrl-C into interrupted runs that the next invocation resumes.
//
// The runner is the only writer of the store; children only write their run directory.
package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"sweep/config"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// Options control how a sweep runs.
type Options struct {
	RunsDir  string // parent of the run directories
	Slots    []Slot // where children run; at least one
	Retries  int    // extra attempts for a failed run
	FailFast bool   // schedule nothing new after a run has finally failed
	Force    bool   // rerun completed runs, from scratch

	Executable string                                // the sweep program the children run; "" means this one
	Kill       <-chan struct{}                       // when closed, running children are killed at once
	Provenance results.Provenance                    // recorded for every attempt, with the run's seed
	Reporter   func(total, done, slots int) Reporter // nil: report nothing
	LockWait   time.Duration                         // how long to wait for a run held by another process
	Lease      time.Duration                         // how long a run's claim holds unless refreshed; 0: DefaultLease
	LiveEvery  time.Duration                         // how often the progress of runs in flight is stored; 0: DefaultLiveEvery
	Launcher   Launcher                              // how attempts execute; nil: LocalLauncher (children of this process)
}

// DefaultLease is how long a runner's claim on a run holds without a heartbeat: a runner
// refreshes it every quarter of that while the run executes, and another runner takes over
// the run of one that stopped refreshing (a crash on another host) once it lapses.
const DefaultLease = 2 * time.Minute

// Summary counts what one invocation did with a sweep's runs.
type Summary struct {
	Total       int                  // distinct runs in the sweep
	Skipped     int                  // completed before and not forced
	Completed   int                  // completed now, including runs recorded from their run directory
	Failed      []string             // IDs of runs that finally failed
	Interrupted []string             // IDs of runs stopped by an interrupt
	Detached    []string             // IDs of runs left running in a cluster at an interrupt
	Busy        []string             // IDs of runs held by another process or runner
	NotStarted  int                  // runs left in the queue by an interrupt or --fail-fast
	Unscored    map[vocab.Metric]int // metric kind -> completed runs skipped without it ('sweep eval' adds them)
}

// ErrInterrupted is returned when the context ended before the sweep did.
var ErrInterrupted = errors.New("interrupted")

// task is one run to do, with the state of its attempts in this invocation.
type task struct {
	Planned
	tries   int  // attempts started in this invocation
	cleaned bool // a forced run's directory was cleared
}

// Run executes the runs of sweep that are not completed in store (all of them when
// opt.Force) and records their outcomes. Ending ctx interrupts the children (SIGINT) and
// waits for them; closing opt.Kill kills them. The error is nil only when every run of the
// sweep is completed; it wraps ErrInterrupted after an interrupt.
func Run(ctx context.Context, store *results.Store, sweep string, runs []config.Run, opt Options) (Summary, error) {
	if len(opt.Slots) == 0 {
		return Summary{}, errors.New("no device slots")
	}
	if opt.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return Summary{}, fmt.Errorf("find the sweep executable: %w", err)
		}
		opt.Executable = exe
	}
	plan, err := Plan(runs, opt.RunsDir)
	if err != nil {
		return Summary{}, err
	}
	tasks, sum, err := register(store, sweep, plan, opt.Force)
	if err != nil {
		return sum, err
	}
	s := &sched{store: store, sweep: sweep, opt: opt, sum: sum, q: newQueue(tasks), rep: nopReporter{}, owner: results.Self()}
	if s.opt.Launcher == nil {
		s.opt.Launcher = LocalLauncher{}
	}
	if s.opt.Lease <= 0 {
		s.opt.Lease = DefaultLease
	}
	if s.opt.LiveEvery <= 0 {
		s.opt.LiveEvery = DefaultLiveEvery
	}
	if opt.Force {
		s.redoBefore = time.Now() // a run another runner completes from now on is not redone
	}
	if opt.Reporter != nil {
		s.rep = opt.Reporter(sum.Total, sum.Skipped, len(opt.Slots))
	}
	s.live = startLive(store, s.owner, s.opt.LiveEvery)
	err = s.run(ctx)
	s.live.close()
	s.rep.Close()
	s.sum.NotStarted = len(s.q.left())
	if err != nil {
		return s.sum, err
	}
	return s.sum, s.sum.err(ctx)
}

// UnscoredNote says which metrics completed runs of sweep lack and how to add them without
// retraining; "" when none lack any.
func (s Summary) UnscoredNote(sweep string) string {
	if len(s.Unscored) == 0 {
		return ""
	}
	var parts []string
	for _, kind := range vocab.Metrics() {
		if n := s.Unscored[kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s on %d", kind, n))
		}
	}
	return fmt.Sprintf("completed runs lack metrics the sweep lists (%s): 'sweep eval --sweep %s' computes them from the checkpoints, without retraining",
		strings.Join(parts, ", "), sweep)
}

func (s Summary) err(ctx context.Context) error {
	var parts []string
	if n := len(s.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d failed (%s)", n, strings.Join(s.Failed, ", ")))
	}
	if n := len(s.Busy); n > 0 {
		parts = append(parts, fmt.Sprintf("%d busy in another process (%s)", n, strings.Join(s.Busy, ", ")))
	}
	if n := len(s.Interrupted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", n))
	}
	if n := len(s.Detached); n > 0 {
		parts = append(parts, fmt.Sprintf("%d detached, still in the cluster ('sweep run' again re-attaches)", n))
	}
	if s.NotStarted > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", s.NotStarted))
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s; run again to resume", ErrInterrupted, strings.Join(parts, ", "))
	case len(parts) > 0:
		return fmt.Errorf("%d of %d runs not completed: %s", s.Total-s.Skipped-s.Completed, s.Total, strings.Join(parts, ", "))
	}
	return nil
}

// register adds the sweep's runs to the store and returns those still to do.
func register(store *results.Store, sweep string, plan []Planned, force bool) ([]*task, Summary, error) {
	sum := Summary{Total: len(plan), Unscored: map[vocab.Metric]int{}}
	var tasks []*task
	for _, p := range plan {
		if err := adoptLegacy(store, p); err != nil {
			return nil, sum, err
		}
		if err := store.AddRun(sweep, results.Run{ID: p.ID, Sweep: sweep, Config: p.Config, Dir: p.Dir, Key: string(p.Key.JSON())}); err != nil {
			return nil, sum, err
		}
		r, _, err := store.GetRun(p.ID)
		if err != nil {
			return nil, sum, err
		}
		if r.Dir != p.Dir && isDir(r.Dir) {
			p.Dir = r.Dir // where its checkpoint and results are (an adopted or moved run)
		}
		if r.Status == vocab.StatusCompleted && !force {
			sum.Skipped++
			if err := countUnscored(store, p, sum.Unscored); err != nil {
				return nil, sum, err
			}
			continue
		}
		tasks = append(tasks, &task{Planned: p})
	}
	return tasks, sum, nil
}

// countUnscored adds to unscored each metric kind that p's config asks for and its stored
// metrics lack: a metric added to a sweep file after the run was trained. Ground truth
// exists for built-in datasets only.
func countUnscored(store *results.Store, p Planned, unscored map[vocab.Metric]int) error {
	ms, err := store.Metrics(p.ID)
	if err != nil {
		return err
	}
	have := map[vocab.Metric]bool{}
	for _, m := range ms {
		have[vocab.MetricOf(m.Name)] = true
	}
	for _, kind := range p.Config.Metrics {
		if !have[kind] && p.Config.Scores(kind) {
			unscored[kind]++
		}
	}
	return nil
}

// adoptLegacy renames a run that an earlier version recorded under p's legacy ID (a hash of
// the whole configuration, labels included) to p's ID, so an upgrade retrains nothing. Its
// run directory keeps its old name; the store records where it is.
func adoptLegacy(store *results.Store, p Planned) error {
	if _, ok, err := store.GetRun(p.ID); ok || err != nil {
		return err
	}
	old, ok, err := store.GetRun(p.LegacyID)
	if !ok || err != nil || old.Key != "" {
		return err // none, or a run of the current scheme that happens to have that ID
	}
	return store.Rekey(old.ID, p.ID, string(p.Key.JSON()))
}

// sched runs the queue on the slots.
type sched struct {
	store *results.Store
	sweep string
	opt   Options
	q     *queue
	rep   Reporter
	live  *liveWriter
	mu    sync.Mutex // guards sum
	sum   Summary

	owner      results.Owner // this runner, as its claims name it
	redoBefore time.Time     // with Force: completed runs that finished before are run again
}

func (s *sched) run(ctx context.Context) error {
	stopOnCancel := context.AfterFunc(ctx, s.q.stop)
	defer stopOnCancel()
	var g errgroup.Group
	for _, slot := range s.opt.Slots {
		g.Go(func() error {
			for {
				t, ok := s.q.next()
				if !ok {
					return nil
				}
				again, err := s.attempt(ctx, slot, t)
				s.q.done(t, again)
				if err != nil && !s.failRecording(slot, t, err) {
					s.q.stop()
					return fmt.Errorf("run %s: %w", t.ID, err)
				}
			}
		})
	}
	return g.Wait()
}

// attempt runs t once on slot and records the outcome. again asks for t to be queued
// again: for a retry, or because an interrupt came before it started. err is an error of
// the store or the run directory, which ends the sweep.
func (s *sched) attempt(ctx context.Context, slot Slot, t *task) (again bool, err error) {
	if ctx.Err() != nil {
		return true, nil
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return false, err
	}
	lock, err := rundir.Lock(t.Dir, s.opt.LockWait)
	if errors.Is(err, rundir.ErrBusy) {
		s.note(t, slot, vocab.OutcomeBusy, "held by another process", &s.sum.Busy)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer lock.Close()
	release, ok, err := s.claim(t, slot)
	if !ok || err != nil {
		return false, err
	}
	defer release()
	if err := s.prepare(t); err != nil {
		return false, err
	}
	if done, err := s.ingest(t, slot); done || err != nil {
		return false, err
	}
	return s.execute(ctx, slot, t, lock)
}

// claim takes t in the store for this runner, so that no other runner executes it whatever
// its runs directory, and refreshes the claim until release is called. ok is false, with
// the outcome reported, when another live runner holds t (busy) or completed it meanwhile.
func (s *sched) claim(t *task, slot Slot) (release func(), ok bool, err error) {
	err = s.store.Claim(t.ID, s.owner, s.opt.Lease, s.redoBefore)
	switch {
	case errors.Is(err, results.ErrHeld):
		s.note(t, slot, vocab.OutcomeBusy, err.Error(), &s.sum.Busy)
		return nil, false, nil
	case errors.Is(err, results.ErrCompleted):
		s.note(t, slot, vocab.OutcomeCompleted, "completed by another runner", nil)
		s.mu.Lock()
		s.sum.Skipped++
		s.mu.Unlock()
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return s.heartbeat(t.ID), true, nil
}

// heartbeat extends this runner's claim on run id every quarter lease until stop is called.
// A failed refresh is tried again at the next beat; the claim lapses only after a lease
// without one.
func (s *sched) heartbeat(id string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(s.opt.Lease / 4)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				s.store.Heartbeat(id, s.owner, s.opt.Lease)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// failRecording records a run whose outcome could not be recorded (a store or run directory
// error about that run) as failed with that error, so it is neither left running nor stops
// the other runs. It reports false when even that fails: then the store itself is broken.
func (s *sched) failRecording(slot Slot, t *task, cause error) bool {
	msg := fmt.Sprintf("recording the outcome failed: %v", cause)
	if err := s.store.MarkFinished(t.ID, vocab.StatusFailed, msg, logTail(t.Dir, tailLines)); err != nil {
		return false
	}
	s.note(t, slot, vocab.OutcomeFailed, msg, &s.sum.Failed)
	return true
}

// prepare clears a forced run's directory (keeping its log and lock) once, and writes its
// config.
func (s *sched) prepare(t *task) error {
	if s.opt.Force && !t.cleaned {
		entries, err := os.ReadDir(t.Dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Name() != rundir.LogFile && e.Name() != rundir.LockFile {
				if err := os.RemoveAll(filepath.Join(t.Dir, e.Name())); err != nil {
					return err
				}
			}
		}
		t.cleaned = true
	}
	return rundir.WriteJSON(filepath.Join(t.Dir, rundir.ConfigFile), t.Config)
}

// ingest records a run whose child finished (result.json written) but whose runner died
// before recording it, so the work is not repeated.
func (s *sched) ingest(t *task, slot Slot) (bool, error) {
	res, ok, err := rundir.ReadResult(t.Dir)
	if err != nil || !ok {
		return false, nil // no (readable) result: run it
	}
	if err := s.complete(t, res); err != nil {
		return false, err
	}
	s.note(t, slot, vocab.OutcomeCompleted, "recorded from its run directory", nil)
	return true, nil
}

func (s *sched) complete(t *task, res rundir.Result) error {
	losses, err := readLosses(t.Dir)
	if err != nil {
		return err
	}
	if err := s.store.Complete(t.ID, res.Metrics, losses); err != nil {
		return err
	}
	s.mu.Lock()
	s.sum.Completed++
	s.mu.Unlock()
	return nil
}

// note reports an outcome without an attempt, adding t to list when given.
func (s *sched) note(t *task, slot Slot, outcome vocab.Outcome, detail string, list *[]string) {
	info := RunInfo{ID: t.ID, Label: t.Label, Device: slot.Name}
	s.rep.Start(info)
	s.rep.Finish(info, outcome, detail)
	if list != nil {
		s.mu.Lock()
		*list = append(*list, t.ID)
		s.mu.Unlock()
	}
}

// execute runs one attempt through the launcher (a child by default) and records how it
// ended. A job that an earlier coordinator left queued or running is followed, not started
// again, and counts as the attempt it was.
func (s *sched) execute(ctx context.Context, slot Slot, t *task, lock *os.File) (again bool, err error) {
	job, err := s.opt.Launcher.Attach(s.sweep, t.ID, t.Dir)
	if err != nil {
		return false, err
	}
	if job == "" {
		if err := s.begin(t, slot); err != nil {
			return false, err
		}
	}
	rec, _, err := s.store.GetRun(t.ID)
	if err != nil {
		return false, err
	}
	t.tries++
	info := RunInfo{ID: t.ID, Label: t.Label, Device: slot.Name, Attempt: rec.Attempts}
	s.rep.Start(info)
	a := Attempt{
		Executable: s.opt.Executable, Sweep: s.sweep, ID: t.ID, Dir: t.Dir, Slot: slot, Number: rec.Attempts,
		Lock: lock, Kill: s.opt.Kill, Job: job, Progress: func(p rundir.Progress) {
			s.rep.Progress(t.ID, p)
			s.live.progress(t.ID, p)
		},
	}
	out := s.opt.Launcher.Launch(ctx, a)
	s.live.done(t.ID)
	return s.record(ctx, info, t, out)
}

// begin counts a new attempt of t on slot and records its provenance.
func (s *sched) begin(t *task, slot Slot) error {
	if err := s.store.MarkRunning(t.ID, slot.Name); err != nil {
		return err
	}
	prov := s.opt.Provenance
	prov.Seed, prov.Recorded = t.Config.Seed, time.Now()
	return s.store.SetProvenance(t.ID, prov)
}

func (s *sched) record(ctx context.Context, info RunInfo, t *task, ex Outcome) (again bool, err error) {
	if ex.Detached {
		s.rep.Finish(info, vocab.OutcomeInterrupted, "detached: "+fmt.Sprint(ex.Err))
		s.mu.Lock()
		s.sum.Detached = append(s.sum.Detached, t.ID)
		s.mu.Unlock()
		return false, nil
	}
	if ex.Code == 0 {
		res, ok, rerr := rundir.ReadResult(t.Dir)
		if ok {
			if err := s.complete(t, res); err != nil {
				return false, err
			}
			s.rep.Finish(info, vocab.OutcomeCompleted, metricsLine(res.Metrics))
			return false, nil
		}
		ex.Err = fmt.Errorf("exited 0 without a readable %s: %v", rundir.ResultFile, rerr)
		if rerr == nil {
			ex.Err = fmt.Errorf("exited 0 without writing %s", rundir.ResultFile)
		}
	}
	tail := logTail(t.Dir, tailLines)
	if ex.Interrupted {
		if err := s.store.MarkFinished(t.ID, vocab.StatusInterrupted, "interrupted", tail); err != nil {
			return false, err
		}
		s.rep.Finish(info, vocab.OutcomeInterrupted, "")
		s.mu.Lock()
		s.sum.Interrupted = append(s.sum.Interrupted, t.ID)
		s.mu.Unlock()
		return false, nil
	}
	msg := failure(ex.Err, tail, crashCause(t.Dir))
	if ex.Reason != "" {
		msg = ex.Reason + ": " + msg
	}
	if err := s.store.MarkFinished(t.ID, vocab.StatusFailed, msg, tail); err != nil {
		return false, err
	}
	if t.tries <= s.opt.Retries && ctx.Err() == nil {
		s.rep.Finish(info, vocab.OutcomeRetrying, msg)
		return true, nil
	}
	s.rep.Finish(info, vocab.OutcomeFailed, msg)
	s.mu.Lock()
	s.sum.Failed = append(s.sum.Failed, t.ID)
	s.mu.Unlock()
	if s.opt.FailFast {
		s.q.stop()
	}
	return false, nil
}

// failure says why an attempt failed: the exit status and the crash's cause, or else the
// log's last line, which is where "sweep exec" prints its error.
func failure(err error, tail, crash string) string {
	msg := fmt.Sprint(err)
	if strings.HasSuffix(msg, "signal: killed") {
		msg += " (SIGKILL from outside sweep: most often the kernel's out-of-memory killer; see dmesg)"
	}
	if crash != "" {
		return msg + ": " + crash
	}
	lines := strings.Split(strings.TrimSpace(tail), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" && !strings.HasPrefix(last, "==== attempt") {
		msg += ": " + last
	}
	return msg
}

// metricsLine shows the values of the last epoch scored (eval_every records earlier ones too).
func metricsLine(ms []rundir.Metric) string {
	last := 0
	for _, m := range ms {
		last = max(last, m.Epoch)
	}
	var parts []string
	for _, m := range ms {
		if m.Epoch == last {
			parts = append(parts, fmt.Sprintf("%s=%.4g", m.Name, m.Value))
		}
	}
	return strings.Join(parts, " ")
}

type nopReporter struct{}

func (nopReporter) Start(RunInfo)                         {}
func (nopReporter) Progress(string, rundir.Progress)      {}
func (nopReporter) Finish(RunInfo, vocab.Outcome, string) {}
func (nopReporter) Close()                                {}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
