package report

import (
	"context"
	"flag"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotutil"

	"sweep/internal/imagefile"
	"sweep/internal/sweeptest"
)

var screenshotCopy = flag.String("screenshot", "", "also write the browser test's screenshot of index.html to this file")

// chromium finds the browser, skipping the test when there is none unless
// SWEEP_REQUIRE_CHROMIUM=1, where a missing browser fails it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SWEEP_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium is not installed (apt-get install chromium, or make deps) and SWEEP_REQUIRE_CHROMIUM=1")
	}
	t.Skip("chromium is not installed (apt-get install chromium, or make deps); set SWEEP_REQUIRE_CHROMIUM=1 to fail instead of skipping")
	return ""
}

// headless runs the browser on a page with args and returns what it printed on stdout.
func headless(t *testing.T, browser, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--window-size=1280,2000", "--user-data-dir=" + t.TempDir(), "--no-first-run", "--allow-file-access-from-files"}, args...)
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+page)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", browser, args, err, stderr.String())
	}
	return out
}

// The report's index page, opened in a real browser, shows its table and its plots: the
// screenshot has the table's ruled lines and text at the top and the bar charts' colour
// further down, and the rendered DOM has the table's rows and images that loaded from
// files of the site.
func TestHTMLInBrowser(t *testing.T) {
	browser := chromium(t)
	dir, _ := writeTestSite(t)
	index, err := filepath.Abs(filepath.Join(dir, htmlIndex))
	if err != nil {
		t.Fatal(err)
	}

	shot := filepath.Join(t.TempDir(), "index.png")
	headless(t, browser, index, "--screenshot="+shot)
	if *screenshotCopy != "" {
		b, err := os.ReadFile(shot)
		mustDo(t, err)
		mustDo(t, os.WriteFile(*screenshotCopy, b, 0o644))
	}
	img, err := imagefile.ReadPNG(shot)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Fatalf("screenshot is %v, want 1280x2000", b)
	}
	checkScreenshot(t, img)

	dom := string(headless(t, browser, index, "--dump-dom", "--virtual-time-budget=5000"))
	checkDOM(t, dom, dir)
}

// checkScreenshot looks for the results table (long dark horizontal rules and dark text in
// the top 700 pixels), the bar charts (the colour of their mean bars) and the image grid (a
// block of a test image's colour).
func checkScreenshot(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	dark := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return (r>>8)+(g>>8)+(bl>>8) < 3*110
	}
	rules, darkPx := 0, 0
	for y := 0; y < 700; y++ {
		run := 0
		long := false
		for x := b.Min.X; x < b.Max.X; x++ {
			if dark(x, y) {
				darkPx++
				run++
				long = long || run >= 300
			} else {
				run = 0
			}
		}
		if long {
			rules++
		}
	}
	if rules < 4 { // the top and bottom of the table and the lines between its rows
		t.Errorf("screenshot: %d rows with a dark horizontal line of 300 pixels or more in the top 700, want the table's rules (at least 4)", rules)
	}
	if darkPx < 5000 {
		t.Errorf("screenshot: %d dark pixels in the top 700 rows, want the table's text (at least 5000)", darkPx)
	}
	if n := countNear(img, plotutil.Color(0), 12); n < 500 {
		t.Errorf("screenshot: %d pixels of the mean bars' colour %v, want bar charts (at least 500)", n, plotutil.Color(0))
	}
	// The grid's Local column: writeTestImages shade 120, first image green 0, blue 100.
	if n := countNear(img, color.RGBA{120, 0, 100, 255}, 6); n < 1000 {
		t.Errorf("screenshot: %d pixels of the first test image's colour, want an image grid (at least 1000)", n)
	}
}

// countNear counts the pixels of img within tol of c in each channel.
func countNear(img image.Image, c color.Color, tol int) int {
	cr, cg, cb, _ := c.RGBA()
	near := func(a, b uint32) bool { d := int(a>>8) - int(b>>8); return d >= -tol && d <= tol }
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, cr) && near(g, cg) && near(bl, cb) {
				n++
			}
		}
	}
	return n
}

var (
	domRow = regexp.MustCompile(`(?s)<tr id="[^"]*-r\d+"[^>]*>(.*?)</tr>`)
	domImg = regexp.MustCompile(`<img [^>]*>`)
	domAtt = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
)

// checkDOM checks the page after the browser rendered it: one table row per variant and
// published row, and every image loaded (its natural width, recorded by the page's script
// on load, is not 0) from a file of the site.
func checkDOM(t *testing.T, dom, dir string) {
	t.Helper()
	rows := domRow.FindAllStringSubmatch(dom, -1)
	var labels []string
	for _, r := range rows {
		if m := regexp.MustCompile(`<td class="label">([^<]*)</td>`).FindStringSubmatch(r[1]); m != nil {
			labels = append(labels, m[1])
		}
	}
	for _, want := range []string{"CUT", "Global", "Local"} {
		if !strings.Contains(strings.Join(labels, "\n"), want) {
			t.Errorf("rendered table rows %q lack %q", labels, want)
		}
	}
	imgs := domImg.FindAllString(dom, -1)
	if len(imgs) != 5 {
		t.Errorf("rendered page has %d img elements, want 5 (2 bar charts, 2 loss overlays, 1 grid)", len(imgs))
	}
	for _, tag := range imgs {
		att := map[string]string{}
		for _, m := range domAtt.FindAllStringSubmatch(tag, -1) {
			att[m[1]] = m[2]
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(att["src"]))); err != nil {
			t.Errorf("img %s: %v", tag, err)
		}
		if w := att["data-natural-width"]; w == "" || w == "0" || strings.Contains(att["class"], "missing") {
			t.Errorf("img %s did not load", tag)
		}
	}
}

// realSweep is a sweep of two variants, two seeds each, small enough to train in seconds.
const realSweep = `[sweep]
name = "tiny"
repeats = 1

[base]
dataset = "builtin:zebra"
train_size = 4
test_size = 2
load_size = 36
crop_size = 32
ngf = 8
ndf = 8
n_blocks = 5
netf_nc = 16
queries = 16
n_epochs = 1
n_epochs_decay = 1
metrics = ["swd", "gt"]

[variants.A]
mode = "global"
[variants.CUT]
mode = "cut"

[grid]
variant = ["A", "CUT"]
seed = [1, 2]
`

// The HTML report of runs that really trained, from the database sweep run wrote, shows
// in the browser its table, its bar charts and its image grid, all loaded.
func TestHTMLOfRealRunsInBrowser(t *testing.T) {
	browser := chromium(t)
	if testing.Short() {
		t.Skip("trains four tiny runs")
	}
	work := t.TempDir()
	bin, err := sweeptest.Build(work)
	if err != nil {
		t.Fatal(err)
	}
	file, db := filepath.Join(work, "tiny.toml"), filepath.Join(work, "sweep.db")
	mustDo(t, os.WriteFile(file, []byte(realSweep), 0o644))
	cmd := exec.Command(bin, "run", "--db", db, "--runs-dir", filepath.Join(work, "runs"), "--devices", "cpu:2", file)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	dir := filepath.Join(work, "site")
	mustDo(t, WriteHTML(dir, db, Options{Format: "html"}))
	index := filepath.Join(dir, htmlIndex)
	_, links := checkLinks(t, index)
	runPages := 0
	for _, l := range links {
		if strings.HasPrefix(l, htmlRunsDir+"/") {
			runPages++
			checkLinks(t, filepath.Join(dir, filepath.FromSlash(l)))
		}
	}
	if runPages < 4 {
		t.Errorf("index links %d run pages, want at least 4", runPages)
	}

	shot := filepath.Join(work, "index.png")
	headless(t, browser, index, "--screenshot="+shot)
	img, err := imagefile.ReadPNG(shot)
	if err != nil {
		t.Fatal(err)
	}
	if n := countNear(img, plotutil.Color(0), 12); n < 500 {
		t.Errorf("screenshot: %d pixels of the mean bars' colour, want bar charts (at least 500)", n)
	}
	dom := string(headless(t, browser, index, "--dump-dom", "--virtual-time-budget=5000"))
	rows := domRow.FindAllString(dom, -1)
	if len(rows) < 2 {
		t.Errorf("rendered page has %d table rows, want A and CUT", len(rows))
	}
	imgs := domImg.FindAllString(dom, -1)
	if !slices.ContainsFunc(imgs, func(s string) bool { return strings.Contains(s, "/grid-") }) {
		t.Errorf("rendered page has no image grid among %q", imgs)
	}
	for _, tag := range imgs {
		if strings.Contains(tag, `data-natural-width="0"`) || !strings.Contains(tag, "data-natural-width=") {
			t.Errorf("img %s did not load", tag)
		}
	}
}
