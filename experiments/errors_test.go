package experiments

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// head is a valid start for the bad files: [sweep] on lines 1-2, [base] on lines 3-6.
const head = `[sweep]
name = "bad"
[base]
crop_size = 32
load_size = 36
queries = 16
`

// TestBadFiles checks that each kind of mistake gets its own error naming the file, the
// line and the key. Line numbers count from 1; head takes lines 1-6.
func TestBadFiles(t *testing.T) {
	cases := []struct {
		name string
		src  string
		line int
		key  string
		msg  string
	}{
		{"syntax", head + "ngf == 8\n", 7, "base.ngf", "TOML syntax: expected value but found '=' instead"},
		{"duplicate key", head + "queries = 32\n", 7, "base.queries", "already been defined"},
		{"unknown table", head + "[grdi]\nqueries = [16]\n", 7, "grdi", `unknown table "grdi" (did you mean "grid"?)`},
		{"key above the first table", "name = \"x\"\n" + head, 1, "name", `unknown top-level key "name"; allowed: sweep, base`},
		{"missing sweep", "[base]\nngf = 8\n", 0, "sweep", "missing [sweep] table"},
		{"missing name", "[sweep]\ndescription = \"x\"\n[base]\n", 1, "sweep", "missing name"},
		{"bad name", "[sweep]\nname = \"my sweep\"\n", 2, "sweep.name", `want a name of letters`},
		{"unknown sweep key", "[sweep]\nname = \"x\"\nrepeat = 2\n", 3, "sweep.repeat", `unknown key "repeat" (did you mean "repeats"?)`},
		{"repeats below 1", "[sweep]\nname = \"x\"\nrepeats = 0\n", 3, "sweep.repeats", "repeats 0 must be at least 1"},
		{"repeats not an integer", "[sweep]\nname = \"x\"\nrepeats = 2.5\n", 3, "sweep.repeats", "want an integer, got float 2.5"},
		{"unknown base key", head + "crop_sise = 48\n", 7, "base.crop_sise", `unknown config key "crop_sise" (did you mean "crop_size"?)`},
		{"unknown key without a close match", head + "learning_rate_of_g = 1\n", 7, "base.learning_rate_of_g", "allowed: attn_layers, batch_size"},
		{"wrong type", "[sweep]\nname = \"x\"\n[base]\ncrop_size = \"64\"\n", 4, "base.crop_size", `want an integer, got string "64"`},
		{"wrong type in a list", head + "metrics = [\"swd\", 1]\n", 7, "base.metrics", `want an array of strings, got array ["swd", 1]`},
		{"repeat set", head + "repeat = 1\n", 7, "base.repeat", "repeat cannot be set"},
		{"base not a table", "base = 3\n[sweep]\nname = \"x\"\n", 1, "base", "must be a table ([base]), got integer 3"},
		{"empty axis", head + "[grid]\nqueries = []\n", 8, "grid.queries", "empty axis"},
		{"axis not a list", head + "[grid]\nqueries = 64\n", 8, "grid.queries", "an axis is an array of values, got integer 64; for one value write queries = [64]"},
		{"axis over a non-config key", head + "[grid]\nepochs = [1, 2]\n", 8, "grid.epochs", `unknown config key "epochs"`},
		{"axis value of the wrong type", head + "[grid]\nngf = [\n  8,\n  \"16\",\n]\n", 10, "grid.ngf[1]", `want an integer, got string "16"`},
		{"repeated axis value", head + "[grid]\nngf = [8,\n 16,\n 8]\n", 10, "grid.ngf[2]", "value 8 repeats value [0]"},
		{"empty grid", head + "[grid]\n", 7, "grid", "empty [grid]"},
		{"duplicate axis", head + "[grid]\nngf = [8, 16]\n[[zip]]\nndf = [8, 16]\nngf = [8, 16]\n", 11, "zip[0].ngf", "ngf is already an axis at grid.ngf (line 8)"},
		{"zip of unequal lengths", head + "[[zip]]\nngf = [8, 16]\nndf = [8, 16, 24]\n", 9, "zip[0].ndf", "has 3 values but ngf has 2"},
		{"zip as a single table", head + "[zip]\nngf = [8, 16]\n", 7, "zip", "must be an array of tables: write [[zip]]"},
		{"zip repeating a position", head + "[[zip]]\nngf = [8, 16, 8]\nndf = [8, 16, 8]\n", 8, "zip[0].ngf[2]", "position [2] of the zip group repeats position [0]"},
		{"empty zip", head + "[[zip]]\n[grid]\nngf = [8]\n", 7, "zip[0]", "empty zip group"},
		{"undefined variant", head + "[variants.A]\nmode = \"global\"\n[grid]\nvariant = [\"A\", \"B\"]\n", 10, "grid.variant[1]", `variant "B" is not defined; defined: A`},
		{"variant without variants", head + "variant = \"A\"\n", 7, "base.variant", `variant "A" is not defined: there are no [variants.NAME] tables`},
		{"variant not a string", head + "[variants.A]\n[grid]\nvariant = [1]\n[[include]]\nvariant = \"A\"\n", 9, "grid.variant[0]", "want a string, got integer 1 (the name of a [variants.NAME] table)"},
		{"unused variant", head + "[variants.A]\nmode = \"global\"\n[variants.B]\nmode = \"cut\"\n[grid]\nvariant = [\"A\"]\n", 9, "variants.B", `variant "B" is defined but nothing selects it`},
		{"variant selecting a variant", head + "[variants.A]\nvariant = \"A\"\n[grid]\nvariant = [\"A\"]\n", 8, "variants.A.variant", "a variant cannot select a variant"},
		{"variant not a table", head + "[variants]\nA = \"global\"\n[grid]\nvariant = [\"A\"]\n", 8, "variants.A", `must be a table ([variants.A]), got string "global"`},
		{"variant overridden by an axis", head + "[variants.A]\nqueries = 8\n[grid]\nvariant = [\"A\"]\nqueries = [4, 8]\n", 8, "variants.A.queries", "variant \"A\" sets queries, which is also an axis at grid.queries (line 11)"},
		{"unknown exclude key", head + "[grid]\nngf = [8, 16]\n[[exclude]]\nngff = 8\n", 10, "exclude[0].ngff", `unknown config key "ngff" (did you mean "ngf"?)`},
		{"exclude of the wrong type", head + "[grid]\nngf = [8, 16]\n[[exclude]]\nngf = \"8\"\n", 10, "exclude[0].ngf", `want an integer, got string "8"`},
		{"empty exclude", head + "[grid]\nngf = [8, 16]\n[[exclude]]\n", 9, "exclude[0]", "empty exclude rule"},
		{"exclude matching nothing", head + "[grid]\nngf = [8, 16]\n[[exclude]]\nngf = 12\n", 9, "exclude[0]", "the rule (ngf=12) matches no grid point"},
		{"everything excluded", head + "[grid]\nngf = [8]\n[[exclude]]\nngf = 8\n", 0, "", "the sweep has no runs"},
		{"unknown include key", head + "[grid]\nngf = [8]\n[[include]]\nfoo = 1\n", 10, "include[0].foo", `unknown config key "foo"`},
		{"empty include", head + "[grid]\nngf = [8]\n[[include]]\n[[include]]\nngf = 16\n", 9, "include[0]", "empty include"},
		{"invalid grid point", head + "[grid]\nngf = [8]\nqueries = [16, 128]\n", 9, "grid point (ngf=8, queries=128)", "queries 128 exceeds the 64 positions"},
		{"invalid grid point, blamed on its variant", head + "[variants.A]\nqueries = 128\n[variants.B]\n[grid]\nvariant = [\"A\", \"B\"]\n", 8,
			`grid point (variant="A")`, "queries 128 exceeds"},
		{"invalid base", "[sweep]\nname = \"x\"\n\n[base]\ncrop_size = 30\n", 5, "base", "crop_size 30 must be a multiple of 4"},
		{"nan rate", "[sweep]\nname = \"x\"\n[base]\nlr = nan\n", 4, "base", "lr NaN is out of range"},
		{"infinite temperature", head + "[grid]\nnce_t = [0.07, inf]\n", 8, "grid point (nce_t=+Inf)", "nce_t +Inf is out of range"},
		{"duplicate metric", head + "metrics = [\"gt\",\n  \"gt\"]\n", 7, "base", `metric "gt" is listed twice`},
		{"invalid include", head + "[grid]\nngf = [8]\n[[include]]\nmode = \"globl\"\n", 10, "include[0]", `mode "globl" is unknown`},
		{"duplicate run", head + "[grid]\nngf = [8, 16]\n[[include]]\nngf = 16\n", 9, "include[0]", "resolves to the same configuration as grid point (ngf=16)"},
		{"duplicate seed across repeats", "[sweep]\nname = \"x\"\nrepeats = 2\n[base]\ncrop_size = 32\nload_size = 36\nqueries = 16\n[grid]\nseed = [1, 2]\n", 9,
			"grid point (seed=1) repeat 1", "same configuration as grid point (seed=2) repeat 0 (seed 2"},
		{"variants equal but for the label", head + "[variants.A]\nmode = \"cut\"\n[variants.B]\nmode = \"cut\"\n[grid]\nvariant = [\"A\", \"B\"]\n", 12,
			`grid point (variant="B")`, `same configuration as grid point (variant="A")`},
		{"grid too large", head + "[grid]\nngf = [1,2,3,4,5,6,7,8,9,10]\nndf = [1,2,3,4,5,6,7,8,9,10]\nnetf_nc = [1,2,3,4,5,6,7,8,9,10]\n" +
			"n_epochs = [1,2,3,4,5,6,7,8,9,10]\nn_epochs_decay = [1,2,3,4,5,6,7,8,9,10]\nseed = [1,2,3,4,5,6,7,8,9,10]\n", 8, "grid.ngf", "the sweep has more than 100000 runs"},
		{"too many repeats", "[sweep]\nname = \"x\"\nrepeats = 100001\n" + head[len("[sweep]\nname = \"bad\"\n"):], 3, "sweep.repeats", "the sweep has more than 100000 runs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.toml", []byte(c.src))
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v is not an *Error", err)
			}
			if e.File != "bad.toml" || e.Line != c.line || e.Key != c.key || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got  file %q line %d key %q msg %q\nwant file %q line %d key %q msg containing %q",
					e.File, e.Line, e.Key, e.Msg, "bad.toml", c.line, c.key, c.msg)
			}
			prefix := "bad.toml"
			if c.line > 0 {
				prefix += fmt.Sprintf(":%d", c.line)
			}
			if c.key != "" {
				prefix += ": " + c.key
			}
			if !strings.HasPrefix(err.Error(), prefix+": ") {
				t.Errorf("message %q does not start with %q", err.Error(), prefix+": ")
			}
		})
	}
}

// Every mistake of a phase is reported, in the order of the lines.
func TestAllErrorsReported(t *testing.T) {
	_, err := Parse("bad.toml", []byte(head+"[grid]\nngf = [8, 8]\n[[exclude]]\nfoo = 1\n[variants.Z]\n"))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`bad.toml:8: grid.ngf[1]: value 8 repeats value [0]; the values of an axis must differ`,
		`bad.toml:10: exclude[0].foo: unknown config key "foo"`,
		`bad.toml:11: variants.Z: variant "Z" is defined but nothing selects it`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("error %d: %q, want prefix %q", i, lines[i], want[i])
		}
	}
}

func TestManyInvalidPointsAreCounted(t *testing.T) {
	_, err := Parse("bad.toml", []byte(head+"[grid]\nngf = [1,2,3,4,5,6,7,8,9,10,11,12]\nbatch_size = [2]\n"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if n := strings.Count(msg, "batch_size 2 is not supported"); n != maxInvalid {
		t.Errorf("%d grid points reported, want %d", n, maxInvalid)
	}
	if !strings.Contains(msg, "2 more grid points fail validation (12 in all)") {
		t.Errorf("no count of the rest in:\n%s", msg)
	}
}
