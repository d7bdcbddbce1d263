package data

import (
	"errors"
	"image"
	"math/rand/v2"
	"slices"

	"sweep/internal/imagefile"
)

// The cityscapes set is the labels-to-photo analogue: street layouts drawn procedurally as
// Cityscapes label maps (trainIds 0..18, official colours; 255 = void, black) in domain A and
// photos rendered from layouts in domain B, each class with its own colour, texture and
// lighting noise. A test layout is rendered both ways; its trainIds are the segmentation truth.

const voidID = 255

// streetClass describes one trainId: its official label colour, and how photos render it.
type streetClass struct {
	name   string
	label  colour
	photo  colour
	grain  int // per-pixel noise amplitude, levels
	mottle int // small-blob noise amplitude, levels
}

// classes is indexed by trainId. Classes no layout uses keep a photo colour for completeness.
var classes = [19]streetClass{
	{"road", colour{128, 64, 128}, colour{85, 82, 90}, 5, 6},
	{"sidewalk", colour{244, 35, 232}, colour{160, 150, 145}, 4, 4},
	{"building", colour{70, 70, 70}, colour{140, 110, 90}, 4, 5},
	{"wall", colour{102, 102, 156}, colour{120, 120, 110}, 4, 4},
	{"fence", colour{190, 153, 153}, colour{110, 100, 80}, 4, 4},
	{"pole", colour{153, 153, 153}, colour{120, 125, 140}, 3, 0},
	{"traffic light", colour{250, 170, 30}, colour{60, 60, 40}, 3, 0},
	{"traffic sign", colour{220, 220, 0}, colour{220, 195, 40}, 4, 0},
	{"vegetation", colour{107, 142, 35}, colour{60, 115, 45}, 10, 18},
	{"terrain", colour{152, 251, 152}, colour{150, 170, 95}, 6, 10},
	{"sky", colour{70, 130, 180}, colour{170, 200, 235}, 2, 0},
	{"person", colour{220, 20, 60}, colour{165, 45, 60}, 6, 8},
	{"rider", colour{255, 0, 0}, colour{200, 60, 40}, 6, 8},
	{"car", colour{0, 0, 142}, colour{45, 60, 155}, 4, 6},
	{"truck", colour{0, 0, 70}, colour{70, 80, 100}, 4, 6},
	{"bus", colour{0, 60, 100}, colour{200, 200, 90}, 4, 6},
	{"train", colour{0, 80, 100}, colour{90, 150, 150}, 4, 6},
	{"motorcycle", colour{0, 0, 230}, colour{30, 30, 80}, 4, 6},
	{"bicycle", colour{119, 11, 32}, colour{110, 40, 40}, 4, 6},
}

const (
	road, sidewalk, building, pole, sign, vegetation, terrain, sky, person, car = 0, 1, 2, 5, 7, 8, 9, 10, 11, 13
)

var (
	voidLabel = colour{0, 0, 0}
	voidPhoto = colour{25, 25, 25}
	skyTop    = colour{145, 185, 230}
	skyLow    = colour{195, 215, 240}
)

// Darkening of the sidewalk's tile lines and the buildings' windows, Q8.
const tileShade, windowShade = 24, 38

// usedClasses are the trainIds that layouts contain (and the segmenter predicts), plus void.
var usedClasses = []uint8{road, sidewalk, building, pole, sign, vegetation, terrain, sky, person, car, voidID}

// street is one layout plus the random choices of its photo rendering.
type street struct {
	size      int
	labels    []uint8
	buildings []facade
	gain      int64 // global lighting, Q8
	shade     *noise
	grain     *noise
	mottle    *noise
	tile      int
}

type facade struct{ x0, x1, top, wx, wy, ox, oy int }

func newStreet(r *rand.Rand, size int) *street {
	S := size
	st := &street{size: S, labels: make([]uint8, S*S)}
	for i := range st.labels {
		st.labels[i] = sky
	}
	yh := between(r, S*38/100, S*50/100)
	st.skyline(r, yh)
	rd := st.ground(r, yh)
	st.poles(r, rd, yh)
	st.agents(r, rd, yh)
	if coin(r, 2, 5) {
		h := int64(between(r, S*4/100, S*8/100)) * 16
		b := int64(between(r, S*10/100, S*16/100)) * 16
		st.fillEllipse(newEllipse(q4(S/2), int64(S)*16+b-h, int64(S)*16, b, 0), voidID)
	}
	st.gain = int64(between(r, 235, 277))
	st.shade = newNoise(r, S, S, max(S/3, 2), max(S/3, 2), 10)
	st.grain = newNoise(r, S, S, 1, 1, 1)
	st.mottle = newNoise(r, S, S, 2, 2, 1)
	st.tile = max(S/12, 4)
	return st
}

// skyline fills the band above the horizon with buildings, trees and gaps of sky.
func (st *street) skyline(r *rand.Rand, yh int) {
	S := st.size
	for x := -intn(r, S/8+1); x < S; {
		w := between(r, S/8, S/3)
		switch k := intn(r, 10); {
		case k < 2: // a gap
		case k < 4:
			h := between(r, S/8, yh*8/10)
			st.fillEllipse(newEllipse(q4(x+w/2), q4(yh-h/2), int64(w)*8+8, int64(h)*8+8, 0), vegetation)
		default:
			top := between(r, S*6/100, max(yh-S*8/100, S*6/100))
			f := facade{x0: x, x1: x + w, top: top, wx: between(r, 3, max(S/16, 3)), wy: between(r, 3, max(S/12, 3))}
			f.ox, f.oy = intn(r, f.wx), intn(r, f.wy)
			st.buildings = append(st.buildings, f)
			st.fillRect(x, top, x+w, yh, building)
		}
		x += w
	}
}

// roadway holds the road's edges: at the horizon around vx, at the bottom from xl to xr.
type roadway struct{ vx, wt, xl, xr, yh, size int }

func (rd roadway) left(y int) int {
	return rd.vx - rd.wt + (rd.xl-(rd.vx-rd.wt))*(y-rd.yh)/(rd.size-rd.yh)
}

func (rd roadway) right(y int) int {
	return rd.vx + rd.wt + (rd.xr-(rd.vx+rd.wt))*(y-rd.yh)/(rd.size-rd.yh)
}

// ground fills below the horizon: terrain or sidewalk, a wider sidewalk band, then the road.
func (st *street) ground(r *rand.Rand, yh int) roadway {
	S := st.size
	base := uint8(sidewalk)
	if coin(r, 2, 5) {
		base = terrain
	}
	st.fillRect(0, yh, S, S, base)
	rd := roadway{vx: between(r, S*40/100, S*60/100), wt: between(r, S/40, S/14),
		xl: between(r, -S/4, S/6), xr: between(r, S*5/6, S*5/4), yh: yh, size: S}
	m := between(r, S/8, S*3/8)
	st.fillQuad(quadOf(rd.vx-3*rd.wt, yh, rd.vx+3*rd.wt, yh, rd.xr+m, S, rd.xl-m, S), sidewalk)
	st.fillQuad(quadOf(rd.vx-rd.wt, yh, rd.vx+rd.wt, yh, rd.xr, S, rd.xl, S), road)
	return rd
}

func quadOf(x0, y0, x1, y1, x2, y2, x3, y3 int) quad {
	return quad{{int64(x0) * 16, int64(y0) * 16}, {int64(x1) * 16, int64(y1) * 16},
		{int64(x2) * 16, int64(y2) * 16}, {int64(x3) * 16, int64(y3) * 16}}
}

// poles stand beside the road, some carrying a sign.
func (st *street) poles(r *rand.Rand, rd roadway, yh int) {
	S := st.size
	for range intn(r, 4) {
		yb := between(r, yh+S/10, S-S/20)
		d := yb - yh
		x := rd.left(yb) - between(r, S/40, S/10)
		if coin(r, 1, 2) {
			x = rd.right(yb) + between(r, S/40, S/10)
		}
		w := max(1, d/16)
		top := max(yb-d*between(r, 120, 200)/100, 0)
		st.fillRect(x, top, x+w, yb, pole)
		if coin(r, 1, 2) {
			sw := max(2, d/6)
			st.fillRect(x-sw/2, top, x-sw/2+sw, top+sw, sign)
		}
	}
}

// agents places cars on the road and people on the sidewalks, far ones first.
func (st *street) agents(r *rand.Rand, rd roadway, yh int) {
	S := st.size
	type agent struct {
		yb, x, size int
		isCar       bool
	}
	var as []agent
	for range intn(r, 4) {
		yb := between(r, yh+S/12, S-S/30)
		w := (yb - yh) * between(r, 70, 100) / 100
		lo, hi := rd.left(yb)+w/2, rd.right(yb)-w/2
		if hi < lo {
			continue
		}
		as = append(as, agent{yb, between(r, lo, hi), w, true})
	}
	for range intn(r, 5) {
		yb := between(r, yh+S/14, S-S/30)
		h := (yb - yh) * between(r, 60, 90) / 100
		x := rd.left(yb) - between(r, S/40, S/8)
		if coin(r, 1, 2) {
			x = rd.right(yb) + between(r, S/40, S/8)
		}
		as = append(as, agent{yb, x, h, false})
	}
	slices.SortStableFunc(as, func(a, b agent) int { return a.yb - b.yb })
	for _, a := range as {
		if a.isCar {
			st.car(a.x, a.yb, a.size)
		} else {
			st.person(a.x, a.yb, a.size)
		}
	}
}

func (st *street) car(x, yb, w int) {
	h := max(w*55/100, 2)
	st.fillRect(x-w/2, yb-h*6/10, x-w/2+w, yb, car)
	st.fillRect(x-w*35/100, yb-h, x+w*35/100, yb-h*6/10, car)
}

func (st *street) person(x, yb, h int) {
	h = max(h, 4)
	st.fillEllipse(newEllipse(q4(x), q4(yb-h*45/100), int64(h)*7, int64(h)*2+8, 18), person)
	st.fillEllipse(newEllipse(q4(x), q4(yb-h*90/100), int64(h)+8, int64(h)+8, 0), person)
}

func (st *street) fillRect(x0, y0, x1, y1 int, l uint8) {
	S := st.size
	for y := max(y0, 0); y < min(y1, S); y++ {
		for x := max(x0, 0); x < min(x1, S); x++ {
			st.labels[y*S+x] = l
		}
	}
}

func (st *street) fillEllipse(e ellipse, l uint8) {
	x0, x1, y0, y1 := e.bounds(st.size)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if e.contains(q4(x), q4(y)) {
				st.labels[y*st.size+x] = l
			}
		}
	}
}

func (st *street) fillQuad(q quad, l uint8) {
	S := st.size
	for y := range S {
		for x := range S {
			if q.contains(q4(x), q4(y)) {
				st.labels[y*S+x] = l
			}
		}
	}
}

// labelMap renders the layout in the official Cityscapes colours (domain A).
func (st *street) labelMap() *rgb {
	m := newRGB(st.size, st.size)
	for i, l := range st.labels {
		c := voidLabel
		if l != voidID {
			c = classes[l].label
		}
		m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2] = uint8(c[0]), uint8(c[1]), uint8(c[2])
	}
	return m
}

// photo renders the layout as a synthetic photo (domain B).
func (st *street) photo() *rgb {
	S := st.size
	cv := newCanvas(S, S)
	for y := range S {
		for x := range S {
			l := st.labels[y*S+x]
			col, grain, mottle := st.classLook(l, x, y)
			tex := st.grain.at(x, y)*int64(grain) + st.mottle.at(x, y)*int64(mottle)
			cv.set(x, y, col, tex)
			cv.scale(x, y, st.gain+st.shade.at(x, y)/256)
		}
	}
	return cv.finish()
}

// classLook is the base colour and texture amplitudes of class l at (x, y).
func (st *street) classLook(l uint8, x, y int) (colour, int, int) {
	if l == voidID {
		return voidPhoto, 3, 0
	}
	c := classes[l]
	col := c.photo
	switch l {
	case sky:
		col = mix(skyTop, skyLow, int64(y*256/st.size))
	case sidewalk:
		if x%st.tile == 0 || y%st.tile == 0 {
			col = mix(col, colour{}, tileShade)
		}
	case building:
		if st.window(x, y) {
			col = mix(col, colour{}, windowShade)
		}
	}
	return col, c.grain, c.mottle
}

// window reports whether building pixel (x, y) is in a window of its facade.
func (st *street) window(x, y int) bool {
	for _, f := range st.buildings {
		if x >= f.x0 && x < f.x1 && y >= f.top {
			return (x-f.x0+f.ox)%f.wx < f.wx/2 && (y-f.top+f.oy)%f.wy < f.wy/2
		}
	}
	return false
}

// SegmentSynthetic labels each pixel of a photo of the cityscapes set with a trainId (255 for
// void), row-major. Each pixel first goes to the class of the nearest prototype colour (squared
// RGB distance; prototypes are the renderer's base colours, plus its tile lines, windows and
// three points of the sky gradient). Then a 3x3 vote cleans the noise: a pixel keeps its class
// if at least 3 of the 9 pixels around it (itself included) share it, which keeps lines one
// pixel wide, and otherwise takes the most common class there (the first in scan order on a
// tie). It knows only the classes the layouts use.
func SegmentSynthetic(img image.Image) ([]uint8, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, errors.New("segment: empty image")
	}
	return segment((*rgb)(imagefile.ToRGB(img))), nil
}

type prototype struct {
	c     colour
	class uint8
}

// prototypes are the colours the renderer paints before texture and lighting.
var prototypes = func() []prototype {
	ps := []prototype{{voidPhoto, voidID}, {skyTop, sky}, {skyLow, sky}, {mix(skyTop, skyLow, 128), sky},
		{mix(classes[sidewalk].photo, colour{}, tileShade), sidewalk},
		{mix(classes[building].photo, colour{}, windowShade), building}}
	for _, l := range usedClasses {
		if l != voidID && l != sky {
			ps = append(ps, prototype{classes[l].photo, l})
		}
	}
	return ps
}()

func segment(m *rgb) []uint8 {
	raw := make([]uint8, m.W*m.H)
	for i := range raw {
		raw[i] = nearestClass(m.Pix[3*i : 3*i+3])
	}
	out := make([]uint8, len(raw))
	for y := range m.H {
		for x := range m.W {
			out[y*m.W+x] = vote(raw, m.W, m.H, x, y)
		}
	}
	return out
}

func nearestClass(p []uint8) uint8 {
	best, bestD := uint8(voidID), int64(-1)
	for _, pr := range prototypes {
		var d int64
		for k := range 3 {
			e := int64(p[k]) - pr.c[k]
			d += e * e
		}
		if bestD < 0 || d < bestD {
			best, bestD = pr.class, d
		}
	}
	return best
}

// vote is the 3x3 clean-up of SegmentSynthetic (windows clipped at the border).
func vote(raw []uint8, w, h, x, y int) uint8 {
	var labels [9]uint8
	var counts [9]int
	n := 0
	centre := raw[y*w+x]
	for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
		for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
			l := raw[yy*w+xx]
			j := 0
			for j < n && labels[j] != l {
				j++
			}
			if j == n {
				labels[n] = l
				n++
			}
			counts[j]++
		}
	}
	best := 0
	for j := range n {
		if labels[j] == centre && counts[j] >= 3 {
			return centre
		}
		if counts[j] > counts[best] {
			best = j
		}
	}
	return labels[best]
}
