package slurm

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"sweep/results"
	"sweep/runner"
)

// commandTimeout bounds one sbatch, scontrol or scancel call.
const commandTimeout = 30 * time.Second

// Available reports an error unless Slurm's controller answers (sinfo).
func Available() error {
	if _, err := exec.LookPath("sbatch"); err != nil {
		return fmt.Errorf("slurm: sbatch not found: %w (is Slurm installed on this host?)", err)
	}
	if _, err := slurmCmd("sinfo", "-h", "-o", "%P"); err != nil {
		return fmt.Errorf("slurm: the controller does not answer: %w", err)
	}
	return nil
}

// slurmCmd runs a Slurm command and returns its stdout; its error holds stderr.
func slurmCmd(name string, args ...string) (string, error) {
	return slurmInput("", name, args...)
}

func slurmInput(stdin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// sbatchArgs are the options of a's job.
func (l *Launcher) sbatchArgs(a runner.Attempt) []string {
	args := []string{"--parsable", "--job-name=" + JobName(a.Sweep, a.ID),
		"--output=" + outputPattern(a.Sweep, a.ID, a.Dir),
		"--chdir=" + l.opt.WorkDir, "--export=ALL,SWEEP_DEVICE=slurm"}
	if l.opt.Signal != "none" {
		args = append(args, "--signal="+l.opt.Signal)
	}
	for _, kv := range [][2]string{
		{"partition", l.opt.Partition}, {"time", l.opt.Time}, {"gpus", l.opt.GPUs},
		{"cpus-per-task", l.opt.CPUsPerTask}, {"mem", l.opt.Mem}, {"account", l.opt.Account},
		{"qos", l.opt.QOS}, {"constraint", l.opt.Constraint},
	} {
		if kv[1] != "" {
			args = append(args, "--"+kv[0]+"="+kv[1])
		}
	}
	return append(args, l.opt.Extra...)
}

// script is the job's batch script: it runs sweep exec in the background so that its shell
// can pass Slurm's TERM (time limit, --signal=B:TERM) on, and records the exit status.
func script(a runner.Attempt) string {
	return fmt.Sprintf(`#!/bin/sh
# sweep run %s of sweep %s
%s exec %s &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT
while :; do
	wait $child
	rc=$?
	kill -0 $child 2>/dev/null || break
done
echo $rc > %s/slurm-$SLURM_JOB_ID.exit
exit $rc
`, a.ID, safeName(a.Sweep), quote(a.Executable), quote(a.Dir), quote(a.Dir))
}

// quote makes s one sh word.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// submit submits a's job and records its ID before anything else can happen to it.
func (l *Launcher) submit(a runner.Attempt) (string, error) {
	out, err := slurmInput(script(a), "sbatch", l.sbatchArgs(a)...)
	if err != nil {
		return "", fmt.Errorf("submit run %s: %w", a.ID, err)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	if job == "" {
		return "", fmt.Errorf("submit run %s: sbatch printed no job ID", a.ID)
	}
	if err := l.store.AddJob(results.Job{RunID: a.ID, Cluster: Cluster, ID: job, Submitted: time.Now()}); err != nil {
		slurmCmd("scancel", job) // an unrecorded job would run twice after a restart
		return "", err
	}
	return job, nil
}
