package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/term"

	"sweep/experiments"
	"sweep/internal/exitcode"
	"sweep/results"
)

// Args are the options of "sweep run".
type Args struct {
	File     string // the sweep's TOML file
	Devices  string // "cpu:N" or "gpu:I,J,..."
	DB       string // results database
	RunsDir  string // parent of the run directories
	Retries  int
	FailFast bool
	Force    bool
	DryRun   bool
	Every    time.Duration // progress interval of the plain (non-terminal) display

	// Check, when set, vets everything the planned runs will need (data, weights, programs,
	// files) before the dry run prints or anything is written; its error ends Main. plan is
	// nil when planning failed (a dataset folder that cannot be read), so that Check can
	// report the cause at its place in the file; when Check then finds nothing, the planning
	// error stands.
	Check func(sw *experiments.Sweep, plan []Planned) error
}

// ExitCodeInterrupted is the exit status of "sweep run" after a Ctrl-C.
const ExitCodeInterrupted = 130

// Main is "sweep run": it loads the sweep, then prints its plan (DryRun) or runs it with a
// live display on stderr. The first SIGINT or SIGTERM interrupts the running children (they
// checkpoint), a second kills them.
func Main(a Args) error {
	if a.Retries < 0 {
		return fmt.Errorf("--retries %d must be at least 0", a.Retries)
	}
	sw, err := experiments.Load(a.File)
	if err != nil {
		return err
	}
	slots, err := ParseDevices(a.Devices)
	if err != nil {
		return err
	}
	plan, err := a.plan(sw)
	if err != nil {
		return err
	}
	if a.DryRun {
		return dryRun(os.Stdout, a, sw, plan)
	}
	store, err := results.Open(a.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, kill, stop := interrupts(os.Stderr)
	defer stop()
	// A reader of stderr that goes away (sweep run | head) must not end the sweep. Notify,
	// unlike Ignore, leaves the children's SIGPIPE at its default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	opt := Options{
		RunsDir: a.RunsDir, Slots: slots, Retries: a.Retries, FailFast: a.FailFast, Force: a.Force,
		Kill: kill, Provenance: CollectProvenance(filepath.Dir(a.File)),
		Reporter: reporterFor(os.Stderr, a.Every), LockWait: 5 * time.Second,
	}
	sum, err := Run(ctx, store, sw.Name, sw.Runs, opt)
	fmt.Fprintf(os.Stderr, "sweep %q: %d runs: %d done before, %d completed now, %d failed, %d interrupted, %d busy, %d not started\n",
		sw.Name, sum.Total, sum.Skipped, sum.Completed, len(sum.Failed), len(sum.Interrupted), len(sum.Busy), sum.NotStarted)
	if note := sum.UnscoredNote(sw.Name); note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	if errors.Is(err, ErrInterrupted) {
		return &exitcode.Error{Code: ExitCodeInterrupted, Err: err}
	}
	return err
}

// plan places the sweep's runs and, with a.Check, checks them. It writes nothing.
func (a Args) plan(sw *experiments.Sweep) ([]Planned, error) {
	plan, err := Plan(sw.Runs, a.RunsDir)
	if a.Check == nil {
		return plan, err
	}
	if err != nil {
		plan = nil
	}
	if cerr := a.Check(sw, plan); cerr != nil {
		return nil, cerr
	}
	return plan, err
}

// dryRun prints the plan with each run's stored status. It only reads the database (none
// is created, migrated or written), so it works on a read-only one.
func dryRun(w io.Writer, a Args, sw *experiments.Sweep, plan []Planned) error {
	status := map[string]string{}
	if _, err := os.Stat(a.DB); err == nil {
		store, err := results.OpenReadOnly(a.DB)
		if err != nil {
			return err
		}
		defer store.Close()
		for _, p := range plan {
			r, ok, err := store.GetRun(p.ID)
			if err != nil {
				return err
			}
			if ok {
				status[p.ID] = r.Status
			}
		}
	}
	if err := PrintPlan(w, sw.Name, plan, status, a.Force); err != nil {
		return err
	}
	return PrintOfficialCommands(w, plan, a.Devices)
}

// interrupts turns the first SIGINT/SIGTERM into ctx's end and the second into closing kill.
func interrupts(w io.Writer) (ctx context.Context, kill chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	kill = make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(w, "interrupting the running runs; they save a checkpoint (interrupt again to kill them)")
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(w, "killing the running runs")
			close(kill)
		case <-done:
		}
	}()
	return ctx, kill, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// reporterFor shows bars on a terminal and plain lines (progress every interval) otherwise.
func reporterFor(f *os.File, every time.Duration) func(total, done, slots int) Reporter {
	fd := int(f.Fd())
	if term.IsTerminal(fd) {
		width := func() int {
			w, _, err := term.GetSize(fd)
			if err != nil {
				return 0
			}
			return w
		}
		return func(total, done, slots int) Reporter { return NewTermReporter(f, width, total, done, slots) }
	}
	return func(total, done, slots int) Reporter { return NewPlainReporter(f, total, done, slots, every) }
}
