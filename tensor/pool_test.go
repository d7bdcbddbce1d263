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

// TestPoolLendsLargerBuffers checks that a miss takes the smallest idle buffer of up to
// twice its class before allocating, and that the buffer comes back to its own class.
func TestPoolLendsLargerBuffers(t *testing.T) {
	var p Pool
	double, huge := p.Get(2048), p.Get(8192)
	p.Put(double)
	p.Put(huge)
	got := p.Get(1000)
	if len(got) != 1000 || &got[:cap(got)][0] != &double[:cap(double)][0] {
		t.Fatalf("Get(1000) did not lend the idle 2048-float buffer (len %d, cap %d)", len(got), cap(got))
	}
	p.Put(got)
	if again := p.Get(2048); &again[0] != &double[0] {
		t.Error("the lent buffer did not come back to its own class")
	}
	if fresh := p.Get(3000); cap(fresh) != sizeClass(3000) {
		t.Errorf("Get(3000) took a buffer of %d floats, more than twice its class", cap(fresh))
	}
}
