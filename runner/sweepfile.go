package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"sweep/experiments"
	"sweep/results"
	"sweep/vocab"
)

// Args are the options of running a sweep file ("sweep run").
type Args struct {
	File     string // the sweep's TOML file
	Devices  string // "cpu:N" or "gpu:I,J,..."
	DB       string // results database
	RunsDir  string // parent of the run directories
	Retries  int
	FailFast bool
	Force    bool
	DryRun   bool

	Reporter func(total, done, slots int) Reporter // shows the progress; nil: nothing
	Kill     <-chan struct{}                       // when closed, running children are killed at once
	Out      io.Writer                             // where a dry run prints the plan; nil: stdout
	Log      io.Writer                             // the interrupt note and the summary; nil: stderr

	// Cluster is where attempts execute: "local" (children of this process), "slurm", or ""
	// for the sweep file's [sweep] cluster (default local). CancelOnInterrupt makes a Ctrl-C
	// cancel a cluster's jobs instead of detaching from them.
	Cluster           string
	CancelOnInterrupt bool
	// Clusters builds the launcher and slots of each cluster but "local" (set by cmd/sweep,
	// as package runner cannot import the cluster packages).
	Clusters map[string]ClusterFunc

	// Check, when set, vets everything the planned runs will need (data, weights, programs,
	// files) before the dry run prints or anything is written; its error ends RunFile. plan is
	// nil when planning failed (a dataset folder that cannot be read), so that Check can
	// report the cause at its place in the file; when Check then finds nothing, the planning
	// error stands.
	Check func(sw *experiments.Sweep, plan []Planned) error
}

// ClusterFunc returns the launcher and slots of a cluster for sweep sw, recording in store.
type ClusterFunc func(store *results.Store, sw *experiments.Sweep, a Args) (Launcher, []Slot, error)

// RunFile loads the sweep file a.File, then prints its plan to a.Out (DryRun) or runs it.
// Ending ctx interrupts the running children (they checkpoint; the note saying so goes to
// a.Log), closing a.Kill kills them; the error then wraps ErrInterrupted.
func RunFile(ctx context.Context, a Args) error {
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
		return dryRun(a.out(), a, sw, plan)
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
	log := a.log()
	stopNote := context.AfterFunc(ctx, func() { fmt.Fprintln(log, interruptNote(cluster, a.CancelOnInterrupt)) })
	defer stopNote()
	opt := Options{
		RunsDir: a.RunsDir, Slots: slots, Retries: a.Retries, FailFast: a.FailFast, Force: a.Force,
		Kill: a.Kill, Provenance: CollectProvenance(),
		Reporter: a.Reporter, LockWait: 5 * time.Second, Launcher: launcher,
	}
	sum, err := Run(ctx, store, sw.Name, sw.Runs, opt)
	fmt.Fprintf(log, "sweep %q: %d runs: %d done before, %d completed now, %d failed, %d interrupted, %d busy, %d not started\n",
		sw.Name, sum.Total, sum.Skipped, sum.Completed, len(sum.Failed), len(sum.Interrupted), len(sum.Busy), sum.NotStarted)
	if n := len(sum.Detached); n > 0 {
		fmt.Fprintf(log, "detached from %d %s jobs, which go on; 'sweep run' again re-attaches and records them\n", n, cluster)
	}
	if note := sum.UnscoredNote(sw.Name); note != "" {
		fmt.Fprintln(log, note)
	}
	return err
}

func (a Args) out() io.Writer {
	if a.Out == nil {
		return os.Stdout
	}
	return a.Out
}

func (a Args) log() io.Writer {
	if a.Log == nil {
		return os.Stderr
	}
	return a.Log
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
