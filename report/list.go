package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sweep/config"
	"sweep/internal/humanize"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// RunSummary is one line of `sweep list`.
type RunSummary struct {
	ID       string             `json:"id"`
	Sweep    string             `json:"sweep"`  // the sweep that first added the run
	Sweeps   []string           `json:"sweeps"` // every sweep the run belongs to
	Variant  string             `json:"variant"`
	Mode     vocab.Mode         `json:"mode"`
	Dataset  string             `json:"dataset"`
	Seed     int64              `json:"seed"`
	Status   vocab.Status       `json:"status"`
	Attempts int                `json:"attempts"`
	Device   string             `json:"device,omitempty"`
	Dir      string             `json:"dir,omitempty"`
	Started  time.Time          `json:"started,omitzero"`
	Finished time.Time          `json:"finished,omitzero"`
	Error    string             `json:"error,omitempty"`
	Live     *LiveSummary       `json:"live,omitempty"`    // the progress of a running (or stopped) attempt
	Metrics  map[string]float64 `json:"metrics,omitempty"` // each metric at the last epoch it was recorded at
}

// LiveSummary is a run's live progress as its runner last recorded it.
type LiveSummary struct {
	Iter    int                `json:"iter"`
	Total   int                `json:"total"`
	Phase   string             `json:"phase,omitempty"`
	Losses  map[string]float64 `json:"losses,omitempty"`
	ETA     *float64           `json:"eta_s,omitempty"` // seconds left now; absent when unknown
	Updated time.Time          `json:"updated"`
}

// ListOptions choose the runs `sweep list` shows and how.
type ListOptions struct {
	Sweep   string         // "" for every run
	Format  string         // table or json
	Status  []vocab.Status // only runs of these statuses; none: all
	Sort    string         // a metric: best value first, runs without it last; "": in the order added
	Columns []string       // metric columns of the table; none: the main metrics the runs have
	Width   int            // the table's width in columns; 0: 80
	Now     time.Time      // for the ETA left; zero: now
}

// List writes the runs that opt selects as a text table or as JSON.
func List(w io.Writer, dbPath string, opt ListOptions) error {
	if opt.Format != "table" && opt.Format != "json" {
		return fmt.Errorf("format %q is unknown; allowed: table, json", opt.Format)
	}
	if err := checkStatuses(opt.Status); err != nil {
		return err
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.ListRuns(opt.Sweep)
	if err != nil {
		return err
	}
	runs = slices.DeleteFunc(runs, func(r results.Run) bool { return len(opt.Status) > 0 && !slices.Contains(opt.Status, r.Status) })
	sums := make([]RunSummary, len(runs))
	for i, r := range runs {
		if sums[i], err = listed(s, r, opt.Now); err != nil {
			return err
		}
	}
	if err := sortRuns(sums, runs, opt.Sort); err != nil {
		return err
	}
	if opt.Format == "json" {
		return writeJSON(w, sums)
	}
	cols, err := listMetrics(sums, opt.Columns)
	if err != nil {
		return err
	}
	return writeRunTable(w, sums, runConfigs(runs), cols, cmp.Or(opt.Width, 80))
}

// checkStatuses refuses a status that does not exist.
func checkStatuses(statuses []vocab.Status) error {
	for _, st := range statuses {
		if !slices.Contains(vocab.Statuses(), st) {
			return fmt.Errorf("status %q is unknown; allowed: %v", st, vocab.Statuses())
		}
	}
	return nil
}

// listed is run r's summary with its sweeps, final metrics and live progress.
func listed(s *results.Store, r results.Run, now time.Time) (RunSummary, error) {
	sum := summarize(r, now)
	var err error
	if sum.Sweeps, err = s.SweepsOf(r.ID); err != nil {
		return sum, err
	}
	ms, err := s.Metrics(r.ID)
	if err != nil {
		return sum, err
	}
	sum.Metrics = finalMetrics(ms)
	return sum, nil
}

// finalMetrics maps each metric to its value at the last epoch it was recorded at.
func finalMetrics(ms []rundir.Metric) map[string]float64 {
	if len(ms) == 0 {
		return nil
	}
	out, epoch := map[string]float64{}, map[string]int{}
	for _, m := range ms {
		if e, ok := epoch[m.Name]; !ok || m.Epoch >= e {
			out[m.Name], epoch[m.Name] = m.Value, m.Epoch
		}
	}
	return out
}

func summarize(r results.Run, now time.Time) RunSummary {
	return RunSummary{ID: r.ID, Sweep: r.Sweep, Variant: r.Config.Variant, Mode: r.Config.Mode,
		Dataset: r.Config.Dataset, Seed: r.Config.Seed, Status: r.Status, Attempts: r.Attempts,
		Device: r.Device, Dir: r.Dir, Started: r.Started, Finished: r.Finished, Error: r.Error, Live: liveSummary(r.Live, now)}
}

func liveSummary(l *results.Live, now time.Time) *LiveSummary {
	if l == nil {
		return nil
	}
	ls := &LiveSummary{Iter: l.Iter, Total: l.Total, Phase: l.Phase, Losses: l.Losses, Updated: l.Updated}
	if left, ok := l.Left(now); ok {
		sec := left.Seconds()
		ls.ETA = &sec
	}
	return ls
}

// sortRuns orders sums (and runs alike) by metric, best first; runs without it keep their
// order after the others. A metric no run has is refused.
func sortRuns(sums []RunSummary, runs []results.Run, metric string) error {
	if metric == "" {
		return nil
	}
	if len(sums) > 0 && !slices.Contains(recordedMetrics(sums), metric) {
		return fmt.Errorf("--sort %s: no listed run has that metric; recorded: %s", metric, strings.Join(recordedMetrics(sums), ", "))
	}
	idx := make([]int, len(sums))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		va, oka := sums[a].Metrics[metric]
		vb, okb := sums[b].Metrics[metric]
		switch {
		case oka != okb:
			return cmpBool(okb, oka)
		case !oka:
			return 0
		}
		return cmp.Compare(worse(metric, vb, va), 0)
	})
	sortedSums, sortedRuns := make([]RunSummary, len(sums)), make([]results.Run, len(runs))
	for i, j := range idx {
		sortedSums[i], sortedRuns[i] = sums[j], runs[j]
	}
	copy(sums, sortedSums)
	copy(runs, sortedRuns)
	return nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// recordedMetrics are the metrics any of the runs has, in the report's order.
func recordedMetrics(sums []RunSummary) []string {
	seen := map[string]bool{}
	for _, s := range sums {
		for m := range s.Metrics {
			seen[m] = true
		}
	}
	names := slices.Collect(maps.Keys(seen))
	sortMetrics(names)
	return names
}

// mainMetrics are the default metric columns of a list: the primary metric of each kind.
var mainMetrics = []string{"seg_miou", "fid", "swd_avg"}

// listMetrics are the table's metric columns: those asked for (each one some run has, when
// any run has metrics), or the main metrics the runs have, or else the first two recorded.
func listMetrics(sums []RunSummary, asked []string) ([]string, error) {
	have := recordedMetrics(sums)
	if len(asked) > 0 {
		for _, m := range asked {
			if len(have) > 0 && !slices.Contains(have, m) {
				return nil, fmt.Errorf("--columns %s: no listed run has that metric; recorded: %s", m, strings.Join(have, ", "))
			}
		}
		return asked, nil
	}
	var out []string
	for _, m := range mainMetrics {
		if slices.Contains(have, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		out = have[:min(2, len(have))]
	}
	return out, nil
}

// runConfigs is the configuration of each run.
func runConfigs(runs []results.Run) []config.Run {
	out := make([]config.Run, len(runs))
	for i, r := range runs {
		out[i] = r.Config
	}
	return out
}

// listKeys are the configuration keys that differ among the listed runs, variant first.
func listKeys(cfgs []config.Run) []string {
	fields := config.Fields()
	text := func(c config.Run) map[string]string {
		m := map[string]string{}
		for _, f := range fields {
			m[f.Key] = f.Text(c, ",")
		}
		return m
	}
	keys := config.Varying(cfgs, text, "variant", "repeat")
	if !slices.ContainsFunc(cfgs, func(c config.Run) bool { return c.Variant != "" }) {
		return keys
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return setByVariant(cfgs, k, text) })
	return append([]string{"variant"}, keys...)
}

// setByVariant reports whether key's value is the same in all runs of each variant: the
// variant column then says it already.
func setByVariant(cfgs []config.Run, key string, text func(config.Run) map[string]string) bool {
	seen := map[string]string{}
	for _, c := range cfgs {
		v := text(c)[key]
		if prev, ok := seen[c.Variant]; ok && prev != v {
			return false
		}
		seen[c.Variant] = v
	}
	return true
}

// writeRunTable writes one line per run: a short ID, the keys that differ among the runs,
// status, progress (iteration and ETA of a running run, else the duration), the metric
// columns and the error, shortened to fit width.
func writeRunTable(w io.Writer, sums []RunSummary, cfgs []config.Run, metrics []string, width int) error {
	keys := listKeys(cfgs)
	header := slices.Concat([]string{"id"}, keys, []string{"status", "progress"}, metrics, []string{"error"})
	rows := make([][]string, len(sums))
	for i, s := range sums {
		row := []string{shortID(s.ID)}
		for _, k := range keys {
			row = append(row, fieldText(cfgs[i], k))
		}
		row = append(row, string(s.Status), progress(s))
		for _, m := range metrics {
			row = append(row, metricText(s.Metrics, m))
		}
		rows[i] = append(row, firstLine(s.Error, 200))
	}
	return writeFitted(w, header, rows, width, len(keys))
}

// shortID is as much of a run ID as lists show; sweep show and rm take it as a prefix.
func shortID(id string) string { return id[:min(len(id), 8)] }

// fieldText is a configuration value as a list shows it: a built-in dataset without its
// "builtin:" and a folder by its last element.
func fieldText(c config.Run, key string) string {
	if key == "dataset" {
		if name, ok := strings.CutPrefix(c.Dataset, "builtin:"); ok {
			return name
		}
		return filepath.Base(c.Dataset)
	}
	for _, f := range config.Fields() {
		if f.Key == key {
			return f.Text(c, ",")
		}
	}
	return ""
}

func metricText(ms map[string]float64, name string) string {
	v, ok := ms[name]
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// progress is a running run's iteration and ETA, a finished one's duration, and the
// iteration an interrupted or failed one reached.
func progress(s RunSummary) string {
	l := s.Live
	switch {
	case s.Status == vocab.StatusRunning && l != nil && l.Total <= 0:
		return cmp.Or(l.Phase, "starting") // a phase without iterations
	case s.Status == vocab.StatusRunning && l != nil:
		p := fmt.Sprintf("%d/%d", l.Iter, l.Total)
		if l.Phase != "" && l.Phase != "train" {
			p = l.Phase + " " + p
		}
		if l.ETA != nil {
			p += " ETA " + humanize.Duration(time.Duration(*l.ETA*float64(time.Second)))
		}
		return p
	case s.Status == vocab.StatusRunning:
		return "starting"
	case l != nil && l.Total > 0 && s.Status != vocab.StatusCompleted:
		return fmt.Sprintf("at %d/%d", l.Iter, l.Total)
	}
	return duration(s.Started, s.Finished)
}

// writeFitted writes a plain table, columns two spaces apart, within width: when it is too
// wide, the error column (last) and then the configuration columns (1 to 1+keys) are cut,
// each to no less than 8 characters, the widest first; what still does not fit is cut at
// the right edge.
func writeFitted(w io.Writer, header []string, rows [][]string, width, keys int) error {
	widths := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	elastic := []int{len(header) - 1}
	for i := 1; i <= keys; i++ {
		elastic = append(elastic, i)
	}
	shrink(widths, elastic, width)
	for _, row := range append([][]string{header}, rows...) {
		var line strings.Builder
		for i, c := range row {
			if widths[i] == 0 {
				continue
			}
			if line.Len() > 0 {
				line.WriteString("  ")
			}
			fmt.Fprintf(&line, "%-*s", widths[i], cut(c, widths[i]))
		}
		if _, err := fmt.Fprintln(w, cut(strings.TrimRight(line.String(), " "), width)); err != nil {
			return err
		}
	}
	return nil
}

// shrink narrows the elastic columns, the widest first and none below 8, until the table
// fits width; when that is not enough, whole columns are left out from the right, the error
// column first. An error column without errors is left out in any case.
func shrink(widths, elastic []int, width int) {
	last := len(widths) - 1
	if widths[last] <= len("error") {
		widths[last] = 0
	}
	for total(widths) > width {
		widest := -1
		for _, i := range elastic {
			if widths[i] > 8 && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			dropRight(widths, width)
			return
		}
		widths[widest] = max(8, widths[widest]-(total(widths)-width))
	}
}

// dropRight leaves out the rightmost columns until the table fits width (the first stays).
func dropRight(widths []int, width int) {
	for i := len(widths) - 1; i > 0 && total(widths) > width; i-- {
		widths[i] = 0
	}
}

// total is the width of a table with columns of widths (0: left out) two spaces apart.
func total(widths []int) int {
	n := 0
	for _, wd := range widths {
		if wd > 0 {
			n += wd + 2
		}
	}
	return max(0, n-2)
}

// cut shortens s to n characters, ending it with "…" when it was longer.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
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
func findRun(s *results.Store, id string) (results.Run, error) { return s.FindRun(id) }

func detail(s *results.Store, r results.Run) (*RunDetail, error) {
	d := &RunDetail{RunSummary: summarize(r, time.Now()), Config: r.Config.Canonical(), LogTail: r.LogTail, Losses: map[string]LossSeries{}}
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
	kv("progress", liveText(d.RunSummary, time.Now()))
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

// liveText is the live progress of a run that has some: the progress column of the list,
// when it was recorded and the latest losses.
func liveText(s RunSummary, now time.Time) string {
	if s.Live == nil {
		return ""
	}
	text := fmt.Sprintf("%s (recorded %s ago)", progress(s), humanize.Duration(now.Sub(s.Live.Updated).Round(time.Second)))
	var losses []string
	for _, k := range slices.Sorted(maps.Keys(s.Live.Losses)) {
		losses = append(losses, fmt.Sprintf("%s=%.4g", k, s.Live.Losses[k]))
	}
	return strings.TrimSpace(text + " " + strings.Join(losses, " "))
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

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func writeProvenance(w io.Writer, p *results.Provenance) {
	if p == nil {
		return
	}
	dirty := ""
	if p.GitDirty {
		dirty = fmt.Sprintf(" (dirty, diff %s)", p.DiffHash)
	}
	fmt.Fprintf(w, "\nprovenance:\n  commit     %s%s\n  backend    %s\n  go         %s\n  host       %s\n  cpu        %s\n  seed       %d\n  recorded   %s\n",
		p.GitCommit, dirty, strings.TrimSpace(p.Backend+" "+parenthesised(p.BLAS)), p.GoVersion, p.Host, p.CPU, p.Seed, timeText(p.Recorded))
	mods := make([]string, 0, len(p.Modules))
	for m, v := range p.Modules {
		mods = append(mods, m+" "+v)
	}
	sort.Strings(mods)
	for _, m := range mods {
		fmt.Fprintf(w, "  module     %s\n", m)
	}
}
