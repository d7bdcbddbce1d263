package report

import "testing"

func TestLatexEscape(t *testing.T) {
	got := latexEscape(`A_1 50% R&D #2 {x} ~ ^ \ —`)
	want := `A\_1 50\% R\&D \#2 \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{} --`
	if got != want {
		t.Errorf("latexEscape = %q, want %q", got, want)
	}
}

func TestLatexCell(t *testing.T) {
	cases := []struct {
		c    Cell
		pub  bool
		want string
	}{
		{Cell{Stat: Stat{N: 3, Mean: 41.25, Std: 0.5}, Best: true}, false, `\textbf{\boldmath$41.2 \pm 0.5$}`},
		{Cell{Stat: Stat{N: 3, Mean: 41.25, Std: 0.5}, Tied: true}, false, `$41.2 \pm 0.5$\textsuperscript{\dag}`},
		{Cell{Stat: Stat{N: 1, Mean: 41.25}}, false, `$41.2$`},
		{Cell{Stat: Stat{N: 1, Mean: 41.25}}, true, `$41.2$`},
		{Cell{}, false, `--`},
	}
	for _, c := range cases {
		if got := latexCell(c.c, 1, c.pub); got != c.want {
			t.Errorf("latexCell(%+v) = %q, want %q", c.c, got, c.want)
		}
	}
}
