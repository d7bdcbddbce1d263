package report

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"gonum.org/v1/gonum/stat"

	"sweep/config"
	"sweep/results"
	"sweep/vocab"
)

// Group is the completed runs of one configuration that differ only in seed (and repeat).
type Group struct {
	Key     string             // GroupKey of the configuration
	Config  config.Run         // the configuration, with Seed and Repeat of the first run
	Runs    []results.Run      // ordered by seed
	History []history          // per run: every metric at every epoch it was recorded at
	Epochs  []int              // per run: the epoch its values are taken at; -1 when it has none
	Values  map[string][]Value // metric -> the value of each run (in run order) that has it
}

// Stat is a mean and sample standard deviation over N seeds.
type Stat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// Stat summarises the group's values of metric; N is 0 when no run has it.
func (g *Group) Stat(metric string) Stat {
	v := make([]float64, len(g.Values[metric]))
	for i, x := range g.Values[metric] {
		v[i] = x.Value
	}
	switch len(v) {
	case 0:
		return Stat{}
	case 1:
		return Stat{N: 1, Mean: v[0]}
	}
	m, s := stat.MeanStdDev(v, nil)
	return Stat{N: len(v), Mean: m, Std: s}
}

// GroupKey identifies a computation regardless of seed: a hash of the configuration's
// Identity (no labels, no evaluation settings) with Seed cleared. Baselines refer to groups
// by it, so relabelling a variant keeps its baseline.
func GroupKey(c config.Run) string {
	c = c.Identity()
	c.Seed = 0
	h := sha256.Sum256(c.Canonical())
	return hex.EncodeToString(h[:])[:12]
}

// sweepData is what one sweep's report is built from.
type sweepData struct {
	Name    string
	Counts  map[vocab.Status]int // runs per status
	Groups  []*Group             // in order of first creation
	Mode    EpochMode            // how each run's epoch was chosen
	Primary map[string]string    // dataset -> the metric that decides the best epoch
	Multi   bool                 // some run has metrics at several epochs
}

// load reads the runs of sweep ("" for all), each with its config as that sweep gives it,
// groups the completed ones and takes each run's values at the epoch mode chooses.
func load(s *results.Store, sweep string, mode EpochMode) (*sweepData, error) {
	if mode == "" {
		mode = EpochFinal
	}
	runs, err := s.ListRuns(sweep)
	if err != nil {
		return nil, err
	}
	d := &sweepData{Name: sweep, Counts: map[vocab.Status]int{}, Mode: mode}
	byKey := map[string]*Group{}
	for _, r := range runs {
		d.Counts[r.Status]++
		if r.Status != vocab.StatusCompleted {
			continue
		}
		k := GroupKey(r.Config)
		g := byKey[k]
		if g == nil {
			g = &Group{Key: k, Config: r.Config}
			byKey[k] = g
			d.Groups = append(d.Groups, g)
		}
		g.Runs = append(g.Runs, r)
	}
	for _, g := range d.Groups {
		sort.SliceStable(g.Runs, func(i, j int) bool { return g.Runs[i].Config.Seed < g.Runs[j].Config.Seed })
		g.Config = g.Runs[0].Config
		if err := readHistory(s, g); err != nil {
			return nil, err
		}
	}
	d.Primary, d.Multi = primaryMetrics(d.Groups), multiEpoch(d.Groups)
	for _, g := range d.Groups {
		g.takeValues(mode, d.Primary[g.Config.Dataset])
	}
	return d, nil
}

// readHistory reads every run's metrics at every epoch.
func readHistory(s *results.Store, g *Group) error {
	g.History = make([]history, len(g.Runs))
	for i, r := range g.Runs {
		ms, err := s.Metrics(r.ID)
		if err != nil {
			return err
		}
		g.History[i] = historyOf(ms)
	}
	return nil
}

// takeValues takes every metric of each run at the epoch mode chooses for it.
func (g *Group) takeValues(mode EpochMode, primary string) {
	g.Epochs = make([]int, len(g.Runs))
	g.Values = map[string][]Value{}
	for i, h := range g.History {
		e := h.choose(mode, primary)
		g.Epochs[i] = e
		for name, byEpoch := range h {
			if v, ok := byEpoch[e]; ok {
				g.Values[name] = append(g.Values[name], Value{Run: g.Runs[i].ID, Seed: g.Runs[i].Config.Seed, Epoch: e, Value: v})
			}
		}
	}
}

// chosenEpochs lists, in seed order, the epoch each run with metrics is reported at.
func (g *Group) chosenEpochs() []int {
	var out []int
	for _, e := range g.Epochs {
		if e >= 0 {
			out = append(out, e)
		}
	}
	return out
}

// metricsOf returns every metric any of the groups has, in report order.
func metricsOf(groups []*Group) []string {
	seen := map[string]bool{}
	var names []string
	for _, g := range groups {
		for n := range g.Values {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sortMetrics(names)
	return names
}

// field is one configuration field by its JSON key.
type field struct{ Key, Value string }

// fields lists c's fields in declaration order, lists joined by "+", leaving out the seed
// and the repeat index.
func fields(c config.Run) []field {
	var out []field
	for _, f := range config.Fields() {
		if f.Key != "seed" && f.Key != "repeat" {
			out = append(out, field{f.Key, f.Text(c, "+")})
		}
	}
	return out
}

// varying returns the keys of the fields that differ among the configurations, in field order.
func varying(cs []config.Run) []string {
	return config.Varying(cs, func(c config.Run) map[string]string {
		m := map[string]string{}
		for _, f := range fields(c) {
			m[f.Key] = f.Value
		}
		return m
	})
}

func fieldValue(c config.Run, key string) string {
	for _, f := range fields(c) {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}
