package report

import (
	"fmt"
	"html"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// writeTestSite writes the HTML report of a methods sweep whose runs have images, losses,
// provenance and logs on disk, plus a failed run, into a new folder and returns it.
func writeTestSite(t *testing.T) (dir string, runs []results.Run) {
	t.Helper()
	root := t.TempDir()
	s := newStore(t)
	fakes := plotFakes(t, root)
	fakes = append(fakes, fake{sweep: "methods", variant: "Local", mode: "local", seed: 3, status: vocab.StatusFailed})
	runs = addFakes(t, s, fakes)
	for _, r := range runs {
		mustDo(t, s.SetProvenance(r.ID, results.Provenance{GitCommit: "0123456789abcdef", Backend: "purego", GoVersion: "go1.26.0",
			Modules: map[string]string{"gonum.org/v1/plot": "v0.17.0"}, Host: "testhost", CPU: "test cpu", Seed: r.Config.Seed,
			Recorded: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}))
		if r.Dir != "" {
			var log strings.Builder
			for k := range 100 {
				fmt.Fprintf(&log, "log line %03d\n", k)
			}
			log.WriteString("final line of run " + r.ID + "\n")
			mustDo(t, os.WriteFile(filepath.Join(r.Dir, rundir.LogFile), []byte(log.String()), 0o644))
		}
	}
	dir = filepath.Join(root, "site")
	mustDo(t, RenderHTML(dir, s, Options{Format: "html", GridImages: 2}))
	return dir, runs
}

var (
	srcAttr  = regexp.MustCompile(`<img[^>]*\ssrc="([^"]*)"`)
	hrefAttr = regexp.MustCompile(`\shref="([^"]*)"`)
	idAttr   = regexp.MustCompile(`\sid="([^"]*)"`)
)

func attrs(re *regexp.Regexp, page string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func readPage(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkLinks checks that every image and link of the page at path is local and leads to a
// file that exists (and to an id that exists, for a link with a fragment).
func checkLinks(t *testing.T, path string) (imgs, links []string) {
	t.Helper()
	page := readPage(t, path)
	imgs, links = attrs(srcAttr, page), attrs(hrefAttr, page)
	for _, ref := range slices.Concat(imgs, links) {
		if strings.Contains(ref, "://") || strings.HasPrefix(ref, "//") {
			t.Errorf("%s: %q is not a local file", path, ref)
			continue
		}
		file, frag, _ := strings.Cut(ref, "#")
		target := path
		if file != "" {
			target = filepath.Join(filepath.Dir(path), filepath.FromSlash(file))
		}
		if _, err := os.Stat(target); err != nil {
			t.Errorf("%s: %q: %v", path, ref, err)
			continue
		}
		if frag != "" && !slices.Contains(attrs(idAttr, readPage(t, target)), frag) {
			t.Errorf("%s: %q: no element with id %q in %s", path, ref, frag, target)
		}
	}
	return imgs, links
}

func TestHTMLSite(t *testing.T) {
	dir, runs := writeTestSite(t)
	index := filepath.Join(dir, htmlIndex)
	imgs, links := checkLinks(t, index)
	// 2 bar charts and 1 image grid inline; the runs' 6 loss plots only linked.
	count := func(prefix string) int {
		n := 0
		for _, src := range imgs {
			if strings.HasPrefix(path.Base(src), prefix) {
				n++
			}
		}
		return n
	}
	if count("bar-") != 2 || count("grid-") != 1 || count("loss-") != 0 {
		t.Errorf("index shows %v, want 2 bar charts, 1 grid and no single run's loss plot", imgs)
	}
	page := readPage(t, index)
	for _, want := range []string{"<table class=\"results\">", "<td class=\"label\">CUT</td>", "Welch", "1 failed"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if strings.Contains(page, "**") {
		t.Errorf("index.html has Markdown bold marks")
	}
	if strings.Contains(page, "Published numbers") {
		t.Errorf("index.html names the paper's numbers, which it shows only with --published")
	}
	for _, r := range runs {
		path := filepath.Join(dir, htmlRunsDir, r.ID+".html")
		if !slices.Contains(links, htmlRunsDir+"/"+r.ID+".html") {
			t.Errorf("index.html does not link run %s", r.ID)
		}
		rimgs, rlinks := checkLinks(t, path)
		rp := html.UnescapeString(readPage(t, path))
		if !slices.ContainsFunc(rlinks, func(l string) bool { return strings.HasPrefix(l, "../index.html#") }) {
			t.Errorf("%s does not link back to a place in index.html", path)
		}
		for _, want := range []string{r.ID, `"seed": ` + strconv.FormatInt(r.Config.Seed, 10), "0123456789abcdef", "testhost"} {
			if !strings.Contains(rp, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		if r.Dir == "" { // the failed run: no losses, the database's log tail
			if len(rimgs) != 0 || !strings.Contains(rp, "boom") {
				t.Errorf("%s: failed run page has images %v or lacks its log tail", path, rimgs)
			}
			continue
		}
		if len(rimgs) != 1 || !strings.HasPrefix(rimgs[0], "../"+htmlPlotsDir+"/") {
			t.Errorf("%s: images %v, want its loss plot", path, rimgs)
		}
		// 101 lines: the last 60 are 041..099 and the final one.
		if !strings.Contains(rp, "final line of run "+r.ID) || !strings.Contains(rp, "log line 041") || strings.Contains(rp, "log line 040") {
			t.Errorf("%s: log is not the tail of log.txt", path)
		}
	}
	// Nothing half-written is left behind.
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return err
	})
	mustDo(t, err)
}

// With --plot-format svg the site shows SVG plots (grids stay PNG); pdf, which an img
// element cannot show, is refused.
func TestHTMLPlotFormat(t *testing.T) {
	root := t.TempDir()
	s := newStore(t)
	addFakes(t, s, plotFakes(t, root))
	dir := filepath.Join(root, "site")
	mustDo(t, RenderHTML(dir, s, Options{PlotFormat: "svg"}))
	imgs, _ := checkLinks(t, filepath.Join(dir, htmlIndex))
	for _, src := range imgs {
		want := ".svg"
		if strings.HasPrefix(path.Base(src), "grid-") {
			want = ".png"
		}
		if filepath.Ext(src) != want {
			t.Errorf("index shows %s, want a %s file", src, want)
		}
	}
	err := RenderHTML(filepath.Join(root, "pdf"), s, Options{PlotFormat: "pdf"})
	if err == nil || !strings.Contains(err.Error(), "png or svg") {
		t.Errorf("html with pdf plots: error %v, want a refusal naming png or svg", err)
	}
}
