package experiments

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse (and the key locator behind it) panic or hang;
// under plain go test it runs the shipped files as its corpus.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.toml")
	more, _ := filepath.Glob("examples/*.toml")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a = \"\"\"x\"\"\"\"\"\n[b . 'c']\nd = [{e = 1}, [2, {f = 3}]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.toml", data)
		if err == nil && len(s.Runs) == 0 {
			t.Error("a sweep without runs parsed without error")
		}
		locate(string(data))
	})
}
