package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// RunSummary is one line of `sweep list`.
type RunSummary struct {
	ID       string       `json:"id"`
	Sweep    string       `json:"sweep"`  // the sweep that first added the run
	Sweeps   []string     `json:"sweeps"` // every sweep the run belongs to
	Variant  string       `json:"variant"`
	Mode     vocab.Mode   `json:"mode"`
	Dataset  string       `json:"dataset"`
	Seed     int64        `json:"seed"`
	Status   vocab.Status `json:"status"`
	Attempts int          `json:"attempts"`
	Device   string       `json:"device,omitempty"`
	Dir      string       `json:"dir,omitempty"`
	Started  time.Time    `json:"started,omitzero"`
	Finished time.Time    `json:"finished,omitzero"`
	Error    string       `json:"error,omitempty"`
}

// List writes the runs of sweep ("" for all) as a text table or as JSON.
func List(w io.Writer, dbPath, sweep, format string) error {
	if format != "table" && format != "json" {
		return fmt.Errorf("format %q is unknown; allowed: table, json", format)
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.ListRuns(sweep)
	if err != nil {
		return err
	}
	sums := make([]RunSummary, len(runs))
	for i, r := range runs {
		sums[i] = summarize(r)
		if sums[i].Sweeps, err = s.SweepsOf(r.ID); err != nil {
			return err
		}
	}
	if format == "json" {
		return writeJSON(w, sums)
	}
	return writeRunTable(w, sums)
}

func summarize(r results.Run) RunSummary {
	return RunSummary{ID: r.ID, Sweep: r.Sweep, Variant: r.Config.Variant, Mode: r.Config.Mode,
		Dataset: r.Config.Dataset, Seed: r.Config.Seed, Status: r.Status, Attempts: r.Attempts,
		Device: r.Device, Dir: r.Dir, Started: r.Started, Finished: r.Finished, Error: r.Error}
}

func writeRunTable(w io.Writer, sums []RunSummary) error {
	header := []string{"id", "sweeps", "variant", "mode", "dataset", "seed", "status", "attempts", "device", "duration", "error"}
	var rows [][]string
	for _, s := range sums {
		rows = append(rows, []string{s.ID, strings.Join(s.Sweeps, ","), s.Variant, string(s.Mode), s.Dataset, strconv.FormatInt(s.Seed, 10),
			string(s.Status), strconv.Itoa(s.Attempts), s.Device, duration(s.Started, s.Finished), firstLine(s.Error, 60)})
	}
	return writeGrid(w, false, false, header, rows)
}

func duration(start, end time.Time) string {
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return ""
	}
	return end.Sub(start).Round(time.Second).String()
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// RunDetail is everything `sweep show` prints about one run.
type RunDetail struct {
	RunSummary
	Config     json.RawMessage       `json:"config"`
	Key        json.RawMessage       `json:"key,omitempty"` // what the run's ID hashes
	Metrics    []rundir.Metric       `json:"metrics"`
	Losses     map[string]LossSeries `json:"losses"`
	Provenance *results.Provenance   `json:"provenance,omitempty"`
	LogTail    string                `json:"log_tail,omitempty"`
}

// LossSeries summarises one logged loss: how many points, and the last one.
type LossSeries struct {
	Points   int     `json:"points"`
	LastIter int     `json:"last_iter"`
	Last     float64 `json:"last"`
}

// Show writes one run (by ID or unique ID prefix) as text or JSON.
func Show(w io.Writer, dbPath, id, format string) error {
	if format != "text" && format != "json" {
		return fmt.Errorf("format %q is unknown; allowed: text, json", format)
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := findRun(s, id)
	if err != nil {
		return err
	}
	d, err := detail(s, r)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(w, d)
	}
	return writeDetail(w, d)
}

// findRun resolves an exact ID or a prefix that names exactly one run.
func findRun(s *results.Store, id string) (results.Run, error) {
	if r, ok, err := s.GetRun(id); err != nil || ok {
		return r, err
	}
	runs, err := s.ListRuns("")
	if err != nil {
		return results.Run{}, err
	}
	var found []results.Run
	for _, r := range runs {
		if id != "" && strings.HasPrefix(r.ID, id) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return results.Run{}, fmt.Errorf("no run %q in %s", id, s.Path())
	case 1:
		return found[0], nil
	}
	return results.Run{}, fmt.Errorf("run prefix %q matches %d runs in %s; give more of the ID", id, len(found), s.Path())
}

func detail(s *results.Store, r results.Run) (*RunDetail, error) {
	d := &RunDetail{RunSummary: summarize(r), Config: r.Config.Canonical(), LogTail: r.LogTail, Losses: map[string]LossSeries{}}
	if r.Key != "" {
		d.Key = json.RawMessage(r.Key)
	}
	var err error
	if d.Sweeps, err = s.SweepsOf(r.ID); err != nil {
		return nil, err
	}
	if d.Metrics, err = s.Metrics(r.ID); err != nil {
		return nil, err
	}
	losses, err := s.Losses(r.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range losses {
		ls := d.Losses[l.Name]
		ls.Points++
		ls.LastIter, ls.Last = l.Iter, l.Value
		d.Losses[l.Name] = ls
	}
	p, ok, err := s.Provenance(r.ID)
	if err != nil {
		return nil, err
	}
	if ok {
		d.Provenance = &p
	}
	return d, nil
}

func writeDetail(w io.Writer, d *RunDetail) error {
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-10s %s\n", k, v)
		}
	}
	kv("run", d.ID)
	kv("sweeps", strings.Join(d.Sweeps, ", "))
	kv("status", fmt.Sprintf("%s (attempts %d)", d.Status, d.Attempts))
	kv("device", d.Device)
	kv("dir", d.Dir)
	kv("started", timeText(d.Started))
	kv("finished", timeText(d.Finished))
	kv("duration", duration(d.Started, d.Finished))
	kv("error", d.Error)
	var cfg bytes.Buffer
	if err := json.Indent(&cfg, d.Config, "  ", "  "); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nconfig:\n  %s\n", cfg.String())
	if len(d.Key) > 0 {
		var key struct{ Dataset, Code, Backend string }
		if json.Unmarshal(d.Key, &key) == nil {
			fmt.Fprintf(w, "\nidentity: dataset %s, code %s, backend %s (the ID hashes these and the config less labels and evaluation settings)\n",
				key.Dataset, key.Code, key.Backend)
		}
	}
	if err := writeMetrics(w, d.Metrics); err != nil {
		return err
	}
	writeLossSummary(w, d.Losses)
	writeProvenance(w, d.Provenance)
	if d.LogTail != "" {
		fmt.Fprintf(w, "\nlog tail:\n%s\n", strings.TrimRight(d.LogTail, "\n"))
	}
	return nil
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.RFC3339)
}

func writeMetrics(w io.Writer, ms []rundir.Metric) error {
	if len(ms) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nmetrics:\n")
	var rows [][]string
	for _, m := range ms {
		rows = append(rows, []string{m.Name, strconv.FormatFloat(m.Value, 'g', -1, 64), strconv.Itoa(m.Step), strconv.Itoa(m.Epoch), m.Identity})
	}
	return writeGrid(w, false, false, []string{"metric", "value", "step", "epoch", "identity"}, rows)
}

func writeLossSummary(w io.Writer, losses map[string]LossSeries) {
	if len(losses) == 0 {
		return
	}
	names := make([]string, 0, len(losses))
	for n := range losses {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\nlosses (last logged value):\n")
	for _, n := range names {
		l := losses[n]
		fmt.Fprintf(w, "  %-12s %-12s at iter %d (%d points)\n", n, strconv.FormatFloat(l.Last, 'g', 6, 64), l.LastIter, l.Points)
	}
}

func writeProvenance(w io.Writer, p *results.Provenance) {
	if p == nil {
		return
	}
	dirty := ""
	if p.GitDirty {
		dirty = fmt.Sprintf(" (dirty, diff %s)", p.DiffHash)
	}
	fmt.Fprintf(w, "\nprovenance:\n  commit     %s%s\n  go         %s\n  host       %s\n  cpu        %s\n  seed       %d\n  recorded   %s\n",
		p.GitCommit, dirty, p.GoVersion, p.Host, p.CPU, p.Seed, timeText(p.Recorded))
	mods := make([]string, 0, len(p.Modules))
	for m, v := range p.Modules {
		mods = append(mods, m+" "+v)
	}
	sort.Strings(mods)
	for _, m := range mods {
		fmt.Fprintf(w, "  module     %s\n", m)
	}
}
