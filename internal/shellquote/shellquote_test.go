package shellquote

import (
	"os/exec"
	"testing"
)

// The shell must read each quoted value back as exactly one word equal to it, running
// nothing it holds.
func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", "", "a b", "it's", `"dq" $HOME \ ; | & * ? ~`, "tab\there",
		"new\nline", "--x=1,2", "$(echo x)", "`echo x`", "'; echo x; '", `"$(echo x)"`} {
		out, err := exec.Command("sh", "-c", "printf '%s|' "+Quote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s+"|" {
			t.Errorf("%q came back as %q", s, out)
		}
	}
}
