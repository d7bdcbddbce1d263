package experiments

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sweep/config"
)

// setting is one key = value of a partial configuration, its value already converted.
type setting struct {
	key   string
	value any
	at    []string // where the value is in the file
}

// partial is a partial configuration: settings applied in order on top of another config.
type partial []setting

func (p partial) apply(r *config.Run) {
	for _, s := range p {
		fields[s.key].set(r, s.value)
	}
}

// axis is one dimension of the grid: a [grid] key, or a [[zip]] group whose keys vary together.
type axis struct {
	at     []string   // grid.KEY or zip[i]
	keys   []string   // config keys, in file order
	keyAt  [][]string // where each key is
	values [][]any    // values[k][i]: the value of keys[k] at position i
	n      int
}

// rule is an [[exclude]] entry; used records whether it dropped any grid point.
type rule struct {
	at    []string
	match partial
	used  bool
}

// extra is an [[include]] entry.
type extra struct {
	at      []string
	variant string
	set     partial
}

// spec is a sweep file checked and converted, before expansion.
type spec struct {
	name, description string
	repeats           int
	cluster           string
	slurm             Slurm
	baseAt            []string
	base              partial
	variant           string // selected by [base], "" if none
	variants          map[string]partial
	variantAt         map[string][]string
	axes              []axis
	excludes          []rule
	includes          []extra
}

// variantUse is a place that names a variant; selects is false for exclude rules.
type variantUse struct {
	name    string
	at      []string
	selects bool
}

type parser struct {
	file   string
	places places
	errs   errorList
	uses   []variantUse
}

var (
	sections  = []string{"sweep", "base", "variants", "grid", "zip", "exclude", "include", "slurm"}
	sweepKeys = []string{"name", "description", "repeats", "cluster"}
	nameRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

func (p *parser) fail(path []string, format string, args ...any) {
	p.errs.add(&Error{File: p.file, Line: p.places.lookup(path).line, Key: displayPath(path),
		Msg: fmt.Sprintf(format, args...)})
}

func child(path []string, k string) []string {
	return append(slices.Clip(path), k)
}

// ordered returns a table's keys in the order they appear in the file.
func (p *parser) ordered(path []string, t map[string]any) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, oj := p.places.lookup(child(path, keys[i])).offset, p.places.lookup(child(path, keys[j])).offset
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	return keys
}

func (p *parser) table(path []string, v any) (map[string]any, bool) {
	t, ok := v.(map[string]any)
	if !ok {
		p.fail(path, "must be a table ([%s]), got %s %s", displayPath(path), tomlType(v), formatTOML(v))
	}
	return t, ok
}

// tableList accepts an array of tables, written [[name]] or name = [{...}, ...].
func (p *parser) tableList(path []string, v any) ([]map[string]any, bool) {
	switch x := v.(type) {
	case []map[string]any:
		return x, true
	case []any:
		out := make([]map[string]any, len(x))
		for i, e := range x {
			t, ok := e.(map[string]any)
			if !ok {
				p.fail(child(path, index(i)), "must be a table, got %s %s", tomlType(e), formatTOML(e))
				return nil, false
			}
			out[i] = t
		}
		return out, true
	}
	p.fail(path, "must be an array of tables: write [[%s]], once per entry", displayPath(path))
	return nil, false
}

func (p *parser) spec(doc map[string]any) *spec {
	sp := &spec{repeats: 1, variants: map[string]partial{}, variantAt: map[string][]string{}}
	for _, k := range p.ordered(nil, doc) {
		if !slices.Contains(sections, k) {
			what := "table"
			if _, ok := doc[k].(map[string]any); !ok {
				what = "top-level key" // a key written above the first table header
			}
			p.fail([]string{k}, "%s", unknownKey(what, k, sections))
		}
	}
	p.sweepTable(sp, doc["sweep"])
	p.slurmTable(sp, doc["slurm"])
	sp.baseAt = []string{"base"}
	if v, ok := doc["base"]; ok {
		sp.base, sp.variant = p.partialTable(sp.baseAt, v, true)
	}
	p.variantTables(sp, doc["variants"])
	p.gridTable(sp, doc["grid"])
	p.zipTables(sp, doc["zip"])
	// The axes vary in the order they appear in the file, whatever their table.
	slices.SortStableFunc(sp.axes, func(a, b axis) int {
		return p.places.lookup(a.at).offset - p.places.lookup(b.at).offset
	})
	p.excludeTables(sp, doc["exclude"])
	p.includeTables(sp, doc["include"])
	p.checkVariants(sp)
	return sp
}

func (p *parser) sweepTable(sp *spec, v any) {
	path := []string{"sweep"}
	if v == nil {
		p.fail(path, `missing [sweep] table: a sweep file needs at least [sweep] name = "..."`)
		return
	}
	t, ok := p.table(path, v)
	if !ok {
		return
	}
	for _, k := range p.ordered(path, t) {
		kp := child(path, k)
		switch k {
		case "name":
			s, ok := t[k].(string)
			if !ok || !nameRE.MatchString(s) {
				p.fail(kp, "want a name of letters, digits, '_', '.' and '-' (not starting with a punctuation mark), got %s %s", tomlType(t[k]), formatTOML(t[k]))
			}
			sp.name = s
		case "description":
			s, ok := t[k].(string)
			if !ok {
				p.fail(kp, "want a string, got %s %s", tomlType(t[k]), formatTOML(t[k]))
			}
			sp.description = s
		case "repeats":
			n, ok := t[k].(int64)
			switch {
			case !ok:
				p.fail(kp, "want an integer, got %s %s", tomlType(t[k]), formatTOML(t[k]))
			case n < 1:
				p.fail(kp, "repeats %d must be at least 1", n)
			default:
				sp.repeats = int(n)
			}
		case "cluster":
			s, ok := t[k].(string)
			if !ok || !slices.Contains(Clusters, s) {
				p.fail(kp, "want one of %s, got %s %s", strings.Join(quoteAll(Clusters), ", "), tomlType(t[k]), formatTOML(t[k]))
			}
			sp.cluster = s
		default:
			p.fail(kp, "%s", unknownKey("key", k, sweepKeys))
		}
	}
	if _, ok := t["name"]; !ok {
		p.fail(path, `missing name = "..." in [sweep]`)
	}
}

// settableKeys are the config keys a file may set; repeat is derived.
func settableKeys() []string {
	return slices.DeleteFunc(slices.Clone(fieldNames), func(k string) bool { return k == keyRepeat })
}

// checkKey reports a key that a partial configuration may not set.
func (p *parser) checkKey(path []string, key string) bool {
	switch _, ok := fields[key]; {
	case key == keyRepeat:
		p.fail(path, "repeat cannot be set: each run gets repeat 0 .. repeats-1 from [sweep] repeats")
	case !ok:
		p.fail(path, "%s", unknownKey("config key", key, settableKeys()))
	default:
		return true
	}
	return false
}

// value checks and converts one value of a config key; variant names are recorded as uses.
func (p *parser) value(path []string, key string, v any, selects bool) (any, bool) {
	val, msg := fields[key].convert(v)
	if msg != "" {
		if key == keyVariant {
			msg += " (the name of a [variants.NAME] table)"
		}
		p.fail(path, "%s", msg)
		return nil, false
	}
	if key == keyVariant {
		p.uses = append(p.uses, variantUse{name: val.(string), at: path, selects: selects})
	}
	return val, true
}

// partialTable reads a table of config keys. The variant it selects, if allowed, is
// returned apart from the settings.
func (p *parser) partialTable(path []string, v any, allowVariant bool) (partial, string) {
	t, ok := p.table(path, v)
	if !ok {
		return nil, ""
	}
	var set partial
	variant := ""
	for _, k := range p.ordered(path, t) {
		kp := child(path, k)
		if !p.checkKey(kp, k) {
			continue
		}
		if k == keyVariant && !allowVariant {
			p.fail(kp, "a variant cannot select a variant; its name is its label")
			continue
		}
		val, ok := p.value(kp, k, t[k], true)
		switch {
		case !ok:
		case k == keyVariant:
			variant = val.(string)
		default:
			set = append(set, setting{key: k, value: val, at: kp})
		}
	}
	return set, variant
}

func (p *parser) variantTables(sp *spec, v any) {
	if v == nil {
		return
	}
	path := []string{"variants"}
	t, ok := p.table(path, v)
	if !ok {
		return
	}
	for _, name := range p.ordered(path, t) {
		vp := child(path, name)
		if strings.TrimSpace(name) == "" {
			p.fail(vp, "a variant needs a non-blank name")
			continue
		}
		set, _ := p.partialTable(vp, t[name], false)
		sp.variants[name] = set
		sp.variantAt[name] = vp
	}
}

// axisValues checks the list of values of one axis key; distinct asks for values that
// all differ (a zip group checks its rows instead).
func (p *parser) axisValues(path []string, key string, v any, distinct bool) ([]any, bool) {
	if !p.checkKey(path, key) {
		return nil, false
	}
	list, ok := v.([]any)
	if !ok {
		p.fail(path, "an axis is an array of values, got %s %s; for one value write %s = [%s]",
			tomlType(v), formatTOML(v), key, formatTOML(v))
		return nil, false
	}
	if len(list) == 0 {
		p.fail(path, "empty axis: it would give no runs; give at least one value")
		return nil, false
	}
	if len(list) > maxRuns {
		p.fail(path, "the axis has %d values; a sweep has at most %d runs, split it into several files", len(list), maxRuns)
		return nil, false
	}
	vals := make([]any, len(list))
	first := make(map[string]int, len(list)) // value key -> first index
	good := true
	for i, e := range list {
		ep := child(path, index(i))
		val, ok := p.value(ep, key, e, true)
		good = good && ok
		vals[i] = val
		if !distinct || !ok || val == nil {
			continue
		}
		k := valueKey(val)
		if j, dup := first[k]; dup {
			p.fail(ep, "value %s repeats value [%d]; the values of an axis must differ", formatTOML(val), j)
			good = false
			continue
		}
		first[k] = i
	}
	return vals, good
}

func (p *parser) gridTable(sp *spec, v any) {
	if v == nil {
		return
	}
	path := []string{"grid"}
	t, ok := p.table(path, v)
	if !ok {
		return
	}
	if len(t) == 0 {
		p.fail(path, "empty [grid]: give at least one axis (key = [values]) or remove the table")
	}
	for _, k := range p.ordered(path, t) {
		kp := child(path, k)
		if vals, ok := p.axisValues(kp, k, t[k], true); ok {
			p.addAxis(sp, axis{at: kp, keys: []string{k}, keyAt: [][]string{kp}, values: [][]any{vals}, n: len(vals)})
		}
	}
}

func (p *parser) zipTables(sp *spec, v any) {
	if v == nil {
		return
	}
	tables, ok := p.tableList([]string{"zip"}, v)
	if !ok {
		return
	}
	for i, t := range tables {
		if ax, ok := p.zipGroup([]string{"zip", index(i)}, t); ok {
			p.addAxis(sp, ax)
		}
	}
}

// zipGroup reads one [[zip]] table: lists of equal length whose i-th values go together.
func (p *parser) zipGroup(path []string, t map[string]any) (axis, bool) {
	ax := axis{at: path, n: -1}
	if len(t) == 0 {
		p.fail(path, "empty zip group: give keys with lists of equal length")
		return ax, false
	}
	good := true
	for _, k := range p.ordered(path, t) {
		kp := child(path, k)
		vals, ok := p.axisValues(kp, k, t[k], false)
		if !ok {
			good = false
			continue
		}
		if ax.n >= 0 && len(vals) != ax.n {
			p.fail(kp, "has %d values but %s has %d; the lists of a zip group vary together and need the same length",
				len(vals), ax.keys[0], ax.n)
			good = false
			continue
		}
		ax.n = len(vals)
		ax.keys = append(ax.keys, k)
		ax.keyAt = append(ax.keyAt, kp)
		ax.values = append(ax.values, vals)
	}
	return ax, good && p.distinctRows(ax)
}

// distinctRows refuses a zip group in which two positions set the same values.
func (p *parser) distinctRows(ax axis) bool {
	first := make(map[string]int, ax.n) // row key -> first position
	for i := range ax.n {
		var row strings.Builder
		for k := range ax.keys {
			row.WriteString(valueKey(ax.values[k][i]))
			row.WriteByte(1)
		}
		if j, dup := first[row.String()]; dup {
			p.fail(child(ax.keyAt[0], index(i)), "position [%d] of the zip group repeats position [%d]", i, j)
			return false
		}
		first[row.String()] = i
	}
	return true
}

// addAxis appends an axis unless one of its keys already varies in another axis.
func (p *parser) addAxis(sp *spec, ax axis) {
	for k, key := range ax.keys {
		for _, other := range sp.axes {
			if j := slices.Index(other.keys, key); j >= 0 {
				p.fail(ax.keyAt[k], "%s is already an axis at %s (line %d); a key can vary in one axis only",
					key, displayPath(other.keyAt[j]), p.places.lookup(other.keyAt[j]).line)
				return
			}
		}
	}
	sp.axes = append(sp.axes, ax)
}

func (p *parser) excludeTables(sp *spec, v any) {
	if v == nil {
		return
	}
	tables, ok := p.tableList([]string{"exclude"}, v)
	if !ok {
		return
	}
	for i, t := range tables {
		path := []string{"exclude", index(i)}
		if len(t) == 0 {
			p.fail(path, "empty exclude rule: it would drop every grid point")
			continue
		}
		r := rule{at: path}
		good := true
		for _, k := range p.ordered(path, t) {
			kp := child(path, k)
			if !p.checkKey(kp, k) {
				good = false
				continue
			}
			val, ok := p.value(kp, k, t[k], false)
			good = good && ok
			r.match = append(r.match, setting{key: k, value: val, at: kp})
		}
		if good {
			sp.excludes = append(sp.excludes, r)
		}
	}
}

func (p *parser) includeTables(sp *spec, v any) {
	if v == nil {
		return
	}
	tables, ok := p.tableList([]string{"include"}, v)
	if !ok {
		return
	}
	for i, t := range tables {
		path := []string{"include", index(i)}
		if len(t) == 0 {
			p.fail(path, "empty include: it would only repeat the base configuration")
			continue
		}
		set, variant := p.partialTable(path, t, true)
		sp.includes = append(sp.includes, extra{at: path, variant: variant, set: set})
	}
}

// checkVariants refuses a name that is not a defined variant, a variant that nothing
// selects (a run silently missing from the grid), and a variant setting that an axis
// would silently override.
func (p *parser) checkVariants(sp *spec) {
	defined := slices.Sorted(maps.Keys(sp.variants))
	selected := map[string]bool{}
	for _, u := range p.uses {
		if _, ok := sp.variants[u.name]; !ok {
			if len(defined) == 0 {
				p.fail(u.at, "variant %q is not defined: there are no [variants.NAME] tables", u.name)
			} else {
				p.fail(u.at, "variant %q is not defined; defined: %s", u.name, strings.Join(defined, ", "))
			}
		}
		selected[u.name] = selected[u.name] || u.selects
	}
	for _, name := range defined {
		if !selected[name] {
			p.fail(sp.variantAt[name], "variant %q is defined but nothing selects it: add it to the variant axis or an [[include]], or remove it", name)
		}
	}
	for _, ax := range sp.axes {
		for k, key := range ax.keys {
			p.checkOverride(sp, key, ax.keyAt[k])
		}
	}
}

func (p *parser) checkOverride(sp *spec, key string, axisAt []string) {
	for name, set := range sp.variants {
		for _, s := range set {
			if s.key == key {
				p.fail(s.at, "variant %q sets %s, which is also an axis at %s (line %d): the axis would override it",
					name, key, displayPath(axisAt), p.places.lookup(axisAt).line)
			}
		}
	}
}
