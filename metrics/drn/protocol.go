package drn

import (
	"fmt"
	"image"

	"golang.org/x/image/draw"
)

// AtProtocol segments every image at the evaluation resolution of CUT and QS-Attn,
// ProtocolWidth x ProtocolHeight: the image is first resized there with a bilinear filter
// widened when shrinking (as torchvision's Resize on a PIL image does). The label map comes
// back at that size; the scorer brings it to the label maps' size by nearest neighbour.
type AtProtocol struct{ Net *Net }

// Name is the segmenter as recorded in the metric's identity: the network, its checkpoint's
// file name and the resolution protocol.
func (s AtProtocol) Name(weights string) string {
	return fmt.Sprintf("drn:%s@%dx%d-bilinear", weights, ProtocolWidth, ProtocolHeight)
}

// Segment resizes img to the protocol's size and segments it.
func (s AtProtocol) Segment(img image.Image) ([]uint8, int, int, error) {
	return s.Net.Segment(ProtocolImage(img))
}

// ProtocolImage is img resized to ProtocolWidth x ProtocolHeight (img itself when it has
// that size already).
func ProtocolImage(img image.Image) image.Image {
	if b := img.Bounds(); b.Dx() == ProtocolWidth && b.Dy() == ProtocolHeight {
		return img
	}
	dst := image.NewNRGBA(image.Rect(0, 0, ProtocolWidth, ProtocolHeight))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}
