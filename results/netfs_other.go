//go:build !linux

package results

// CheckLocalFS cannot tell a network filesystem outside Linux; it accepts every path.
func CheckLocalFS(path string) error { return nil }
