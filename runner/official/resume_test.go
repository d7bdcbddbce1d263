package official

import (
	"os"
	"path/filepath"
	"testing"

	"sweep/internal/fixtures"
)

// The last epoch whose networks are all whole is the resume point; a save cut short (a
// truncated file, or D not yet written) is passed over.
func TestResumeEpoch(t *testing.T) {
	g, err := os.ReadFile(fixtures.Dir(t, "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if e, err := resumeEpoch(dir); err != nil || e != 0 {
		t.Fatalf("empty: %d %v", e, err)
	}
	for _, n := range []string{"2_net_G.pth", "2_net_F.pth", "2_net_D.pth", "4_net_G.pth", "4_net_F.pth", "4_net_D.pth", "6_net_G.pth"} {
		write(n, g)
	}
	write("4_net_D.pth", g[:len(g)/2])
	if e, err := resumeEpoch(dir); err != nil || e != 2 {
		t.Fatalf("resume epoch %d (%v), want 2", e, err)
	}
	write("4_net_D.pth", g)
	if e, _ := resumeEpoch(dir); e != 4 {
		t.Fatalf("resume epoch %d, want 4", e)
	}
}
