// Package experiments reads sweep files: TOML grids of run configurations, parsed strictly
// and expanded into the fully resolved, validated config.Run of every run, in a deterministic
// order. The format is described in docs/toml.md.
package experiments

import (
	"os"

	"github.com/BurntSushi/toml"

	"sweep/config"
)

// Sweep is a parsed, expanded grid.
type Sweep struct {
	Name, Description string
	File              string       // path it was loaded from
	Runs              []config.Run // fully resolved, each valid, deterministic order, no duplicates

	sets   [][]partial // sets[i]: the settings that made Runs[i], most specific first
	places places      // where every key of File is
}

// Load reads a sweep file and parses it.
func Load(path string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse checks a sweep file's contents and expands its grid. file names the source in
// errors. Every problem found in a phase is reported, joined, each as an *Error.
func Parse(file string, data []byte) (*Sweep, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	p := &parser{file: file, places: locate(string(data))}
	sp := p.spec(doc)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	runs, sets := p.expand(sp)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return &Sweep{Name: sp.name, Description: sp.description, File: file, Runs: runs, sets: sets, places: p.places}, nil
}
