package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"sweep/config"
	"sweep/data"
	"sweep/runner/official"
	"sweep/vocab"
)

// Planned is one run of a sweep, placed: its ID, run directory and a short label.
type Planned struct {
	Index    int // of the run in the list given to Plan
	ID       string
	Key      config.Key // what the ID hashes
	LegacyID string     // the ID earlier versions gave this configuration
	Config   config.Run // as the sweep gives it, a folder dataset's path made absolute
	Dir      string
	Label    string // the variant and the config values that differ between the sweep's runs
}

// Plan gives each run its ID (the hash of its config.Key: what it computes, the dataset's
// fingerprint, the code version and the numeric backend) and its directory runsDir/ID.
// Runs that compute the same thing are one run; the first occurrence is kept.
func Plan(runs []config.Run, runsDir string) ([]Planned, error) {
	abs, err := filepath.Abs(runsDir)
	if err != nil {
		return nil, err
	}
	keys := differingKeys(runs)
	fingerprints := map[string]string{}
	seen := map[string]bool{}
	var out []Planned
	for i, r := range runs {
		legacy := config.LegacyID(r)
		if r, err = resolveDataset(r); err != nil {
			return nil, err
		}
		fp, ok := fingerprints[r.Dataset]
		if !ok {
			if fp, err = data.Fingerprint(r); err != nil {
				return nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
			}
			fingerprints[r.Dataset] = fp
		}
		key := config.NewKey(r, fp)
		id := key.ID()
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, Planned{Index: i, ID: id, Key: key, LegacyID: legacy, Config: r, Dir: filepath.Join(abs, id), Label: label(r, keys)})
	}
	return out, nil
}

// resolveDataset makes a folder dataset's path absolute, so that the run names one folder
// wherever it is started from.
func resolveDataset(r config.Run) (config.Run, error) {
	if strings.HasPrefix(r.Dataset, "builtin:") {
		return r, nil
	}
	abs, err := filepath.Abs(r.Dataset)
	if err != nil {
		return r, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	r.Dataset = abs
	return r, nil
}

// Values returns a run's config as key → value text, the way the command executor and the
// dry run show it: strings bare, lists comma-joined, numbers and booleans as in JSON.
// Numbers keep their exact JSON text (an int64 seed is not rounded through float64).
func Values(r config.Run) map[string]string {
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(r.Canonical())))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		panic(err) // canonical JSON of a plain struct always decodes
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = valueText(v)
	}
	return out
}

func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = valueText(e)
		}
		return strings.Join(parts, ",")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// differingKeys are the config keys (other than variant) whose values are not the same in
// every run, in field order.
func differingKeys(runs []config.Run) []string {
	return config.Varying(runs, Values, "variant")
}

func label(r config.Run, keys []string) string {
	vals := Values(r)
	parts := []string{r.Variant}
	if r.Variant == "" {
		parts[0] = "-"
	}
	for _, k := range keys {
		parts = append(parts, k+"="+vals[k])
	}
	return strings.Join(parts, " ")
}

// State is what a run needs next, judged from its stored status.
func State(status vocab.Status, force bool) string {
	switch status {
	case vocab.StatusCompleted:
		if force {
			return "rerun (forced)"
		}
		return "done"
	case "", vocab.StatusPending:
		return "new"
	case vocab.StatusRunning, vocab.StatusInterrupted:
		return "resume"
	case vocab.StatusFailed:
		return "retry"
	}
	return string(status)
}

// PrintPlan writes one line per planned run (ID, variant, state, differing values) and a
// count of the runs that would execute. status maps a run ID to its stored status.
func PrintPlan(w io.Writer, sweep string, plan []Planned, status map[string]vocab.Status, force bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVARIANT\tSTATE\tVALUES")
	todo := 0
	for _, p := range plan {
		st := State(status[p.ID], force)
		if st != "done" {
			todo++
		}
		_, values, _ := strings.Cut(p.Label, " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.Config.Variant, st, values)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "sweep %q: %d runs, %d done, %d to run\n", sweep, len(plan), len(plan)-todo, todo)
	return err
}

// PrintOfficialCommands writes the two command lines (train.py, then test.py) of each run of
// the official executor, as a slot of devices (cpu:N or gpu:I,...) would start them afresh.
func PrintOfficialCommands(w io.Writer, plan []Planned, devices string) error {
	gpu := strings.HasPrefix(strings.TrimSpace(devices), "gpu:")
	for _, p := range plan {
		if p.Config.Executor != vocab.ExecutorOfficial {
			continue
		}
		train, test, err := official.Commands(p.Config, p.Dir, gpu)
		if err != nil {
			return fmt.Errorf("run %s: %w", p.ID, err)
		}
		fmt.Fprintf(w, "\nrun %s (official code %s):\n  %s\n  %s\n", p.ID, p.Config.OfficialCode,
			official.CommandLine(train), official.CommandLine(test))
	}
	return nil
}
