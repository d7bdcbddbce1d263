// Package report turns the results store into tables (Markdown, CSV, JSON) after the paper's
// tables, plots and image grids, and checks results against a stored baseline.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"sweep/config"
	"sweep/internal/atomicfile"
	"sweep/results"
	"sweep/vocab"
)

// Options choose what a report shows.
type Options struct {
	Format     string    // "md", "csv", "json", "latex" or "html" (a folder: see RenderHTML)
	Sweep      string    // one sweep; "" for every sweep in the store
	Kind       Kind      // table kind; "" or KindAuto chooses by ChooseKind
	PlotsDir   string    // write plots here and link them; "" for none
	PlotFormat string    // the plots' file format: "png" (or ""), "svg" or "pdf"; image grids are PNG
	LinkBase   string    // directory the Markdown links are relative to; "" keeps PlotsDir as given
	GridImages int       // test images per image grid; 0 for the default
	Epoch      EpochMode // the epoch each run is reported at; "" for EpochFinal
	Metrics    []string  // the metric columns, in order; nil for fid, swd_avg and seg_*
	Published  bool      // add the paper's numbers for the configurations run, as a table of their own
	LossBand   string    // the spread of seeds around a row's loss curve: BandMinMax (or "") or BandStd
	LossSmooth float64   // the EMA weight of the previous value in the loss overlays, in [0, 1); 0: none
}

// Formats lists the report formats.
var Formats = []string{"md", "csv", "json", "latex", "html"}

// Report is everything a report shows.
type Report struct {
	Sweeps []SweepReport `json:"sweeps"`
	Source string        `json:"published_source"`
}

// SweepReport is one sweep's run counts, table and plots.
type SweepReport struct {
	Name   string               `json:"name"`
	Counts map[vocab.Status]int `json:"counts"`
	Tables []Table              `json:"tables"`
	Plots  []Plot               `json:"plots,omitempty"`
}

// WriteReport opens the store at dbPath and writes its report to w.
func WriteReport(w io.Writer, dbPath string, opt Options) error {
	if err := opt.check(); err != nil {
		return err
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	return Render(w, s, opt)
}

// Render builds the report of s and writes it to w in opt.Format.
func Render(w io.Writer, s *results.Store, opt Options) error {
	if err := opt.check(); err != nil {
		return err
	}
	if opt.Format == "html" {
		return errors.New("format html writes a folder, not one stream: use RenderHTML (sweep report --format html --out DIR)")
	}
	rep, err := Build(s, opt)
	if err != nil {
		return err
	}
	switch opt.Format {
	case "csv":
		return writeCSV(w, rep)
	case "json":
		return writeJSON(w, rep)
	case "latex":
		return writeLatex(w, rep)
	}
	return writeMarkdown(w, rep, opt)
}

// Build assembles the report: one table per sweep, and plots when opt.PlotsDir is set.
func Build(s *results.Store, opt Options) (*Report, error) {
	if err := opt.checkTable(); err != nil {
		return nil, err
	}
	pub, err := LoadPublished()
	if err != nil {
		return nil, err
	}
	names, err := sweepNames(s, opt.Sweep)
	if err != nil {
		return nil, err
	}
	rep := &Report{Source: pub.Source, Sweeps: []SweepReport{}}
	known := map[string]bool{}
	for _, name := range names {
		sr, err := buildSweep(s, name, opt, pub, known)
		if err != nil {
			return nil, err
		}
		rep.Sweeps = append(rep.Sweeps, sr)
	}
	return rep, checkMetrics(opt.Metrics, known)
}

// checkMetrics refuses an asked-for metric that no completed run of the report has.
func checkMetrics(asked []string, known map[string]bool) error {
	for _, m := range asked {
		if !known[m] {
			names := slices.Collect(maps.Keys(known))
			sortMetrics(names)
			return fmt.Errorf("metric %q is unknown; known: %s", m, strings.Join(names, ", "))
		}
	}
	return nil
}

// check refuses an unknown format, table kind or epoch mode.
func (opt Options) check() error {
	if !slices.Contains(Formats, opt.Format) {
		return fmt.Errorf("format %q is unknown; allowed: md, csv, json, latex, html", opt.Format)
	}
	return opt.checkTable()
}

// PlotFormats lists the plots' file formats.
var PlotFormats = []string{"png", "svg", "pdf"}

// checkTable refuses an unknown table kind, epoch mode or plot format.
func (opt Options) checkTable() error {
	if opt.PlotFormat != "" && !slices.Contains(PlotFormats, opt.PlotFormat) {
		return fmt.Errorf("plot format %q is unknown; allowed: png, svg, pdf", opt.PlotFormat)
	}
	if opt.Kind != "" && !slices.Contains(Kinds, opt.Kind) {
		return fmt.Errorf("table kind %q is unknown; allowed: auto, methods, ablation, layers, queries", opt.Kind)
	}
	if err := checkLossOptions(opt.LossBand, opt.LossSmooth); err != nil {
		return err
	}
	return checkEpochMode(opt.Epoch)
}

func sweepNames(s *results.Store, sweep string) ([]string, error) {
	all, err := s.Sweeps()
	if err != nil {
		return nil, err
	}
	if sweep == "" {
		return all, nil
	}
	if !slices.Contains(all, sweep) {
		return nil, fmt.Errorf("sweep %q is not in %s; it has: %v", sweep, s.Path(), all)
	}
	return []string{sweep}, nil
}

func buildSweep(s *results.Store, name string, opt Options, pub *Published, known map[string]bool) (SweepReport, error) {
	d, err := load(s, name, opt.Epoch)
	if err != nil {
		return SweepReport{}, err
	}
	for _, m := range metricsOf(d.Groups) {
		known[m] = true
	}
	sr := SweepReport{Name: name, Counts: d.Counts, Tables: []Table{}}
	if len(d.Groups) == 0 {
		return sr, nil
	}
	kind := opt.Kind
	if kind == "" || kind == KindAuto {
		kind = ChooseKind(configsOf(d.Groups))
	}
	t := buildTable(d, kind, pub, opt.Metrics)
	if opt.Published {
		t.Published = pub.table(t, d.Groups)
	}
	sr.Tables = append(sr.Tables, t)
	if opt.PlotsDir != "" {
		plots, err := writePlots(s, d, t, opt)
		if err != nil {
			return SweepReport{}, err
		}
		sr.Plots = plots
	}
	return sr, nil
}

func configsOf(groups []*Group) []config.Run {
	out := make([]config.Run, len(groups))
	for i, g := range groups {
		out[i] = g.Config
	}
	return out
}

// WriteReportFile writes the report to path atomically.
func WriteReportFile(path, dbPath string, opt Options) error {
	var buf bytes.Buffer
	if err := WriteReport(&buf, dbPath, opt); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}
