package vocab

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestMetricOf(t *testing.T) {
	for name, want := range map[string]Metric{"fid": MetricFID, "swd_avg": MetricSWD, "swd_64": MetricSWD, "seg_miou": MetricSeg,
		"gt_background_l1": MetricGT, "fidelity": "", "swd": MetricSWD, "loss_G": ""} {
		if got := MetricOf(name); got != want {
			t.Errorf("MetricOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestParseNamesTheAllowed: every listed value parses to itself; any other is refused with
// the kind of value and every allowed one.
func TestParseNamesTheAllowed(t *testing.T) {
	check := func(name string, parse func(string) (string, error), values []string, want string) {
		t.Helper()
		for _, v := range values {
			if got, err := parse(v); err != nil || got != v {
				t.Errorf("%s: parse(%q) = %q, %v", name, v, got, err)
			}
		}
		if _, err := parse("nope"); err == nil || err.Error() != want {
			t.Errorf("%s: parse(nope) = %v, want %q", name, err, want)
		}
	}
	check("mode", adapt(ParseMode), strs(Modes()), `mode "nope" is unknown; allowed: global, random_global, entropy_noroute, self_route_entropy, self_route_random, informer, local, local_global, cut`)
	check("layers", adapt(ParseLayers), strs(AllLayers()), `attn_layers "nope" is unknown; allowed: last2, all, all_unpooled`)
	check("executor", adapt(ParseExecutor), strs(Executors()), `executor "nope" is unknown; allowed: builtin, command, official`)
	check("metric", adapt(ParseMetric), strs(Metrics()), `metric "nope" is unknown; allowed: swd, fid, seg, gt`)
	check("status", adapt(ParseStatus), strs(Statuses()), `status "nope" is unknown; allowed: pending, running, completed, failed, interrupted`)
	check("outcome", adapt(ParseOutcome), strs(Outcomes()), `outcome "nope" is unknown; allowed: completed, failed, retrying, interrupted, busy`)
}

func adapt[T ~string](parse func(string) (T, error)) func(string) (string, error) {
	return func(s string) (string, error) {
		v, err := parse(s)
		return string(v), err
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestModeProperties(t *testing.T) {
	for _, m := range Modes() {
		if m.Attends() != (m != ModeCUT) {
			t.Errorf("%s.Attends() = %v", m, m.Attends())
		}
	}
	var official []Mode
	for _, m := range Modes() {
		if m.Official() {
			official = append(official, m)
		}
	}
	if got := Join(official, ","); got != "global,local,local_global,cut" {
		t.Errorf("official modes %s", got)
	}
}

// settings is a record of every type, as a configuration or a database row holds them.
type settings struct {
	Mode     Mode     `json:"mode" toml:"mode"`
	Layers   Layers   `json:"layers" toml:"layers"`
	Executor Executor `json:"executor" toml:"executor"`
	Metrics  []Metric `json:"metrics" toml:"metrics"`
	Status   Status   `json:"status" toml:"status"`
	Outcome  Outcome  `json:"outcome" toml:"outcome"`
}

// TestTextIsTheString: JSON and TOML write each value as its plain string and read it back;
// an unknown value is refused when read.
func TestTextIsTheString(t *testing.T) {
	s := settings{ModeLocalGlobal, LayersAllUnpooled, ExecutorOfficial, []Metric{MetricGT, MetricFID}, StatusInterrupted, OutcomeBusy}
	b, err := json.Marshal(s)
	want := `{"mode":"local_global","layers":"all_unpooled","executor":"official","metrics":["gt","fid"],"status":"interrupted","outcome":"busy"}`
	if err != nil || string(b) != want {
		t.Fatalf("json %s, %v; want %s", b, err, want)
	}
	var back settings
	if err := json.Unmarshal(b, &back); err != nil || back.Mode != s.Mode || back.Metrics[1] != MetricFID || back.Outcome != OutcomeBusy {
		t.Errorf("json read back %+v, %v", back, err)
	}
	var fromTOML settings
	if _, err := toml.Decode("mode = \"cut\"\nlayers = \"all\"\nmetrics = [\"seg\"]\nstatus = \"failed\"\n", &fromTOML); err != nil ||
		fromTOML.Mode != ModeCUT || fromTOML.Layers != LayersAll || fromTOML.Metrics[0] != MetricSeg || fromTOML.Status != StatusFailed {
		t.Errorf("toml read %+v, %v", fromTOML, err)
	}
	err = json.Unmarshal([]byte(`{"mode":"globl"}`), &back)
	if err == nil || !strings.Contains(err.Error(), `mode "globl" is unknown; allowed: global,`) {
		t.Errorf("unknown mode read as %v", err)
	}
	if _, err := toml.Decode(`metrics = ["lpips"]`, &back); err == nil || !strings.Contains(err.Error(), `metric "lpips" is unknown`) {
		t.Errorf("unknown metric read from TOML as %v", err)
	}
}
