package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"sweep/experiments"
	"sweep/internal/exitcode"
	"sweep/results"
	"sweep/vocab"
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

	// Cluster is where attempts execute: "local" (children of this process), "slurm", or ""
	// for the sweep file's [sweep] cluster (default local). CancelOnInterrupt makes a Ctrl-C
	// cancel a cluster's jobs instead of detaching from them.
	Cluster           string
	CancelOnInterrupt bool
	// Clusters builds the launcher and slots of each cluster but "local" (set by cmd/sweep,
	// as package runner cannot import the cluster packages).
	Clusters map[string]ClusterFunc

	// Check, when set, vets everything the planned runs will need (data, weights, programs,
	// files) before the dry run prints or anything is written; its error ends Main. plan is
	// nil when planning failed (a dataset folder that cannot be read), so that Check can
	// report the cause at its place in the file; when Check then finds nothing, the planning
	// error stands.
	Check func(sw *experiments.Sweep, plan []Planned) error
}

// ClusterFunc returns the launcher and slots of a cluster for sweep sw, recording in store.
type ClusterFunc func(store *results.Store, sw *experiments.Sweep, a Args) (Launcher, []Slot, error)

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
	cluster := a.cluster(sw)
	if cluster != "local" {
		if err := results.CheckLocalFS(a.DB); err != nil {
			return err
		}
	}
	store, err := results.Open(a.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	launcher, slots, err := a.launcher(store, sw, cluster, slots)
	if err != nil {
		return err
	}
	ctx, kill, stop := interrupts(os.Stderr, interruptNote(cluster, a.CancelOnInterrupt))
	defer stop()
	// A reader of stderr that goes away (sweep run | head) must not end the sweep. Notify,
	// unlike Ignore, leaves the children's SIGPIPE at its default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	opt := Options{
		RunsDir: a.RunsDir, Slots: slots, Retries: a.Retries, FailFast: a.FailFast, Force: a.Force,
		Kill: kill, Provenance: CollectProvenance(),
		Reporter: reporterFor(os.Stderr, a.Every), LockWait: 5 * time.Second, Launcher: launcher,
	}
	sum, err := Run(ctx, store, sw.Name, sw.Runs, opt)
	fmt.Fprintf(os.Stderr, "sweep %q: %d runs: %d done before, %d completed now, %d failed, %d interrupted, %d busy, %d not started\n",
		sw.Name, sum.Total, sum.Skipped, sum.Completed, len(sum.Failed), len(sum.Interrupted), len(sum.Busy), sum.NotStarted)
	if n := len(sum.Detached); n > 0 {
		fmt.Fprintf(os.Stderr, "detached from %d %s jobs, which go on; 'sweep run' again re-attaches and records them\n", n, cluster)
	}
	if note := sum.UnscoredNote(sw.Name); note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	if errors.Is(err, ErrInterrupted) {
		return &exitcode.Error{Code: ExitCodeInterrupted, Err: err}
	}
	return err
}

// cluster is where the sweep's attempts execute: --cluster, else [sweep] cluster, else local.
func (a Args) cluster(sw *experiments.Sweep) string {
	for _, c := range []string{a.Cluster, sw.Cluster} {
		if c != "" {
			return c
		}
	}
	return "local"
}

// launcher is the cluster's launcher and slots; nil and the device slots for local.
func (a Args) launcher(store *results.Store, sw *experiments.Sweep, cluster string, devices []Slot) (Launcher, []Slot, error) {
	if cluster == "local" {
		return nil, devices, nil
	}
	f := a.Clusters[cluster]
	if f == nil {
		return nil, nil, fmt.Errorf("cluster %q: unknown; allowed: local, slurm", cluster)
	}
	return f(store, sw, a)
}

// interruptNote is what the first Ctrl-C does.
func interruptNote(cluster string, cancel bool) string {
	switch {
	case cluster == "local":
		return "interrupting the running runs; they save a checkpoint (interrupt again to kill them)"
	case cancel:
		return "cancelling the " + cluster + " jobs (scancel); they save a checkpoint (interrupt again to detach at once)"
	}
	return "detaching: the " + cluster + " jobs go on; 'sweep run' again re-attaches (--cancel-on-interrupt cancels them instead)"
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
	status := map[string]vocab.Status{}
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
func interrupts(w io.Writer, note string) (ctx context.Context, kill chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	kill = make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(w, note)
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
