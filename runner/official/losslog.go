package official

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sweep/internal/atomicfile"
	"sweep/rundir"
)

// lossLine is one line of the official loss_log.txt:
// "(epoch: 3, iters: 200, time: 0.123, data: 0.004) G_GAN: 0.871 D_real: 0.254 ... ".
var lossLine = regexp.MustCompile(`^\(epoch: (\d+), iters: (\d+), time: [^,]*, data: [^)]*\)(.*)$`)

// endOfEpoch is the official train.py's line after each epoch: "End of epoch 3 / 400 	 Time Taken: 87 sec".
var endOfEpoch = regexp.MustCompile(`^End of epoch (\d+) / (\d+)`)

// schedule turns the official (epoch, iteration-in-epoch) into sweep's global iteration.
type schedule struct {
	itersPerEpoch int
	epochs        int
}

func (s schedule) total() int { return s.epochs * s.itersPerEpoch }

// parseLossLine reads one loss_log.txt line into a Progress; ok is false for the header
// and anything else that is not a loss line. The official names are kept, and the built-in
// trainer's D (the mean of D_real and D_fake, as the official loss_D) and NCE_X (the
// official NCE) are added so that curves of both routes share names.
func (s schedule) parseLossLine(line string) (rundir.Progress, bool) {
	m := lossLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return rundir.Progress{}, false
	}
	epoch, _ := strconv.Atoi(m[1])
	iters, _ := strconv.Atoi(m[2])
	losses := parseLosses(m[3])
	if len(losses) == 0 {
		return rundir.Progress{}, false
	}
	addBuiltinNames(losses)
	iter := (epoch-1)*s.itersPerEpoch + iters
	return rundir.Progress{Iter: iter, Total: s.total(), Losses: losses, Phase: "train"}, true
}

// parseLosses reads "NAME: VALUE NAME: VALUE ..."; values that are not finite numbers are dropped.
func parseLosses(text string) map[string]float64 {
	fields := strings.Fields(text)
	out := map[string]float64{}
	for i := 0; i+1 < len(fields); i += 2 {
		name, ok := strings.CutSuffix(fields[i], ":")
		v, err := strconv.ParseFloat(fields[i+1], 64)
		if ok && err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[name] = v
		}
	}
	return out
}

func addBuiltinNames(l map[string]float64) {
	real, okR := l["D_real"]
	fake, okF := l["D_fake"]
	if _, ok := l["D"]; !ok && okR && okF {
		l["D"] = (real + fake) / 2
	}
	if v, ok := l["NCE"]; ok {
		if _, has := l["NCE_X"]; !has {
			l["NCE_X"] = v
		}
	}
}

// parseEndOfEpoch reads an "End of epoch E / N" line of the trainer's output.
func (s schedule) parseEndOfEpoch(line string) (rundir.Progress, bool) {
	m := endOfEpoch.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return rundir.Progress{}, false
	}
	epoch, _ := strconv.Atoi(m[1])
	return rundir.Progress{Iter: epoch * s.itersPerEpoch, Total: s.total(), Phase: "train"}, true
}

// pollEvery is how often the loss log is read while the trainer runs.
var pollEvery = time.Second

// follower reads the lines the trainer appends to its loss log from offset on, reports each
// as progress and appends it to the run's losses.jsonl.
type follower struct {
	path     string // loss_log.txt
	offset   int64  // bytes of it already read (complete lines only)
	sched    schedule
	losses   io.Writer // losses.jsonl
	progress func(rundir.Progress)
}

// follow polls the loss log until ctx ends, then reads it a last time.
func (f *follower) follow(ctx context.Context) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if err := f.poll(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return f.poll()
		case <-t.C:
		}
	}
}

// poll reads the complete lines appended since the last poll; a partial last line waits
// for the next one.
func (f *follower) poll() error {
	file, err := os.Open(f.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer file.Close()
	if _, err := file.Seek(f.offset, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReader(file)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil // EOF: a partial line (or nothing) is left for later
		}
		f.offset += int64(len(line))
		if err := f.line(string(line)); err != nil {
			return err
		}
	}
}

func (f *follower) line(text string) error {
	p, ok := f.sched.parseLossLine(text)
	if !ok {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := f.losses.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%s: %w", rundir.LossesFile, err)
	}
	f.progress(p)
	return nil
}

// lineWriter passes what a process prints on to out and each complete line to fn.
type lineWriter struct {
	out io.Writer
	fn  func(string)
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.out.Write(p)
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.fn(string(bytes.TrimRight(w.buf[:i], "\r")))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > maxLine {
		w.buf = w.buf[:0] // no line of interest is this long
	}
	return len(p), nil
}

// maxLine bounds the partial line a lineWriter keeps.
const maxLine = 1 << 16

// logHeader starts the official loss log and each launch's part of it (the log is appended to).
const logHeader = "================ Training Loss"

// collectLog reads a whole loss log, written by one or more launches of the trainer, into the
// progress lines of the training that the run keeps: each launch's lines up to where a later
// launch resumed from (the epoch before its first line), and none beyond keepIter. A line cut
// short by a killed launch (what precedes a header on its line, or a last line without its
// newline) is dropped.
func (s schedule) collectLog(text string, keepIter int) []rundir.Progress {
	var segs [][]rundir.Progress
	lines := strings.Split(text, "\n")
	lines = lines[:len(lines)-1] // the last element is empty or a partial line
	for _, line := range lines {
		if strings.Contains(line, logHeader) {
			segs = append(segs, nil)
			continue
		}
		if p, ok := s.parseLossLine(line); ok {
			if len(segs) == 0 {
				segs = append(segs, nil)
			}
			segs[len(segs)-1] = append(segs[len(segs)-1], p)
		}
	}
	var out []rundir.Progress
	limit := keepIter
	for i := len(segs) - 1; i >= 0; i-- {
		var kept []rundir.Progress
		for _, p := range segs[i] {
			if p.Iter <= limit {
				kept = append(kept, p)
			}
		}
		out = append(kept, out...)
		if len(segs[i]) > 0 {
			limit = min(limit, s.startIter(segs[i][0]))
		}
	}
	return out
}

// startIter is the global iteration before the epoch of p: where its launch started.
func (s schedule) startIter(p rundir.Progress) int {
	return (p.Iter - 1) / s.itersPerEpoch * s.itersPerEpoch
}

// writeLosses writes ps as the run's losses.jsonl, atomically.
func writeLosses(path string, ps []rundir.Progress) error {
	var b []byte
	for _, p := range ps {
		line, err := json.Marshal(p)
		if err != nil {
			return err
		}
		b = append(append(b, line...), '\n')
	}
	return atomicfile.Write(path, b)
}
