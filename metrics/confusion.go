package metrics

import (
	"errors"
	"fmt"
	"math"
)

// Cityscapes evaluation classes.
const (
	CityscapesClasses = 19  // train ids 0..18
	IgnoreLabel       = 255 // ground truth pixels that are not scored
)

// SegConvention selects how classes absent from both ground truth and prediction count.
type SegConvention string

const (
	// ConventionDRN is fyu/drn's segment.py: no epsilon, absent classes are NaN and left out
	// of the means (nanmean). The default.
	ConventionDRN SegConvention = "drn"
	// ConventionPix2pix is pix2pix's FCN score (eval_cityscapes/util.py): 1e-12 in every
	// denominator, so an absent class scores 0 and is averaged in.
	ConventionPix2pix SegConvention = "pix2pix"
)

const pix2pixEpsilon = 1e-12

// Confusion is a confusion matrix over n classes: rows are ground truth, columns predictions.
type Confusion struct {
	N    int
	Hist []int64 // N×N
	// Invalid counts, per ground-truth class, predictions outside 0..N-1. They are wrong
	// predictions: they count in the row sums but in no column.
	Invalid []int64
}

// NewConfusion returns an empty n-class confusion matrix.
func NewConfusion(n int) *Confusion {
	return &Confusion{N: n, Hist: make([]int64, n*n), Invalid: make([]int64, n)}
}

// Add counts one label map pair. Ground truth values outside 0..N-1 (255 included) are ignored.
func (c *Confusion) Add(gt, pred []uint8) error {
	if len(gt) != len(pred) {
		return fmt.Errorf("ground truth has %d pixels, prediction %d", len(gt), len(pred))
	}
	for i, g := range gt {
		if int(g) >= c.N {
			continue
		}
		if p := int(pred[i]); p < c.N {
			c.Hist[int(g)*c.N+p]++
		} else {
			c.Invalid[g]++
		}
	}
	return nil
}

// SegScores are the segmentation scores, as fractions in [0,1].
type SegScores struct {
	PixAcc, ClassAcc, MeanIoU float64
	ClassAccs, ClassIoU       []float64 // per class; NaN for an absent class under ConventionDRN
	Convention                SegConvention
}

// Scores computes pixel accuracy = trace/total, class accuracy = mean of diag/row sum and
// mean IoU (the papers' "mAP") = mean of diag/(row sum + column sum − diag).
func (c *Confusion) Scores(conv SegConvention) (SegScores, error) {
	var eps float64
	switch conv {
	case ConventionDRN:
	case ConventionPix2pix:
		eps = pix2pixEpsilon
	default:
		return SegScores{}, fmt.Errorf("segmentation convention %q is unknown; use %q or %q", conv, ConventionDRN, ConventionPix2pix)
	}
	rows, cols := c.sums()
	var trace, total float64
	for k := 0; k < c.N; k++ {
		trace += float64(c.Hist[k*c.N+k])
		total += rows[k]
	}
	if total == 0 {
		return SegScores{}, errors.New("no ground-truth pixel of any scored class")
	}
	s := SegScores{Convention: conv, ClassAccs: make([]float64, c.N), ClassIoU: make([]float64, c.N)}
	s.PixAcc = trace / (total + eps)
	for k := 0; k < c.N; k++ {
		d := float64(c.Hist[k*c.N+k])
		s.ClassAccs[k] = d / (rows[k] + eps)
		s.ClassIoU[k] = d / (rows[k] + cols[k] - d + eps)
	}
	s.ClassAcc = nanMean(s.ClassAccs)
	s.MeanIoU = nanMean(s.ClassIoU)
	return s, nil
}

// sums returns the row sums (invalid predictions included) and column sums.
func (c *Confusion) sums() (rows, cols []float64) {
	rows, cols = make([]float64, c.N), make([]float64, c.N)
	for g := 0; g < c.N; g++ {
		rows[g] = float64(c.Invalid[g])
		for p := 0; p < c.N; p++ {
			v := float64(c.Hist[g*c.N+p])
			rows[g] += v
			cols[p] += v
		}
	}
	return rows, cols
}

// nanMean is numpy's nanmean: the mean of the non-NaN values, NaN if there are none.
func nanMean(v []float64) float64 {
	var sum float64
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// cityscapesTrainID maps Cityscapes labelIds 0..33 (labels.py) to train ids; other values map to 255.
var cityscapesTrainID = [34]uint8{
	255, 255, 255, 255, 255, 255, 255, // 0-6: unlabeled, ego vehicle, rectification border, out of roi, static, dynamic, ground
	0, 1, // 7 road, 8 sidewalk
	255, 255, // 9 parking, 10 rail track
	2, 3, 4, // 11 building, 12 wall, 13 fence
	255, 255, 255, // 14 guard rail, 15 bridge, 16 tunnel
	5, 255, 6, 7, // 17 pole, 18 polegroup, 19 traffic light, 20 traffic sign
	8, 9, 10, 11, 12, 13, 14, 15, // 21 vegetation, terrain, sky, person, rider, car, truck, 28 bus
	255, 255, // 29 caravan, 30 trailer
	16, 17, 18, // 31 train, 32 motorcycle, 33 bicycle
}

// CityscapesTrainID maps a Cityscapes labelId to its train id (0..18) or IgnoreLabel.
func CityscapesTrainID(labelID uint8) uint8 {
	if int(labelID) < len(cityscapesTrainID) {
		return cityscapesTrainID[labelID]
	}
	return IgnoreLabel
}

// cityscapesColors are the colours of train ids 0..18 in gtFine_color images.
var cityscapesColors = [CityscapesClasses][3]uint8{
	{128, 64, 128}, {244, 35, 232}, {70, 70, 70}, {102, 102, 156}, {190, 153, 153},
	{153, 153, 153}, {250, 170, 30}, {220, 220, 0}, {107, 142, 35}, {152, 251, 152},
	{70, 130, 180}, {220, 20, 60}, {255, 0, 0}, {0, 0, 142}, {0, 0, 70},
	{0, 60, 100}, {0, 80, 100}, {0, 0, 230}, {119, 11, 32},
}

// cityscapesVoidColors are the colours of ignored labelIds (unlabeled/static, dynamic, ground,
// parking, rail track, guard rail, bridge, tunnel, caravan, trailer).
var cityscapesVoidColors = [][3]uint8{
	{0, 0, 0}, {111, 74, 0}, {81, 0, 81}, {250, 170, 160}, {230, 150, 140},
	{180, 165, 180}, {150, 100, 100}, {150, 120, 90}, {0, 0, 90}, {0, 0, 110},
}

// CityscapesColorTrainID maps a gtFine_color pixel to the train id of the nearest Cityscapes
// colour (squared RGB distance), or IgnoreLabel when the nearest is a void colour. Nearest
// rather than exact matching tolerates JPEG-compressed label maps.
func CityscapesColorTrainID(r, g, b uint8) uint8 {
	best, bestD := uint8(IgnoreLabel), math.MaxInt
	try := func(c [3]uint8, id uint8) {
		dr, dg, db := int(r)-int(c[0]), int(g)-int(c[1]), int(b)-int(c[2])
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = id, d
		}
	}
	for id, c := range cityscapesColors {
		try(c, uint8(id))
	}
	for _, c := range cityscapesVoidColors {
		try(c, IgnoreLabel)
	}
	return best
}
