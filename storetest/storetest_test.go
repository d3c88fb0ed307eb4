package storetest

import (
	"testing"

	"gongfu"
)

// TestSamples checks the suite's own data: the sample plan is valid, counts
// what the tests expect, and names only units SampleOrgs provides.
func TestSamples(t *testing.T) {
	p := SamplePlan()
	if err := p.Validate(); err != nil {
		t.Fatalf("sample plan invalid: %v %v", err, gongfu.ErrorDetails(err))
	}
	want := gongfu.Counts{Domains: 2, Tasks: 4, Targets: 5, Milestones: 3, Unparsed: 2}
	if got := p.Counts(); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	names := map[string]bool{}
	for _, o := range SampleOrgs() {
		if err := o.Validate(); err != nil {
			t.Errorf("sample org %s: %v", o.Path, err)
		}
		names[o.Name] = true
	}
	for _, u := range p.AllUnits() {
		if !names[u] {
			t.Errorf("unit %s has no sample org", u)
		}
	}
	for _, o := range areaOrgs() {
		if err := o.Validate(); err != nil {
			t.Errorf("area org %s: %v", o.Path, err)
		}
	}
}
