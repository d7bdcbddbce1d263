// Package layering_test checks the import directions of docs/architecture.md: its levels,
// the core's layers and the rules named there, each a table below. A forbidden import fails
// the test, naming the package, the import and the rule.
package layering_test

import (
	"errors"
	"go/build"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "sweep"

// levels are the levels of docs/architecture.md: a package imports only packages of lower
// levels, and an internal/ package also those of its own. Every package has a level; one
// under cmd/ is above all.
var levels = [][]string{
	{"vocab", "safetensors", "torchpt", "linalg", "vec", "internal"},
	{"tensor", "config"},
	{"ops", "experiments", "rundir", "metrics/inception", "internal/tensortest"},
	{"core", "data", "results", "metrics/drn"},
	{"checkpoint", "translate", "report", "metrics"},
	{"evaluate"},
	{"job", "runner/official"},
	{"runner", "perf"},
	{"runner/command", "cluster/slurm"},
	{"preflight"},
	{"cmd"},
}

// layers are the numerical core: each may import, of sweep's packages, only those listed.
var layers = map[string][]string{
	"linalg": {},
	"vec":    {},
	"tensor": {"linalg"},
	"ops":    {"linalg", "tensor", "vec"},
	"core":   {"linalg", "tensor", "ops", "vec", "vocab"},
}

// rules forbid imports: no package at or below from may import one at or below any of to.
var rules = []struct {
	from, to []string
	why      string
}{
	{[]string{"runner"}, []string{"core", "ops", "tensor"},
		"the runner schedules child processes; training happens in them (job, through sweep exec)"},
	{[]string{"core", "ops", "tensor", "linalg", "vec"}, []string{"config", "runner", "results"},
		"the numerical core knows no run configuration, scheduling or store"},
	{[]string{"report"}, []string{"runner"},
		"a report reads the results store; it runs nothing"},
	{[]string{"metrics", "data"}, []string{"rundir"},
		"metrics and data return their own values; evaluate and job make them a run's records"},
}

func TestImportDirections(t *testing.T) {
	for _, tags := range [][]string{nil, {"purego"}} {
		graph := importGraph(t, tags)
		for _, name := range slices.Concat(slices.Concat(levels...), slices.Collect(maps.Keys(layers)), ruleNames()) {
			if !slices.ContainsFunc(slices.Collect(maps.Keys(graph)), func(p string) bool { return within(p, name) }) {
				t.Errorf("package %s of a rule does not exist; update the rules and docs/architecture.md", name)
			}
		}
		for pkg, imps := range graph {
			lp, ok := level(pkg)
			if !ok {
				t.Errorf("package %s has no level; give it one here and in docs/architecture.md", pkg)
			}
			for _, imp := range imps {
				if li, _ := level(imp); ok && (li > lp || li == lp && !(within(pkg, "internal") && within(imp, "internal"))) {
					t.Errorf("%s (level %d) imports %s (level %d) (tags %v): imports go to lower levels only", pkg, lp, imp, li, tags)
				}
				if allowed, ok := layers[pkg]; ok && !slices.Contains(allowed, imp) {
					t.Errorf("%s imports %s (tags %v): a core layer imports only %v", pkg, imp, tags, allowed)
				}
				for _, r := range rules {
					if slices.ContainsFunc(r.from, func(f string) bool { return within(pkg, f) }) &&
						slices.ContainsFunc(r.to, func(f string) bool { return within(imp, f) }) {
						t.Errorf("%s imports %s (tags %v): %s", pkg, imp, tags, r.why)
					}
				}
			}
		}
	}
}

// importGraph maps each package of the module (its path without "sweep/") to the module's
// packages its non-test files import under the build tags.
func importGraph(t *testing.T, tags []string) map[string][]string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	ctx := build.Default
	ctx.BuildTags = tags
	graph := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "shared") {
			return filepath.SkipDir
		}
		pkg, err := ctx.ImportDir(path, 0)
		if _, ok := errors.AsType[*build.NoGoError](err); ok {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		var imps []string
		for _, imp := range pkg.Imports {
			if p, ok := strings.CutPrefix(imp, module+"/"); ok {
				imps = append(imps, p)
			}
		}
		graph[filepath.ToSlash(rel)] = imps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

// level is the level of pkg: that of the longest name of levels it is at or below.
func level(pkg string) (int, bool) {
	best, l := "", 0
	for i, names := range levels {
		for _, name := range names {
			if within(pkg, name) && len(name) > len(best) {
				best, l = name, i+1
			}
		}
	}
	return l, best != ""
}

// within reports whether pkg is name or below it.
func within(pkg, name string) bool { return pkg == name || strings.HasPrefix(pkg, name+"/") }

func ruleNames() []string {
	var out []string
	for _, r := range rules {
		out = append(out, r.from...)
		out = append(out, r.to...)
	}
	return out
}
