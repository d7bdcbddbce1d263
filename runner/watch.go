package runner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"sweep/config"
	"sweep/internal/humanize"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// WatchOptions control Watch.
type WatchOptions struct {
	Sweep string        // "" for every run in the store
	Max   time.Duration // the longest wait between two reads of the store
	Width func() int    // the terminal's width: the board is redrawn in place; nil: printed when it changes
	Once  bool          // print the board once and return
}

// minPoll is the first wait between two reads of the store, after a change.
const minPoll = 250 * time.Millisecond

// Watch shows the board of the runs in the store, as the runner running them shows it, from
// what the runner records there (status, live progress), until ctx ends. It only reads:
// any number of watchers may follow one runner. The wait between two reads doubles while
// nothing changes, up to opt.Max, and drops back after a change.
func Watch(ctx context.Context, w io.Writer, store *results.Store, opt WatchOptions) error {
	wait, last, drawn := minPoll, "", 0
	for {
		runs, err := store.ListRuns(opt.Sweep)
		if err != nil {
			return err
		}
		width := 80
		if opt.Width != nil {
			width = opt.Width()
		}
		lines := boardLines(runs, time.Now(), width)
		state := stateOf(runs)
		switch {
		case opt.Width != nil:
			drawn = redrawLines(w, drawn, lines)
		case state != last:
			fmt.Fprintf(w, "%s\n", strings.Join(lines, "\n"))
		}
		if state != last {
			wait, last = minPoll, state
		} else {
			wait = min(2*wait, max(minPoll, opt.Max))
		}
		if opt.Once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// stateOf is what a watcher's output depends on, but for the passing of time.
func stateOf(runs []results.Run) string {
	var sb strings.Builder
	for _, r := range runs {
		fmt.Fprintf(&sb, "%s %s %d", r.ID, r.Status, r.Attempts)
		if r.Live != nil {
			fmt.Fprintf(&sb, " %d %s", r.Live.Iter, r.Live.Updated)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// redrawLines erases the drawn lines above the cursor and writes lines in their place.
func redrawLines(w io.Writer, drawn int, lines []string) int {
	var sb strings.Builder
	if drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA\x1b[J", drawn)
	}
	for _, l := range lines {
		sb.WriteString(l + "\n")
	}
	io.WriteString(w, sb.String())
	return len(lines)
}

// boardLines are a bar per running run and the sweep's line, each cut to width.
func boardLines(runs []results.Run, now time.Time, width int) []string {
	if width <= 1 {
		width = 80
	}
	clip := func(s string) string { return s[:min(len(s), width-1)] }
	cfgs := make([]config.Run, len(runs))
	for i, r := range runs {
		cfgs[i] = r.Config
	}
	keys := differingKeys(cfgs)
	var lines []string
	count := map[vocab.Status]int{}
	for _, r := range runs {
		count[r.Status]++
		if r.Status == vocab.StatusRunning {
			lines = append(lines, clip(runBar(r, label(r.Config, keys), now)))
		}
	}
	frac := float64(count[vocab.StatusCompleted]) / float64(max(1, len(runs)))
	lines = append(lines, clip(fmt.Sprintf("sweep  %s %s", bar(frac, 20), storedSummary(runs, count, now))))
	return lines
}

// runBar is a running run's line: its device, a bar and its stored progress.
func runBar(r results.Run, label string, now time.Time) string {
	l := r.Live
	if l == nil {
		return fmt.Sprintf("%-6s %s %s", r.Device, bar(0, 20), runLine("starting", r.ID, label, ""))
	}
	eta, ok := l.Left(now)
	status := progressText(rundir.Progress{Iter: l.Iter, Total: l.Total, Phase: l.Phase}, eta, ok)
	if age := now.Sub(l.Updated); age > time.Minute {
		status += fmt.Sprintf(" (%s ago)", humanize.Duration(age.Round(time.Second)))
	}
	frac := float64(l.Iter) / float64(max(1, l.Total))
	return fmt.Sprintf("%-6s %s %s", r.Device, bar(frac, 20), runLine(status, r.ID, label, losses(l.Losses)))
}

// storedSummary counts the runs by status and estimates the time left as the runner does:
// the runs not started at the mean duration of the completed ones, plus the ETAs of the
// running ones, over as many slots as runs are running.
func storedSummary(runs []results.Run, count map[vocab.Status]int, now time.Time) string {
	s := fmt.Sprintf("%d/%d done", count[vocab.StatusCompleted], len(runs))
	for _, st := range []vocab.Status{vocab.StatusFailed, vocab.StatusInterrupted, vocab.StatusRunning} {
		if n := count[st]; n > 0 {
			s += fmt.Sprintf(", %d %s", n, st)
		}
	}
	if eta, ok := storedETA(runs, count, now); ok {
		s += ", ETA " + humanize.Duration(eta)
	}
	return s
}

func storedETA(runs []results.Run, count map[vocab.Status]int, now time.Time) (time.Duration, bool) {
	var took []time.Duration
	work := time.Duration(0)
	for _, r := range runs {
		switch {
		case r.Status == vocab.StatusCompleted && !r.Started.IsZero() && r.Finished.After(r.Started):
			took = append(took, r.Finished.Sub(r.Started))
		case r.Status == vocab.StatusRunning && r.Live != nil:
			if left, ok := r.Live.Left(now); ok {
				work += left
			}
		}
	}
	running := count[vocab.StatusRunning]
	if running == 0 || len(took) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	waiting := len(runs) - count[vocab.StatusCompleted] - running - count[vocab.StatusFailed]
	work += time.Duration(max(0, waiting)) * (sum / time.Duration(len(took)))
	return work / time.Duration(running), true
}
