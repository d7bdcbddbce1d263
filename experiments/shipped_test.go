package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sweep/config"
	"sweep/vocab"
)

// shipped lists every sweep file in this folder with the runs it must expand to.
var shipped = map[string]struct {
	runs  int
	check func(t *testing.T, s *Sweep)
}{
	"ablation.toml": {24, func(t *testing.T, s *Sweep) {
		modes := map[string]vocab.Mode{"A": "global", "B": "random_global", "C": "entropy_noroute",
			"D": "self_route_entropy", "E": "self_route_random", "F": "informer", "G": "local", "H": "local_global"}
		for i, r := range s.Runs {
			wantVariant := string(rune('A' + i%8))
			if r.Variant != wantVariant || r.Mode != modes[r.Variant] || r.Repeat != i/8 || r.Seed != int64(1+i/8) {
				t.Errorf("run %d: variant %s mode %s repeat %d seed %d", i, r.Variant, r.Mode, r.Repeat, r.Seed)
			}
		}
		sameScale(t, s, "builtin:zebra", 32, 36, 32)
	}},
	"queries.toml": {8, func(t *testing.T, s *Sweep) {
		got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%s/%d", r.Variant, r.Mode, r.Queries) })
		want := []string{"QS-Attn/global/64", "QS-Attn/global/128", "QS-Attn/global/256", "QS-Attn/global/512",
			"CUT/cut/64", "CUT/cut/128", "CUT/cut/256", "CUT/cut/512"}
		if !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
		for _, r := range s.Runs {
			if hw := (r.CropSize / 4) * (r.CropSize / 4); hw < 512 {
				t.Errorf("crop_size %d gives %d attention positions, fewer than 512", r.CropSize, hw)
			}
		}
	}},
	"layers.toml": {2, func(t *testing.T, s *Sweep) {
		got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%s/%s", r.Variant, r.Mode, r.AttnLayers) })
		if want := []string{"A/global/last2", "B/global/all"}; !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
		sameScale(t, s, "builtin:zebra", 48, 52, 64)
	}},
	"methods.toml": {8, func(t *testing.T, s *Sweep) {
		got := column(s.Runs, func(r config.Run) string {
			return fmt.Sprintf("%s/%s/%s/%s", r.Dataset, r.Variant, r.Mode, vocab.Join(r.Metrics, "+"))
		})
		want := []string{
			"builtin:zebra/CUT/cut/swd+gt", "builtin:zebra/Global/global/swd+gt",
			"builtin:zebra/Local/local/swd+gt", "builtin:zebra/Local+Global/local_global/swd+gt",
			"builtin:cityscapes/CUT/cut/swd+seg", "builtin:cityscapes/Global/global/swd+seg",
			"builtin:cityscapes/Local/local/swd+seg", "builtin:cityscapes/Local+Global/local_global/swd+seg",
		}
		if !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
	}},
	"smoke.toml": {2, func(t *testing.T, s *Sweep) {
		got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%s", r.Variant, r.Mode) })
		if want := []string{"A/global", "CUT/cut"}; !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
		sameScale(t, s, "builtin:zebra", 32, 36, 16)
		for _, r := range s.Runs {
			if r.NGF != 8 || r.NBlocks != 5 || r.TrainSize != 8 || r.Epochs+r.EpochsDecay != 2 {
				t.Errorf("smoke run too large: ngf %d n_blocks %d train_size %d epochs %d+%d",
					r.NGF, r.NBlocks, r.TrainSize, r.Epochs, r.EpochsDecay)
			}
		}
	}},
	"examples/published.toml": {3, func(t *testing.T, s *Sweep) {
		for _, r := range s.Runs {
			if r.Checkpoint == "" || !strings.HasSuffix(r.Checkpoint, "latest_net_G.pth") || r.Executor != "builtin" {
				t.Errorf("run %s: checkpoint %q executor %q", r.Variant, r.Checkpoint, r.Executor)
			}
		}
	}},
	"examples/official.toml": {3, func(t *testing.T, s *Sweep) {
		got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%s/%s", r.Variant, r.Mode, r.Executor) })
		if want := []string{"A/global/official", "G/local/official", "H/local_global/official"}; !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
	}},
	"examples/official_gpu.toml": {3, func(t *testing.T, s *Sweep) {
		got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%s", r.Variant, r.Mode) })
		if want := []string{"A/global", "G/local", "H/local_global"}; !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
		for _, r := range s.Runs {
			if r.Executor != "command" || !strings.Contains(r.Command, "--QS_mode {mode}") || strings.Contains(r.Command, "\n") {
				t.Errorf("executor %q command %q", r.Executor, r.Command)
			}
			// A GPU slot's child sees its GPU as device 0: --gpu_ids takes the ordinal {gpu},
			// never the physical {gpu_index}.
			if strings.Count(r.Command, "--gpu_ids {gpu} ") != 2 || strings.Contains(r.Command, "--gpu_ids {gpu_index}") {
				t.Errorf("command %q: want --gpu_ids {gpu} in train and test", r.Command)
			}
			checkPlaceholders(t, r.Command)
			checkPlaceholders(t, r.CommandOut)
		}
	}},
}

// sameScale checks the [base] scale every run of a file shares.
func sameScale(t *testing.T, s *Sweep, dataset string, crop, load, queries int) {
	t.Helper()
	for i, r := range s.Runs {
		if r.Dataset != dataset || r.CropSize != crop || r.LoadSize != load || r.Queries != queries {
			t.Errorf("run %d: dataset %s crop %d load %d queries %d", i, r.Dataset, r.CropSize, r.LoadSize, r.Queries)
		}
	}
}

// checkPlaceholders refuses a {name} that is neither a config key nor id, run_dir, gpu or
// gpu_index.
func checkPlaceholders(t *testing.T, template string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`\{([^{}]*)\}`).FindAllStringSubmatch(template, -1) {
		if _, ok := fields[m[1]]; !ok && !slices.Contains([]string{"id", "run_dir", "gpu", "gpu_index"}, m[1]) {
			t.Errorf("unknown placeholder {%s} in %q", m[1], template)
		}
	}
}

func TestShippedFiles(t *testing.T) {
	files, err := filepath.Glob("*.toml")
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("examples/*.toml")
	files = append(files, examples...)
	for name := range shipped {
		if !slices.Contains(files, name) {
			t.Errorf("%s is missing", name)
		}
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			want, ok := shipped[file]
			if !ok {
				t.Fatalf("%s has no expectations in this test", file)
			}
			s, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Runs) != want.runs {
				t.Fatalf("%d runs, want %d", len(s.Runs), want.runs)
			}
			if s.Name == "" || s.Description == "" {
				t.Errorf("name %q description %q", s.Name, s.Description)
			}
			again, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			for i := range s.Runs {
				if a, b := config.NewKey(s.Runs[i], "").ID(), config.NewKey(again.Runs[i], "").ID(); a != b {
					t.Errorf("run %d: ID %s, then %s", i, a, b)
				}
			}
			want.check(t, s)
		})
	}
}

// The complete example of docs/toml.md expands as the text says.
func TestDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/toml.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "## A complete example\n\n```toml\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("no example in docs/toml.md")
	}
	s, err := Parse("docs/toml.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 16 {
		t.Errorf("%d runs, want the 16 the text promises", len(s.Runs))
	}
}
