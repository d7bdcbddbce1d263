//go:build !cgo || purego

package config

// Backend names the matrix-product library this build trains with (linalg has the
// same build constraints).
const Backend = "purego"
