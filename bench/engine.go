package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"

	"gongfu/live"
)

// QueryKind is one of the dashboard queries.
type QueryKind int

// The query mix: the four questions a dashboard asks.
const (
	CityOverview QueryKind = iota
	CountyTable
	TownshipTrend
	Equalization
	numKinds
)

var kindNames = [numKinds]string{"city_overview", "county_table", "township_trend", "equalization"}

func (k QueryKind) String() string { return kindNames[k] }

// Query is one dashboard query with its parameters.
type Query struct {
	Kind                           QueryKind
	City, County, Township, Target int
	Month                          int
}

// Answer is a query's result; exactly one field is set.
type Answer struct {
	Domains []live.DomainRow
	Table   []live.TargetRow
	Trend   []live.Point
	Eq      *live.Equalization
}

// engine answers the dashboard queries and makes a durable write visible.
type engine interface {
	Name() string
	Answer(ctx context.Context, q Query) (Answer, error)
	// Write durably commits a new value of an existing leaf and makes it
	// visible to Answer.
	Write(ctx context.Context, r Row) error
	Close() error
}

// Mix returns n queries, the four kinds in turn, with parameters drawn
// from a seeded generator so that every engine runs the same list.
func Mix(d *Dataset, n int, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, 7))
	qs := make([]Query, n)
	for i := range qs {
		q := Query{Kind: QueryKind(i % int(numKinds)), Month: rng.IntN(d.Months)}
		switch q.Kind {
		case CityOverview:
			q.City = rng.IntN(d.Cities)
		case CountyTable:
			q.County = rng.IntN(d.Counties)
		case TownshipTrend:
			q.Township = rng.IntN(d.Townships)
			// A target some village of the township reports, as a
			// dashboard would offer.
			a, b := d.TownshipVillages(q.Township)
			v := int(a) + rng.IntN(int(b-a))
			ts := d.H.Targets[d.H.Start[v]:d.H.Start[v+1]]
			q.Target = int(ts[rng.IntN(len(ts))])
		}
		qs[i] = q
	}
	return qs
}

// aggAnswer turns per-key roll-ups into the query's answer with the plan's
// arithmetic, the same for every engine.
func aggAnswer(d *Dataset, q Query, aggs []live.Agg) Answer {
	p := d.Plan
	nT := d.Targets
	switch q.Kind {
	case CityOverview:
		return Answer{Domains: p.Overview(q.Month, p.CityGoal[q.City*nT:(q.City+1)*nT], aggs)}
	case CountyTable:
		return Answer{Table: p.Table(q.Month, p.CountyGoal[q.County*nT:(q.County+1)*nT], aggs)}
	case TownshipTrend:
		return Answer{Trend: p.Trend(q.Target, aggs)}
	default:
		// The SQL keys are county·targets + target; Equalize wants the
		// rate targets only, county by county.
		rates := p.RateTargets()
		compact := make([]live.Agg, 0, d.Counties*len(rates))
		for k := 0; k < d.Counties; k++ {
			for _, t := range rates {
				compact = append(compact, aggs[k*nT+int(t)])
			}
		}
		eq := p.Equalize(allCounties(d), compact)
		return Answer{Eq: &eq}
	}
}

func allCounties(d *Dataset) []int32 {
	ks := make([]int32, d.Counties)
	for i := range ks {
		ks[i] = int32(i)
	}
	return ks
}

// aggLen is the number of roll-up cells a query's answer is made from.
func aggLen(d *Dataset, k QueryKind) int {
	switch k {
	case TownshipTrend:
		return d.Months
	case Equalization:
		return d.Counties * d.Targets
	}
	return d.Targets
}

// rateList is the rate targets as an SQL list: "1,3,5".
func rateList(d *Dataset) string {
	var b strings.Builder
	for i, t := range d.Plan.RateTargets() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(t)))
	}
	if b.Len() == 0 {
		return "-1"
	}
	return b.String()
}

// Same reports whether two answers agree, and how they differ when not.
func Same(a, b Answer) (bool, string) {
	if reflect.DeepEqual(a, b) {
		return true, ""
	}
	return false, fmt.Sprintf("%+v\n  vs %+v", a, b)
}

// liveEngine is gongfu: queries from the live index, writes committed to
// the SQLite store (WAL, synchronous=FULL) and then applied to the index.
type liveEngine struct {
	ix    *live.Index
	store *sqliteEngine
}

func (e *liveEngine) Name() string { return "gongfu" }

func (e *liveEngine) Answer(ctx context.Context, q Query) (Answer, error) {
	switch q.Kind {
	case CityOverview:
		r, err := e.ix.CityOverview(q.City, q.Month)
		return Answer{Domains: r}, err
	case CountyTable:
		r, err := e.ix.CountyDomainTable(q.County, q.Month)
		return Answer{Table: r}, err
	case TownshipTrend:
		r, err := e.ix.TownshipTrend(q.Township, q.Target)
		return Answer{Trend: r}, err
	default:
		r, err := e.ix.Equalization(nil, q.Month)
		return Answer{Eq: &r}, err
	}
}

func (e *liveEngine) Write(ctx context.Context, r Row) error {
	if err := e.store.Write(ctx, r); err != nil {
		return err
	}
	return e.ix.Set(r.Leaf())
}

func (e *liveEngine) Close() error { return nil }
