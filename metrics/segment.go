package metrics

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"sweep/internal/imagefile"
	"sweep/internal/shellquote"
)

// Segmenter predicts a label map (train ids 0..N-1, row-major w×h) for one image. Images
// passed by this package are *imagefile.RGB values, so a segmenter may type-assert for the raw pixels.
type Segmenter interface {
	Segment(img image.Image) (labels []uint8, w, h int, err error)
}

// SegmentFunc adapts a function that labels an image at its own size to a Segmenter.
type SegmentFunc func(img image.Image) ([]uint8, error)

// Segment calls f; the label map has the image's size.
func (f SegmentFunc) Segment(img image.Image) ([]uint8, int, int, error) {
	labels, err := f(img)
	b := img.Bounds()
	return labels, b.Dx(), b.Dy(), err
}

// DirSegmenter is a Segmenter that can also label a whole folder in one go, writing one
// label PNG per image, named by the image's file name with the extension ".png".
type DirSegmenter interface {
	Segmenter
	SegmentDir(imgDir, outDir string) error
}

// CommandSegmenter runs an external program. Template is a shell command (run by sh -c) in
// which {in} is replaced by an image folder and {out} by an empty folder where the program
// must write one 8-bit grey or paletted PNG of train ids per image, with the image's name and
// the extension ".png".
type CommandSegmenter struct {
	Template string
	Ctx      context.Context // nil: context.Background()
}

// SegmentDir runs the command once on a folder.
func (s CommandSegmenter) SegmentDir(imgDir, outDir string) error {
	if !strings.Contains(s.Template, "{in}") || !strings.Contains(s.Template, "{out}") {
		return fmt.Errorf("segmenter command %q must contain {in} and {out}", s.Template)
	}
	cmdline := strings.NewReplacer("{in}", shellQuote(imgDir), "{out}", shellQuote(outDir)).Replace(s.Template)
	ctx := s.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	out, err := exec.CommandContext(ctx, "sh", "-c", cmdline).CombinedOutput()
	if err != nil {
		return fmt.Errorf("segmenter command %q: %w\n%s", cmdline, err, tail(out, 2000))
	}
	return nil
}

// Segment labels one image by running the command on a temporary folder holding it.
func (s CommandSegmenter) Segment(img image.Image) ([]uint8, int, int, error) {
	dir, err := os.MkdirTemp("", "sweep-seg-")
	if err != nil {
		return nil, 0, 0, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.Mkdir(in, 0o755); err != nil {
		return nil, 0, 0, err
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, 0, 0, err
	}
	if err := imagefile.WritePNG(filepath.Join(in, "image.png"), img); err != nil {
		return nil, 0, 0, err
	}
	if err := s.SegmentDir(in, out); err != nil {
		return nil, 0, 0, err
	}
	return ReadLabelPNG(filepath.Join(out, "image.png"), LabelTrainID)
}

func shellQuote(s string) string { return shellquote.Quote(s) }

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// LabelFormat says how ground-truth label images encode classes.
type LabelFormat string

const (
	LabelTrainID LabelFormat = "trainid" // grey/paletted values are train ids; ≥ N (255) ignored
	LabelID      LabelFormat = "labelid" // grey/paletted Cityscapes labelIds, mapped to train ids
	LabelColor   LabelFormat = "color"   // RGB gtFine_color images, nearest Cityscapes colour
	// LabelAuto reads grey and paletted images as train ids and any other as colours.
	LabelAuto LabelFormat = "auto"
)

// ReadLabelPNG reads a label image as train ids, refusing one whose header declares more than
// imagefile's limits.
func ReadLabelPNG(path string, format LabelFormat) ([]uint8, int, int, error) {
	img, _, err := imagefile.Read(path)
	if err != nil {
		return nil, 0, 0, err
	}
	labels, err := decodeLabels(img, format)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	return labels, b.Dx(), b.Dy(), nil
}

func decodeLabels(img image.Image, format LabelFormat) ([]uint8, error) {
	b := img.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy())
	if format == LabelAuto {
		format = LabelColor
		if _, ok := labelValue(img, b.Min.X, b.Min.Y); ok {
			format = LabelTrainID
		}
	}
	switch format {
	case LabelTrainID, LabelID:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				v, ok := labelValue(img, x, y)
				if !ok {
					return nil, fmt.Errorf("label image is %T; %s labels need 8-bit grey or paletted PNG", img, format)
				}
				if format == LabelID {
					v = CityscapesTrainID(v)
				}
				out = append(out, v)
			}
		}
	case LabelColor:
		m := imagefile.ToRGB(img)
		for i := 0; i < len(m.Pix); i += 3 {
			out = append(out, CityscapesColorTrainID(m.Pix[i], m.Pix[i+1], m.Pix[i+2]))
		}
	default:
		return nil, fmt.Errorf("label format %q is unknown; use %s, %s, %s or %s", format, LabelTrainID, LabelID, LabelColor, LabelAuto)
	}
	return out, nil
}

// labelValue returns the class index of a pixel of a grey or paletted image.
func labelValue(img image.Image, x, y int) (uint8, bool) {
	switch m := img.(type) {
	case *image.Gray:
		return m.GrayAt(x, y).Y, true
	case *image.Paletted:
		return m.ColorIndexAt(x, y), true
	}
	return 0, false
}

// predictionPath is where a DirSegmenter writes the labels of image path.
func predictionPath(outDir, path string) string {
	return filepath.Join(outDir, stem(path)+".png")
}

func stem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

var (
	segmentersMu sync.Mutex
	segmenters   = map[string]func(arg string) (Segmenter, error){}
)

// RegisterSegmenter makes a segmenter available to NewSegmenter under name. The factory
// receives the text after "name:" in the spec ("" if none).
func RegisterSegmenter(name string, factory func(arg string) (Segmenter, error)) {
	segmentersMu.Lock()
	defer segmentersMu.Unlock()
	segmenters[name] = factory
}

// NewSegmenter builds a segmenter from a spec: "cmd:<shell template with {in} and {out}>"
// for a CommandSegmenter, or "<name>[:<arg>]" for a registered one.
func NewSegmenter(spec string) (Segmenter, error) {
	name, arg, _ := strings.Cut(spec, ":")
	if name == "cmd" {
		if arg == "" {
			return nil, fmt.Errorf("segmenter %q: no command after cmd:", spec)
		}
		return CommandSegmenter{Template: arg}, nil
	}
	segmentersMu.Lock()
	factory, ok := segmenters[name]
	known := make([]string, 0, len(segmenters))
	for n := range segmenters {
		known = append(known, n)
	}
	segmentersMu.Unlock()
	if !ok {
		slices.Sort(known)
		return nil, fmt.Errorf("segmenter %q is unknown; use cmd:<command> or one of %v", name, known)
	}
	return factory(arg)
}
