package gongfu_test

import (
	"math"
	"testing"

	"gongfu"
)

func TestSplitByWeight(t *testing.T) {
	for _, c := range []struct {
		total   float64
		weights []float64
		whole   bool
		want    []float64
	}{
		{80, []float64{1, 1, 1}, true, []float64{27, 27, 26}},
		{80, []float64{118.95, 73.29, 0}, true, []float64{50, 30, 0}},
		{10, []float64{1, 3}, false, []float64{2.5, 7.5}},
		{5, []float64{0, 0}, true, []float64{0, 0}},
		{7, []float64{2, 2, 2, 1}, true, []float64{2, 2, 2, 1}},
	} {
		got := gongfu.SplitByWeight(c.total, c.weights, c.whole)
		sum := 0.0
		for i := range got {
			sum += got[i]
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("SplitByWeight(%v, %v) = %v, want %v", c.total, c.weights, got, c.want)
				break
			}
		}
		if c.whole && c.want[0]+c.want[len(c.want)-1] > 0 && sum != math.Round(c.total) {
			t.Errorf("parts of %v add up to %v", c.total, sum)
		}
	}
}

func TestRobustZ(t *testing.T) {
	hist := []float64{10, 12, 11, 9, 10, 11}
	if z, ok := gongfu.RobustZ(hist, 11); !ok || math.Abs(z) > 1 {
		t.Errorf("a typical value: z = %v %v", z, ok)
	}
	if z, ok := gongfu.RobustZ(hist, 60); !ok || z < gongfu.OutlierThreshold {
		t.Errorf("an outlier: z = %v %v", z, ok)
	}
	if _, ok := gongfu.RobustZ([]float64{1, 2}, 50); ok {
		t.Error("two values are too few to judge")
	}
	if _, ok := gongfu.RobustZ([]float64{5, 5, 5, 5}, 6); ok {
		t.Error("no spread: no z-score")
	}
}

func TestCheckFigures(t *testing.T) {
	pct := &gongfu.Target{Kind: gongfu.KindLevel, Unit: "%"}
	cnt := &gongfu.Target{Kind: gongfu.KindIncrement, Unit: "所"}
	chg := &gongfu.Target{Kind: gongfu.KindChange, Unit: "百分点"}
	f := func(v float64) *float64 { return &v }
	for i, c := range []struct {
		t         *gongfu.Target
		milestone bool
		r         gongfu.Report
		ok        bool
	}{
		{pct, false, gongfu.Report{Value: f(99)}, true},
		{pct, false, gongfu.Report{Value: f(100.5)}, false},
		{pct, false, gongfu.Report{Numerator: f(9), Denominator: f(10)}, true},
		{pct, false, gongfu.Report{Numerator: f(11), Denominator: f(10)}, false},
		{pct, false, gongfu.Report{Value: f(50), Numerator: f(9), Denominator: f(10)}, false},
		{cnt, false, gongfu.Report{Value: f(-1)}, false},
		{cnt, false, gongfu.Report{Value: f(math.NaN())}, false},
		{chg, false, gongfu.Report{Value: f(-0.3)}, true},
		{cnt, true, gongfu.Report{Stage: gongfu.StageInProgress, Percent: f(40)}, true},
		{cnt, true, gongfu.Report{Stage: gongfu.StageInProgress, Percent: f(140)}, false},
		{cnt, true, gongfu.Report{Stage: "x"}, false},
		{cnt, false, gongfu.Report{Stage: gongfu.StageDone}, false},
	} {
		err := c.r.CheckFigures(c.t, c.milestone)
		if (err == nil) != c.ok {
			t.Errorf("case %d: err = %v, want ok=%v", i, err, c.ok)
		}
		if err != nil && gongfu.ErrorCode(err) != gongfu.EINVALID {
			t.Errorf("case %d: code %s", i, gongfu.ErrorCode(err))
		}
	}
}
