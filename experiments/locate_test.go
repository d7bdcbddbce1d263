package experiments

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestLocate(t *testing.T) {
	src := `# a comment with [brackets] and key = "value"
[sweep]
name = "x" # trailing [comment]

[variants."Local+Global"]
mode = 'local_global'
[variants . B]
a.b = 1
text = """
queries = [1, 2]
[grid]
"""
lit = '''
x = {'''

[grid]
queries = [
  64,   # first
  "s,]}",
  [1, 2],
]
inline = {a = 1, "b c" = {d = 2}}

[[include]]
variant = "A"
[[include]]
variant = "B"
ngf = 8
[[include.sub]]
k = 1
[[include]]
tables = [{x = 1},
  {y = 2}]
`
	want := map[string]int{
		"sweep":                      2,
		"sweep.name":                 3,
		`variants.Local+Global`:      5,
		`variants.Local+Global.mode`: 6,
		"variants.B":                 7,
		"variants.B.a.b":             8,
		"variants.B.text":            9,
		"variants.B.lit":             13,
		"grid":                       16,
		"grid.queries":               17,
		"grid.queries[0]":            18,
		"grid.queries[1]":            19,
		"grid.queries[2]":            20,
		"grid.queries[2][1]":         20,
		"grid.inline.a":              22,
		"grid.inline.b c.d":          22,
		"include":                    24,
		"include[0].variant":         25,
		"include[1]":                 26,
		"include[1].variant":         27,
		"include[1].ngf":             28,
		"include[1].sub[0].k":        30,
		"include[2]":                 31,
		"include[2].tables[0].x":     32,
		"include[2].tables[1].y":     33,
	}
	var doc map[string]any
	if _, err := toml.Decode(src, &doc); err != nil {
		t.Fatalf("the test document is not valid TOML: %v", err)
	}
	found := locate(src)
	for key, line := range want {
		path := splitDisplay(key)
		got, ok := found[pathID(path)]
		if !ok {
			t.Errorf("%s: not located", key)
			continue
		}
		if got.line != line {
			t.Errorf("%s: line %d, want %d", key, got.line, line)
		}
	}
	if _, ok := found[pathID([]string{"queries"})]; ok {
		t.Error("a key inside a multi-line string was taken for a key")
	}
}

// splitDisplay inverts displayPath for the test's simple names ("b c" keeps its space).
func splitDisplay(key string) []string {
	var path []string
	for _, part := range strings.Split(key, ".") {
		for {
			i := strings.Index(part, "[")
			if i < 0 {
				break
			}
			if i > 0 {
				path = append(path, part[:i])
			}
			j := strings.Index(part, "]")
			path = append(path, part[i:j+1])
			part = part[j+1:]
		}
		if part != "" {
			path = append(path, part)
		}
	}
	return path
}

func TestLookupFallsBackToParent(t *testing.T) {
	found := locate("[grid]\nqueries = [1, 2]\n")
	if got := found.lookup([]string{"grid", "queries", "[1]", "x"}).line; got != 2 {
		t.Errorf("line %d, want 2", got)
	}
	if got := found.lookup([]string{"nowhere"}).line; got != 0 {
		t.Errorf("line %d, want 0 for an unknown key", got)
	}
}

func TestDisplayPath(t *testing.T) {
	if got := displayPath([]string{"include", "[1]", "variant"}); got != "include[1].variant" {
		t.Errorf("got %q", got)
	}
}
