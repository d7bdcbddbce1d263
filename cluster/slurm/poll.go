package slurm

import (
	"cmp"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// poller asks Slurm for the states of all the jobs being followed with one squeue call a
// round, rounds at least gap apart: each follower still polls at its own back-off, but a
// coordinator of many jobs makes at most one query per gap, not one per job.
type poller struct {
	gap   time.Duration
	query func(jobs []string) (map[string]state, error)

	mu      sync.Mutex
	pending map[string][]chan reply
	running bool
	last    time.Time // written by the one rounds goroutine, handed on under mu
}

type reply struct {
	st  state
	err error
}

func newPoller(gap time.Duration) *poller {
	return &poller{gap: gap, query: queryAll, pending: map[string][]chan reply{}}
}

// state waits for the next round and returns job's state there; a job Slurm no longer
// knows is reported not known.
func (p *poller) state(job string) (state, error) {
	ch := make(chan reply, 1)
	p.mu.Lock()
	p.pending[job] = append(p.pending[job], ch)
	if !p.running {
		p.running = true
		go p.rounds()
	}
	p.mu.Unlock()
	r := <-ch
	return r.st, r.err
}

// rounds queries the pending jobs, one call a round, until none is pending.
func (p *poller) rounds() {
	for {
		time.Sleep(time.Until(p.last.Add(p.gap)))
		p.mu.Lock()
		batch := p.pending
		p.pending = map[string][]chan reply{}
		if len(batch) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		p.last = time.Now()
		p.answer(batch)
	}
}

func (p *poller) answer(batch map[string][]chan reply) {
	jobs := make([]string, 0, len(batch))
	for job := range batch {
		jobs = append(jobs, job)
	}
	states, err := p.query(jobs)
	for job, chs := range batch {
		st, ok := states[job]
		if !ok {
			st = state{exitCode: -1}
		}
		for _, ch := range chs {
			ch <- reply{st, err}
		}
	}
}

// squeueFields are squeue's columns: job ID, state, reason, the raw wait status and the
// output file's pattern (last: a path may hold the separator).
const squeueFields = "JobID:|,State:|,Reason:|,exit_code:|,StdOut:|"

// queryAll asks squeue for the states of jobs, in any state, in one call; the jobs it no
// longer knows (ended more than MinJobAge ago) are absent.
func queryAll(jobs []string) (map[string]state, error) {
	out, err := slurmCmd("squeue", "-h", "-t", "all", "-j", strings.Join(jobs, ","), "-O", squeueFields)
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") {
			return nil, nil // squeue's answer when the only job asked for is forgotten
		}
		return nil, err
	}
	return parseSqueue(out), nil
}

// liveJobs lists this user's jobs named name writing to output (a run directory's pattern:
// the same name from another runs directory is not the same run) that are queued or
// running, oldest (lowest ID) first.
func liveJobs(name, output string) ([]string, error) {
	out, err := slurmCmd("squeue", "-h", "-u", strconv.Itoa(os.Getuid()), "-n", name, "-O", squeueFields)
	if err != nil {
		return nil, err
	}
	var jobs []string
	for job, st := range parseSqueue(out) {
		if !st.ended() && st.output == output {
			jobs = append(jobs, job)
		}
	}
	slices.SortFunc(jobs, func(a, b string) int { return cmp.Compare(jobNumber(a), jobNumber(b)) })
	return jobs, nil
}

// jobNumber is a job ID as a number, for ordering.
func jobNumber(job string) int {
	n, _ := strconv.Atoi(job)
	return n
}

// parseSqueue reads squeue's "ID|STATE|REASON|STATUS|OUTPUT|" lines.
func parseSqueue(out string) map[string]state {
	m := map[string]state{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) < 4 || f[0] == "" {
			continue
		}
		st := state{known: true, name: f[1], reason: f[2], exitCode: -1}
		if n, err := strconv.Atoi(f[3]); err == nil {
			st.exitCode = n >> 8 // a wait status: the exit code is its high byte
		}
		if len(f) > 5 {
			st.output = strings.Join(f[4:len(f)-1], "|")
		}
		m[f[0]] = st
	}
	return m
}
