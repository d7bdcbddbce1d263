package evaluate

import (
	"fmt"
	"io"
	"strings"
	"time"

	"sweep/internal/humanize"
	"sweep/results"
	"sweep/rundir"
)

// reporter prints one line per computed (checkpoint, kind) with the elapsed time and an ETA
// from the mean time per item so far, in the runner's plain style.
type reporter struct {
	w     io.Writer
	now   func() time.Time
	total int
	n     int // items begun
	began time.Time
	item  time.Time // when the current item began
}

func newReporter(w io.Writer, total int) *reporter {
	return &reporter{w: w, now: time.Now, total: total, began: time.Now()}
}

func (r *reporter) begin() {
	r.n++
	r.item = r.now()
}

func (r *reporter) done(run results.Run, it item, ms []rundir.Metric) {
	r.line("scored", run, it, values(ms))
}

func (r *reporter) absent(run results.Run, it item) {
	r.line("absent", run, it, "no value recorded")
}

func (r *reporter) failed(run results.Run, it item, err error) {
	r.line("failed", run, it, err.Error())
}

// skip reports a run whose n items are left alone.
func (r *reporter) skip(run results.Run, n int, err error) {
	fmt.Fprintf(r.w, "%-7s %s %s: %d left: %v\n", "busy", run.ID, label(run), n, err)
}

func (r *reporter) line(outcome string, run results.Run, it item, detail string) {
	now := r.now()
	s := fmt.Sprintf("%-7s [%d/%d] %s %s epoch %d %s after %s: %s [elapsed %s", outcome, r.n, r.total,
		run.ID, label(run), it.ck.Epoch, it.kind, humanize.Duration(now.Sub(r.item)), detail, humanize.Duration(now.Sub(r.began)))
	if left := r.total - r.n; left > 0 {
		s += ", ETA " + humanize.Duration(now.Sub(r.began)/time.Duration(r.n)*time.Duration(left))
	}
	fmt.Fprintln(r.w, s+"]")
}

func label(run results.Run) string {
	if run.Config.Variant == "" {
		return "-"
	}
	return run.Config.Variant
}

func values(ms []rundir.Metric) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("%s=%.4g", m.Name, m.Value)
	}
	return strings.Join(parts, " ")
}
