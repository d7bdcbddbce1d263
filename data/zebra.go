package data

import "math/rand/v2"

// The zebra set is the horse-to-zebra analogue: a textured background with one object on it,
// plain-coloured in domain A and striped in domain B. A test scene is drawn once and rendered
// both ways, so the ideal translation of every test image is its twin in the other domain.

// stripeDivisors are the stripe periods as fractions of the image side: period = side/k.
var stripeDivisors = []int{7, 8, 9, 10, 11, 12, 13, 14}

// zebraScene holds every random choice of one scene; render draws nothing.
type zebraScene struct {
	size  int
	bg    background
	parts []ellipse // the object is the union of these
	shape string

	plain       colour
	dark, light colour
	gainX       int64 // shading gradient, Q8 gain per 256 pixels
	gainY       int64
	cx, cy      int // object centre in pixels, origin of the shading
	stripeAngle int // index of 5° steps, 0..35
	stripeK     int // period = size/stripeK pixels
	stripePhase int64
}

type background struct {
	kind           string
	a, b           colour
	horizon        int // savanna: first ground row
	angle          int // gradient: direction
	coarse, medium *noise
	blades, fine   *noise
}

func newZebraScene(r *rand.Rand, size int) *zebraScene {
	sc := &zebraScene{size: size}
	sc.bg = newBackground(r, size)
	sc.newObject(r)
	sc.plain = jitter(r, horseColours[intn(r, len(horseColours))], 12)
	sc.dark = jitter(r, colour{32, 28, 26}, 8)
	sc.light = jitter(r, colour{236, 232, 224}, 8)
	s := int64(size)
	sc.gainX = int64(between(r, -40, 40)) * 256 / s
	sc.gainY = int64(between(r, -40, 40)) * 256 / s
	sc.stripeAngle = intn(r, 36)
	sc.stripeK = stripeDivisors[intn(r, len(stripeDivisors))]
	sc.stripePhase = int64(intn(r, 16*size))
	return sc
}

var horseColours = []colour{{140, 80, 45}, {105, 60, 35}, {150, 146, 138}, {200, 165, 100},
	{58, 46, 40}, {222, 216, 204}, {170, 110, 70}}

func newBackground(r *rand.Rand, size int) background {
	kinds := []string{"grass", "savanna", "field", "gradient"}
	bg := background{kind: kinds[intn(r, len(kinds))]}
	switch bg.kind {
	case "grass":
		bg.a = jitter(r, colour{70, 120, 45}, 20)
		bg.b = jitter(r, colour{120, 150, 70}, 20)
	case "savanna":
		bg.a = jitter(r, colour{120, 170, 225}, 15)
		bg.b = jitter(r, colour{190, 165, 110}, 20)
		bg.horizon = between(r, size*3/10, size*5/10)
	case "field":
		fields := []colour{{125, 100, 70}, {110, 115, 70}, {140, 135, 125}, {160, 130, 90}}
		bg.a = jitter(r, fields[intn(r, len(fields))], 15)
		bg.b = jitter(r, bg.a, 30)
	case "gradient":
		bg.a = jitter(r, colour{128, 128, 128}, 90)
		bg.b = jitter(r, colour{128, 128, 128}, 90)
		bg.angle = intn(r, 72)
	}
	bg.coarse = newNoise(r, size, size, max(size/3, 2), max(size/3, 2), 22)
	bg.medium = newNoise(r, size, size, max(size/12, 2), max(size/12, 2), 10)
	bg.blades = newNoise(r, size, size, 1, max(size/20, 2), 16)
	bg.fine = newNoise(r, size, size, 1, 1, 4)
	return bg
}

// at is the background colour of pixel (x, y) in Q8 levels.
func (bg *background) at(x, y, size int) [3]int64 {
	var base colour
	var tex int64
	switch bg.kind {
	case "grass":
		base = mix(bg.b, bg.a, int64(y*256/size))
		tex = bg.coarse.at(x, y) + bg.blades.at(x, y)
	case "savanna":
		if y < bg.horizon {
			base = mix(colour{205, 222, 238}, bg.a, int64((bg.horizon-y)*256/bg.horizon))
			tex = bg.fine.at(x, y) / 4
		} else {
			base = bg.b
			tex = bg.medium.at(x, y) + bg.fine.at(x, y)
		}
	case "field":
		base = mix(bg.a, bg.b, min(max(128+bg.coarse.at(x, y)/64, 0), 256))
		tex = bg.medium.at(x, y) + bg.fine.at(x, y)
	case "gradient":
		c, s := rot(bg.angle)
		t := (int64(x)*c + int64(y)*s) * 256 / (int64(size) * 23170) // |c|+|s| ≤ √2·16384
		base = mix(bg.a, bg.b, 128+t/2)
		tex = bg.medium.at(x, y)/2 + bg.fine.at(x, y)
	}
	return [3]int64{base[0]*256 + tex, base[1]*256 + tex, base[2]*256 + tex}
}

// newObject draws the object: an ellipse, a blob (union of ellipses) or a horse-like
// silhouette (body, neck, head, legs, tail), at a random position and scale.
func (sc *zebraScene) newObject(r *rand.Rand) {
	S := sc.size
	shapes := []string{"ellipse", "blob", "horse"}
	sc.shape = shapes[intn(r, len(shapes))]
	sc.cx = between(r, S*35/100, S*65/100)
	sc.cy = between(r, S*40/100, S*60/100)
	cx, cy := q4(sc.cx), q4(sc.cy)
	switch sc.shape {
	case "ellipse":
		s := int64(between(r, S*22/100, S*34/100)) * 16
		sc.parts = []ellipse{newEllipse(cx, cy, s, s*int64(between(r, 45, 75))/100, intn(r, 36))}
	case "blob":
		s := int64(between(r, S*18/100, S*26/100)) * 16
		sc.parts = []ellipse{newEllipse(cx, cy, s, s*3/4, intn(r, 36))}
		for range between(r, 2, 4) {
			ox, oy := int64(between(r, -60, 60))*s/100, int64(between(r, -50, 50))*s/100
			a := s * int64(between(r, 40, 75)) / 100
			sc.parts = append(sc.parts, newEllipse(cx+ox, cy+oy, a, a*int64(between(r, 50, 90))/100, intn(r, 36)))
		}
	case "horse":
		sc.parts = horse(r, cx, cy, int64(between(r, S*15/100, S*21/100))*16)
	}
}

// horse is a side view facing right or left with body half-length s (Q4).
func horse(r *rand.Rand, cx, cy, s int64) []ellipse {
	f := int64(1)
	if coin(r, 1, 2) {
		f = -1
	}
	body := newEllipse(cx, cy, s, s*45/100, 0)
	legLen := s * int64(between(r, 70, 90)) / 100
	parts := []ellipse{body}
	for _, off := range []int64{-72, -50, 50, 72} {
		parts = append(parts, newEllipse(cx+off*s/100, cy+s*30/100+legLen/2, legLen/2+s*10/100, s*9/100, 18))
	}
	neckAngle, headAngle, tailAngle := 25, 6, 12
	if f < 0 {
		neckAngle, headAngle, tailAngle = 11, 30, 24
	}
	return append(parts,
		newEllipse(cx+f*s*85/100, cy-s*45/100, s*45/100, s*17/100, neckAngle),
		newEllipse(cx+f*s*118/100, cy-s*82/100, s*32/100, s*14/100, headAngle),
		newEllipse(cx-f*s*105/100, cy+s*5/100, s*32/100, s*6/100, tailAngle))
}

// mask is the object's pixel mask (1 inside).
func (sc *zebraScene) mask() []uint8 {
	S := sc.size
	m := make([]uint8, S*S)
	for _, e := range sc.parts {
		x0, x1, y0, y1 := e.bounds(S)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if e.contains(q4(x), q4(y)) {
					m[y*S+x] = 1
				}
			}
		}
	}
	return m
}

// bounds is a pixel box holding the ellipse, clipped to the image.
func (e ellipse) bounds(size int) (x0, x1, y0, y1 int) {
	r := max(e.a, e.b)
	clip := func(v int64) int { return int(min(max(v, 0), int64(size))) }
	return clip((e.cx - r) / 16), clip((e.cx+r)/16 + 2), clip((e.cy - r) / 16), clip((e.cy+r)/16 + 2)
}

// render draws the scene with a plain (domain A) or striped (domain B) object.
func (sc *zebraScene) render(mask []uint8, striped bool) *rgb {
	S := sc.size
	cv := newCanvas(S, S)
	c, s := rot(sc.stripeAngle)
	period := int64(16 * S / sc.stripeK)
	for y := range S {
		for x := range S {
			i := 3 * (y*S + x)
			if mask[y*S+x] == 0 {
				bgc := sc.bg.at(x, y, S)
				copy(cv.v[i:i+3], bgc[:])
				continue
			}
			col := sc.plain
			if striped {
				t := (q4(x)*c + q4(y)*s) >> 14
				if ((t+sc.stripePhase)%period+period)%period < period/2 {
					col = sc.dark
				} else {
					col = sc.light
				}
			}
			cv.set(x, y, col, 0)
			cv.scale(x, y, 256+(sc.gainX*int64(x-sc.cx)+sc.gainY*int64(y-sc.cy))/256)
		}
	}
	return cv.finish()
}
