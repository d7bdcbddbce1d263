// Package official is the "official" executor: it runs the official PyTorch QS-Attn (or CUT)
// code's train.py and test.py for a run, with command lines built from the run's
// configuration, seeds them through a launcher, follows their loss log into the run's
// progress and losses, resumes an interrupted training from its last saved epoch, and scores
// every kept generator with sweep's own translator and metrics (package evaluate).
package official

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sweep/config"
	"sweep/evaluate"
	"sweep/rundir"
)

// Executor runs config.Run.Executor "official". Its Execute is a runner.Executor.
type Executor struct{}

// job is one execution of one run directory.
type job struct {
	cfg      config.Run
	inv      Invocation
	sched    schedule
	progress func(rundir.Progress)
}

// Execute trains (or resumes training), runs test.py, scores the saved generators and
// writes result.json; finished stages of an earlier attempt are skipped.
func (Executor) Execute(ctx context.Context, dir string, progress func(rundir.Progress)) error {
	start := time.Now()
	j, err := newJob(dir, progress)
	if err != nil {
		return err
	}
	if err := evaluate.Check(j.cfg); err != nil {
		return err // before hours of training
	}
	st, err := readState(j.inv.Dir)
	if err != nil {
		return err
	}
	if err := j.stages(ctx, &st); err != nil {
		return err
	}
	cks, err := evaluate.OfficialCheckpoints(j.inv.Dir, j.cfg, j.sched.itersPerEpoch, true)
	if err != nil {
		return err
	}
	ms, err := evaluate.RunCheckpoints(ctx, j.inv.Dir, j.cfg, cks, progress)
	if err != nil {
		return err
	}
	res := rundir.Result{Metrics: ms, Iters: j.sched.total(), Duration: time.Since(start)}
	return rundir.WriteJSON(filepath.Join(j.inv.Dir, rundir.ResultFile), res)
}

func newJob(dir string, progress func(rundir.Progress)) (*job, error) {
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := DataRoot(cfg, true)
	if err != nil {
		return nil, err
	}
	ipe, err := evaluate.OfficialItersPerEpoch(cfg)
	if err != nil {
		return nil, err
	}
	return &job{cfg: cfg, inv: Invocation{Dir: abs, DataRoot: root, GPU: onGPU(), Iters: ipe},
		sched: schedule{itersPerEpoch: ipe, epochs: cfg.Epochs + cfg.EpochsDecay}, progress: progress}, nil
}

// stages runs what an earlier attempt left undone: training, then test.py.
func (j *job) stages(ctx context.Context, st *State) error {
	if err := writeLauncher(j.inv.Dir); err != nil {
		return err
	}
	if !st.Trained {
		if err := j.train(ctx); err != nil {
			return err
		}
		st.Trained = true
		if err := writeState(j.inv.Dir, *st); err != nil {
			return err
		}
	}
	if !st.Tested {
		j.progress(rundir.Progress{Phase: "translate"})
		if err := runScript(ctx, TestArgs(j.cfg, j.inv), scriptEnv(j.cfg.Seed, j.inv.GPU), func(string) {}); err != nil {
			return err
		}
		st.Tested = true
		return writeState(j.inv.Dir, *st)
	}
	return nil
}

// train runs train.py from the last saved epoch (afresh without one), keeping the losses of
// the epochs before it and following the loss log for the rest.
func (j *job) train(ctx context.Context) error {
	ckDir := evaluate.OfficialCheckpointDir(j.inv.Dir)
	resume, err := resumeEpoch(ckDir)
	if err != nil {
		return err
	}
	j.inv.Resume = resume
	logPath := filepath.Join(ckDir, "loss_log.txt")
	offset, err := j.keepLosses(logPath, resume)
	if err != nil {
		return err
	}
	if resume >= j.sched.epochs {
		return nil // the last epoch was saved; the trainer ended before its exit was recorded
	}
	argv := TrainArgs(j.cfg, j.inv)
	if err := recordProvenance(j.inv.Dir, j.cfg.OfficialCode, resume, argv, TestArgs(j.cfg, j.inv)); err != nil {
		return err
	}
	j.progress(rundir.Progress{Iter: resume * j.sched.itersPerEpoch, Total: j.sched.total(), Phase: "train"})
	return j.trainFrom(ctx, argv, logPath, offset)
}

// keepLosses rewrites losses.jsonl from the loss log with the iterations up to the resumed
// epoch and returns the log's size: the new launch's lines follow it.
func (j *job) keepLosses(logPath string, resume int) (int64, error) {
	text, err := os.ReadFile(logPath)
	if err != nil && !os.IsNotExist(err) {
		return 0, err
	}
	kept := j.sched.collectLog(string(text), resume*j.sched.itersPerEpoch)
	if err := writeLosses(filepath.Join(j.inv.Dir, rundir.LossesFile), kept); err != nil {
		return 0, err
	}
	return int64(len(text)), nil
}

// trainFrom runs train.py while a follower turns its loss log into progress and losses.
func (j *job) trainFrom(ctx context.Context, argv []string, logPath string, offset int64) error {
	losses, err := os.OpenFile(filepath.Join(j.inv.Dir, rundir.LossesFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer losses.Close()
	f := &follower{path: logPath, offset: offset, sched: j.sched, losses: losses, progress: j.progress}
	followCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var ferr error
	wg.Go(func() { ferr = f.follow(followCtx) })
	err = runScript(ctx, argv, scriptEnv(j.cfg.Seed, j.inv.GPU), j.stdoutLine)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	if ferr != nil {
		return fmt.Errorf("loss log %s: %w", logPath, ferr)
	}
	return nil
}

// stdoutLine reports the trainer's "End of epoch" lines as progress.
func (j *job) stdoutLine(line string) {
	if p, ok := j.sched.parseEndOfEpoch(line); ok {
		j.progress(p)
	}
}
