package tensor

import "testing"

func TestSizeClass(t *testing.T) {
	for _, c := range []struct{ n, want int }{{1, 1}, {16, 16}, {17, 18}, {31, 32}, {4096, 4096}, {4097, 4608}, {589824, 589824}, {82944, 90112}} {
		if got := sizeClass(c.n); got != c.want {
			t.Errorf("sizeClass(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	for n := 1; n < 1<<20; n += 997 {
		if c := sizeClass(n); c < n || 8*c > 9*n || sizeClass(c) != c {
			t.Fatalf("sizeClass(%d) = %d: not a class within 1/8 above n", n, c)
		}
	}
}
