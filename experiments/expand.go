package experiments

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strings"

	"sweep/config"
)

// maxRuns bounds a sweep: a product this large is a mistake, and it is refused rather
// than truncated.
const maxRuns = 100000

// maxInvalid bounds how many invalid grid points are reported one by one.
const maxInvalid = 10

// candidate is a resolved, valid configuration before repeats.
type candidate struct {
	run   config.Run
	label string    // "grid point (variant=\"A\", queries=64)", "include[0]", "base"
	at    []string  // where to point errors about it
	sets  []partial // the settings that made it, most specific first (see Sweep.Origin)
}

// expand turns a checked spec into runs: the grid in product order minus exclusions, then the
// includes, the whole list once per repeat. It also gives, for each run, the settings that
// made it.
func (p *parser) expand(sp *spec) ([]config.Run, [][]partial) {
	if !p.gridSize(sp) {
		return nil, nil
	}
	cands := p.gridRuns(sp)
	cands = append(cands, p.includeRuns(sp)...)
	if len(p.errs) > 0 {
		return nil, nil
	}
	if len(cands) == 0 {
		p.fail(nil, "the sweep has no runs: the exclude rules drop every grid point")
		return nil, nil
	}
	return p.repeat(sp, cands)
}

// gridSize refuses a sweep of more than maxRuns runs (grid points plus includes, times
// repeats) before building any of them.
func (p *parser) gridSize(sp *spec) bool {
	grid := 1
	for _, ax := range sp.axes {
		if grid *= ax.n; grid > maxRuns {
			break
		}
	}
	total := grid + len(sp.includes)
	if total <= maxRuns && sp.repeats <= maxRuns/total {
		return true
	}
	at := []string{"sweep", "repeats"}
	if len(sp.axes) > 0 {
		at = sp.axes[0].at
	}
	p.fail(at, "the sweep has more than %d runs (grid points and includes, times repeats); split it into several files", maxRuns)
	return false
}

// points calls fn with every grid position, the first axis varying slowest.
func points(axes []axis, fn func(pos []int)) {
	pos := make([]int, len(axes))
	for {
		fn(pos)
		i := len(axes) - 1
		for ; i >= 0; i-- {
			if pos[i]++; pos[i] < axes[i].n {
				break
			}
			pos[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// assignments are the axis values of one grid point, in axis order.
func assignments(axes []axis, pos []int) partial {
	var set partial
	for a, ax := range axes {
		for k, key := range ax.keys {
			at := child(ax.keyAt[k], index(pos[a]))
			set = append(set, setting{key: key, value: ax.values[k][pos[a]], at: at})
		}
	}
	return set
}

// resolve builds a run: defaults, then [base], then the variant, then the given settings.
func (sp *spec) resolve(variant string, set partial) config.Run {
	r := config.Default()
	sp.base.apply(&r)
	if variant != "" {
		sp.variants[variant].apply(&r)
		r.Variant = variant
	}
	set.apply(&r)
	return r
}

// splitVariant separates a variant selection from the other settings.
func splitVariant(set partial, variant string) (partial, string) {
	var rest partial
	for _, s := range set {
		if s.key == keyVariant {
			variant = s.value.(string)
		} else {
			rest = append(rest, s)
		}
	}
	return rest, variant
}

func describe(set partial) string {
	parts := make([]string, len(set))
	for i, s := range set {
		parts[i] = s.key + "=" + formatTOML(s.value)
	}
	return strings.Join(parts, ", ")
}

func (p *parser) gridRuns(sp *spec) []candidate {
	var cands []candidate
	invalid := 0
	at := sp.baseAt
	if len(sp.axes) > 0 {
		at = sp.axes[0].keyAt[0]
	}
	points(sp.axes, func(pos []int) {
		set := assignments(sp.axes, pos)
		rest, variant := splitVariant(set, sp.variant)
		run := sp.resolve(variant, rest)
		if sp.exclude(run) {
			return
		}
		label := "base"
		if len(set) > 0 {
			label = "grid point (" + describe(set) + ")"
		}
		if err := run.Validate(); err != nil {
			if invalid++; invalid <= maxInvalid {
				where := blame(err.Error(), at, rest, sp.variants[variant], set, sp.base)
				p.errs.add(&Error{File: p.file, Line: p.places.lookup(where).line, Key: label, Msg: err.Error()})
			}
			return
		}
		cands = append(cands, candidate{run: run, label: label, at: at, sets: []partial{set, sp.variants[variant], sp.base}})
	})
	if invalid > maxInvalid {
		p.fail(at, "%d more grid points fail validation (%d in all)", invalid-maxInvalid, invalid)
	}
	for _, r := range sp.excludes {
		if !r.used {
			p.fail(r.at, "the rule (%s) matches no grid point: is one of its keys or values a typo?", describe(r.match))
		}
	}
	return cands
}

// exclude reports whether a rule drops the run, marking the rules that match.
func (sp *spec) exclude(run config.Run) bool {
	dropped := false
	for i := range sp.excludes {
		r := &sp.excludes[i]
		if r.matches(run) {
			r.used, dropped = true, true
		}
	}
	return dropped
}

func (r rule) matches(run config.Run) bool {
	for _, s := range r.match {
		if !sameValue(fields[s.key].get(run), s.value) {
			return false
		}
	}
	return true
}

func (p *parser) includeRuns(sp *spec) []candidate {
	var cands []candidate
	for _, in := range sp.includes {
		variant := in.variant
		if variant == "" {
			variant = sp.variant
		}
		run := sp.resolve(variant, in.set)
		label := displayPath(in.at)
		if err := run.Validate(); err != nil {
			where := blame(err.Error(), in.at, in.set, sp.variants[variant], sp.base)
			p.errs.add(&Error{File: p.file, Line: p.places.lookup(where).line, Key: label, Msg: err.Error()})
			continue
		}
		cands = append(cands, candidate{run: run, label: label, at: in.at, sets: []partial{in.set, sp.variants[variant], sp.base}})
	}
	return cands
}

// repeat lays out the runs, repeat by repeat, deriving each repeat's seed, and refuses two
// runs that would compute the same thing. sets[i] are the settings that made run i.
func (p *parser) repeat(sp *spec, cands []candidate) (runs []config.Run, sets [][]partial) {
	type origin struct{ cand, rep int }
	seen := map[[sha256.Size]byte]origin{}
	reported := map[[2]int]bool{}
	if !p.seedsFit(sp, cands) {
		return nil, nil
	}
	for rep := range sp.repeats {
		for i, c := range cands {
			run := c.run
			run.Seed += int64(rep)
			run.Repeat = rep
			canon := sha256.Sum256(run.Identity().Canonical()) // labels and metrics aside
			if o, dup := seen[canon]; dup {
				if pair := [2]int{o.cand, i}; !reported[pair] {
					reported[pair] = true
					p.duplicate(sp, c, rep, cands[o.cand], o.rep)
				}
				continue
			}
			seen[canon] = origin{i, rep}
			runs = append(runs, run)
			sets = append(sets, c.sets)
		}
	}
	return runs, sets
}

// seedsFit refuses a seed so large that a repeat's seed (seed + repeat) would wrap around.
func (p *parser) seedsFit(sp *spec, cands []candidate) bool {
	ok := true
	for _, c := range cands {
		if c.run.Seed > math.MaxInt64-int64(sp.repeats-1) {
			p.errs.add(&Error{File: p.file, Line: p.places.lookup(c.at).line, Key: c.label,
				Msg: fmt.Sprintf("seed %d + %d repeats would overflow; allowed: at most %d", c.run.Seed, sp.repeats, math.MaxInt64-int64(sp.repeats-1))})
			ok = false
		}
	}
	return ok
}

func (p *parser) duplicate(sp *spec, c candidate, rep int, first candidate, firstRep int) {
	what, other := c.label, first.label
	if sp.repeats > 1 {
		what += fmt.Sprintf(" repeat %d", rep)
		other += fmt.Sprintf(" repeat %d", firstRep)
	}
	p.errs.add(&Error{File: p.file, Line: p.places.lookup(c.at).line, Key: what,
		Msg: fmt.Sprintf("resolves to the same configuration as %s (seed %d, labels and evaluation settings aside); remove one of them", other, c.run.Seed+int64(rep))})
}

// blame finds the setting behind a validation message: the first key the message names,
// looked up in the settings from the most to the least specific. It returns the place of
// that setting, or fallback when none of them set it.
func blame(msg string, fallback []string, sets ...partial) []string {
	msg = strings.TrimPrefix(msg, "invalid configuration: ")
	for _, clause := range strings.Split(msg, "; ") {
		key, _, _ := strings.Cut(clause, " ")
		if key == "metric" {
			key = "metrics"
		}
		for _, set := range sets {
			for _, s := range set {
				if s.key == key {
					return s.at
				}
			}
		}
	}
	return fallback
}
