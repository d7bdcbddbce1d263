package report

import (
	"reflect"
	"testing"

	"sweep/config"
	"sweep/vocab"
)

func TestDirection(t *testing.T) {
	cases := []struct {
		metric string
		want   Better
	}{
		{"fid", LowerIsBetter}, {"swd_avg", LowerIsBetter}, {"swd_64", LowerIsBetter},
		{"gt_background_l1", LowerIsBetter}, {"seg_miou", HigherIsBetter}, {"seg_pixacc", HigherIsBetter},
		{"seg_classacc", HigherIsBetter}, {"psnr", HigherIsBetter}, {"something_new", LowerIsBetter},
	}
	for _, c := range cases {
		if got := Direction(c.metric); got != c.want {
			t.Errorf("Direction(%q) = %v, want %v", c.metric, got, c.want)
		}
	}
}

func TestSortMetrics(t *testing.T) {
	got := []string{"zeta", "gt_object_l1", "swd_32", "fid", "swd_avg", "seg_classacc", "swd_64", "seg_miou", "alpha", "seg_pixacc"}
	sortMetrics(got)
	want := []string{"seg_miou", "seg_pixacc", "seg_classacc", "fid", "swd_avg", "swd_64", "swd_32", "gt_object_l1", "alpha", "zeta"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sortMetrics = %v, want %v", got, want)
	}
}

func TestCellText(t *testing.T) {
	cases := []struct {
		cell      Cell
		max       float64
		published bool
		want      string
	}{
		{Cell{Stat: Stat{N: 3, Mean: 41.234, Std: 1.26}}, 41.234, false, "41.2 ± 1.3"},
		{Cell{Stat: Stat{N: 1, Mean: 41.25}}, 41.25, false, "41.2"},
		{Cell{Stat: Stat{N: 2, Mean: 0.05123, Std: 0.0012}}, 0.05123, false, "0.0512 ± 0.0012"},
		{Cell{Stat: Stat{N: 1, Mean: 133.8}}, 133.8, true, "133.8"},
		{Cell{}, 10, false, "—"},
	}
	for _, c := range cases {
		if got := cellText(c.cell, decimals(c.max), c.published); got != c.want {
			t.Errorf("cellText(%+v) = %q, want %q", c.cell, got, c.want)
		}
	}
}

func TestChooseKind(t *testing.T) {
	cfg := func(variant string, mode vocab.Mode, queries int, layers vocab.Layers) config.Run {
		c := config.Default()
		c.Variant, c.Mode, c.Queries, c.AttnLayers = variant, mode, queries, layers
		return c
	}
	cases := []struct {
		name string
		cs   []config.Run
		want Kind
	}{
		{"queries vary", []config.Run{cfg("QS", "global", 64, "last2"), cfg("CUT", "cut", 128, "last2")}, KindQueries},
		{"layers vary", []config.Run{cfg("A", "global", 64, "last2"), cfg("B", "global", 64, "all")}, KindLayers},
		{"letters", []config.Run{cfg("A", "global", 64, "last2"), cfg("G", "local", 64, "last2")}, KindAblation},
		{"methods", []config.Run{cfg("CUT", "cut", 64, "last2"), cfg("Global", "global", 64, "last2")}, KindMethods},
		{"letter and name", []config.Run{cfg("A", "global", 64, "last2"), cfg("CUT", "cut", 64, "last2")}, KindMethods},
		{"empty", nil, KindMethods},
	}
	for _, c := range cases {
		if got := ChooseKind(c.cs); got != c.want {
			t.Errorf("%s: ChooseKind = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestGroupKeyIgnoresSeedOnly(t *testing.T) {
	a := config.Default()
	b := a
	b.Seed, b.Repeat = 7, 3
	c := a
	c.LR = 1e-4
	if GroupKey(a) != GroupKey(b) {
		t.Error("seed and repeat change the group key")
	}
	if GroupKey(a) == GroupKey(c) {
		t.Error("lr does not change the group key")
	}
}
