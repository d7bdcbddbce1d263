package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"sweep/internal/atomicfile"
	"sweep/results"
)

// Baseline is a stored set of expected results that later results are checked against.
type Baseline struct {
	Entries []BaselineEntry `json:"entries" toml:"entries"`
}

// BaselineEntry is the expected mean of one metric of one configuration (GroupKey), with the
// tolerance within which a worse value still passes: TolAbs + TolRel·|Value|.
type BaselineEntry struct {
	Group  string  `json:"group" toml:"group"`
	Label  string  `json:"label,omitempty" toml:"label,omitempty"` // for people; not matched
	Metric string  `json:"metric" toml:"metric"`
	Value  float64 `json:"value" toml:"value"`
	TolAbs float64 `json:"tol_abs,omitempty" toml:"tol_abs,omitempty"`
	TolRel float64 `json:"tol_rel,omitempty" toml:"tol_rel,omitempty"`
	N      int     `json:"n,omitempty" toml:"n,omitempty"` // seeds behind Value; for people
}

// allowed is how much worse than Value a result may be and still pass.
func (e BaselineEntry) allowed() float64 { return e.TolAbs + e.TolRel*math.Abs(e.Value) }

// isTOML tells the baseline format by the file extension: .toml, else JSON.
func isTOML(path string) bool { return strings.EqualFold(filepath.Ext(path), ".toml") }

// ReadBaseline reads a baseline file (TOML when it ends in .toml, JSON otherwise), refusing
// unknown keys and entries without a group, a metric or with a negative tolerance.
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Baseline
	if isTOML(path) {
		md, err := toml.Decode(string(data), &b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return nil, fmt.Errorf("%s: unknown key %q; allowed in [[entries]]: group, label, metric, value, tol_abs, tol_rel, n", path, und[0].String())
		}
	} else if err := decodeJSONStrict(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, e := range b.Entries {
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", path, i+1, err)
		}
	}
	return &b, nil
}

func (e BaselineEntry) validate() error {
	switch {
	case e.Group == "":
		return errors.New("group is empty")
	case e.Metric == "":
		return fmt.Errorf("group %s: metric is empty", e.Group)
	case e.TolAbs < 0 || e.TolRel < 0 || math.IsNaN(e.TolAbs) || math.IsNaN(e.TolRel):
		return fmt.Errorf("group %s metric %s: tol_abs %g and tol_rel %g must not be negative", e.Group, e.Metric, e.TolAbs, e.TolRel)
	case math.IsNaN(e.Value) || math.IsInf(e.Value, 0):
		return fmt.Errorf("group %s metric %s: value %g is not a number", e.Group, e.Metric, e.Value)
	}
	return nil
}

// decodeJSONStrict decodes one JSON value with no unknown fields, naming the line of an error.
func decodeJSONStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: %w", lineAt(data, syn.Offset), err)
	case errors.As(err, &typ):
		return fmt.Errorf("line %d: %w", lineAt(data, typ.Offset), err)
	case err != nil:
		return err
	}
	if dec.More() {
		return errors.New("extra data after the baseline object")
	}
	return nil
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// WriteBaseline stores the current means of every configuration and metric of sweep ("" for
// all) as a baseline file, each with relative tolerance tolRel and absolute tolerance tolAbs.
func WriteBaseline(dbPath, path, sweep string, tolRel, tolAbs float64) (int, error) {
	if tolRel < 0 || tolAbs < 0 {
		return 0, fmt.Errorf("tolerances must not be negative: tol-rel %g, tol-abs %g", tolRel, tolAbs)
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	b, err := currentBaseline(s, sweep, tolRel, tolAbs)
	if err != nil {
		return 0, err
	}
	if len(b.Entries) == 0 {
		return 0, fmt.Errorf("%s has no completed runs with metrics%s; nothing to store", dbPath, sweepSuffix(sweep))
	}
	data, err := encodeBaseline(b, isTOML(path))
	if err != nil {
		return 0, err
	}
	return len(b.Entries), atomicfile.Write(path, data)
}

func sweepSuffix(sweep string) string {
	if sweep == "" {
		return ""
	}
	return fmt.Sprintf(" in sweep %q", sweep)
}

func currentBaseline(s *results.Store, sweep string, tolRel, tolAbs float64) (*Baseline, error) {
	d, err := load(s, sweep, EpochFinal)
	if err != nil {
		return nil, err
	}
	pub, err := LoadPublished()
	if err != nil {
		return nil, err
	}
	t := buildTable(d, ChooseKind(configsOf(d.Groups)), pub, nil)
	b := &Baseline{}
	for _, g := range d.Groups {
		for _, m := range metricsOf([]*Group{g}) {
			st := g.Stat(m)
			b.Entries = append(b.Entries, BaselineEntry{Group: g.Key, Label: baselineLabel(t, g),
				Metric: m, Value: st.Mean, TolRel: tolRel, TolAbs: tolAbs, N: st.N})
		}
	}
	return b, nil
}

// baselineLabel names a configuration by its table row and always by its dataset.
func baselineLabel(t Table, g *Group) string {
	l := groupLabel(t, g)
	if len(t.Datasets()) <= 1 {
		l += " " + g.Config.Dataset
	}
	return l
}

func encodeBaseline(b *Baseline, asTOML bool) ([]byte, error) {
	if !asTOML {
		data, err := json.MarshalIndent(b, "", "  ")
		return append(data, '\n'), err
	}
	var buf bytes.Buffer
	buf.WriteString("# Baseline results for 'sweep check': expected mean per configuration (group) and metric.\n")
	buf.WriteString("# A result passes when it is at most tol_abs + tol_rel*|value| worse than value.\n\n")
	err := toml.NewEncoder(&buf).Encode(b)
	return buf.Bytes(), err
}

// Verdicts of a baseline check.
const (
	VerdictOK         = "ok"
	VerdictImproved   = "improved"
	VerdictRegression = "REGRESSION"
	VerdictMissing    = "missing"
)

// CheckRow is one baseline entry compared with the current results.
type CheckRow struct {
	Entry   BaselineEntry
	Now     Stat
	Delta   float64 // Now.Mean - Entry.Value
	Verdict string
}

// CheckFailed is returned when a check finds regressions or results that are missing.
type CheckFailed struct{ Regressions, Missing int }

func (e *CheckFailed) Error() string {
	return fmt.Sprintf("%d regression(s), %d missing result(s) against the baseline", e.Regressions, e.Missing)
}

// ExitCode makes a failed check exit with status 1.
func (e *CheckFailed) ExitCode() int { return 1 }

// Check compares the results in the store at dbPath with the baseline file and prints one
// row per entry to w; it returns a *CheckFailed when any entry regressed or has no result.
func Check(w io.Writer, dbPath, baselinePath, sweep string) error {
	b, err := ReadBaseline(baselinePath)
	if err != nil {
		return err
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	rows, err := Compare(s, b, sweep)
	if err != nil {
		return err
	}
	if err := writeCheck(w, rows); err != nil {
		return err
	}
	return checkOutcome(rows)
}

// Compare evaluates every baseline entry against the current means of sweep ("" for all).
func Compare(s *results.Store, b *Baseline, sweep string) ([]CheckRow, error) {
	d, err := load(s, sweep, EpochFinal)
	if err != nil {
		return nil, err
	}
	groups := map[string]*Group{}
	for _, g := range d.Groups {
		groups[g.Key] = g
	}
	rows := make([]CheckRow, len(b.Entries))
	for i, e := range b.Entries {
		rows[i] = compareEntry(e, groups[e.Group])
	}
	return rows, nil
}

func compareEntry(e BaselineEntry, g *Group) CheckRow {
	r := CheckRow{Entry: e, Verdict: VerdictMissing}
	if g == nil {
		return r
	}
	r.Now = g.Stat(e.Metric)
	if r.Now.N == 0 {
		return r
	}
	r.Delta = r.Now.Mean - e.Value
	switch w := worse(e.Metric, e.Value, r.Now.Mean); {
	case w > e.allowed():
		r.Verdict = VerdictRegression
	case w < -e.allowed():
		r.Verdict = VerdictImproved
	default:
		r.Verdict = VerdictOK
	}
	return r
}

func checkOutcome(rows []CheckRow) error {
	var f CheckFailed
	for _, r := range rows {
		switch r.Verdict {
		case VerdictRegression:
			f.Regressions++
		case VerdictMissing:
			f.Missing++
		}
	}
	if f.Regressions+f.Missing > 0 {
		return &f
	}
	return nil
}

func writeCheck(w io.Writer, rows []CheckRow) error {
	header := []string{"configuration", "group", "metric", "better", "baseline", "now", "delta", "tolerance", "verdict"}
	var cells [][]string
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range rows {
		now, delta := "—", "—"
		if r.Now.N > 0 {
			now = fmt.Sprintf("%s (n=%d)", num(r.Now.Mean), r.Now.N)
			delta = fmt.Sprintf("%+g", roundSig(r.Delta))
		}
		cells = append(cells, []string{r.Entry.Label, r.Entry.Group, r.Entry.Metric, Direction(r.Entry.Metric).String(),
			num(r.Entry.Value), now, delta, num(r.Entry.allowed()), r.Verdict})
	}
	return writeGrid(w, false, false, header, cells)
}

// roundSig keeps six significant digits, so a delta does not print float noise.
func roundSig(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return f
}
