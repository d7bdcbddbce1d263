package vec

// CopyRows copies rows runs of n floats from src, which holds one every stride floats, to
// dst, where they follow each other: dst[r·n+j] = src[r·stride+j].
func CopyRows(dst, src []float32, n, rows, stride int) {
	if rows > 0 {
		kernels.copyRows(dst[:rows*n], src[:(rows-1)*stride+n], n, rows, stride)
	}
}

func copyRowsGo(dst, src []float32, n, rows, stride int) {
	copyRowsStrided(dst, src, n, rows, n, stride)
}

// copyRowsStrided is CopyRows with dst holding a row every dstride floats.
func copyRowsStrided(dst, src []float32, n, rows, dstride, stride int) {
	for r := range rows {
		copy(dst[r*dstride:r*dstride+n], src[r*stride:])
	}
}

// AddRows adds rows runs of n floats of src, where they follow each other, onto dst, which
// holds one every stride floats: dst[r·stride+j] += src[r·n+j].
func AddRows(dst []float32, stride int, src []float32, n, rows int) {
	if rows > 0 {
		kernels.addRows(dst[:(rows-1)*stride+n], stride, src[:rows*n], n, rows)
	}
}

func addRowsGo(dst []float32, stride int, src []float32, n, rows int) {
	addRowsStrided(dst, stride, src, n, rows, n)
}

// addRowsStrided is AddRows with src holding a row every sstride floats.
func addRowsStrided(dst []float32, stride int, src []float32, n, rows, sstride int) {
	for r := range rows {
		addGo(dst[r*stride:r*stride+n], src[r*sstride:r*sstride+n])
	}
}
