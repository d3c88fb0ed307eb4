package live

import (
	"slices"
	"sync"

	"gongfu"
	"gongfu/eval"
)

// Figures holds one plan's official figures in memory: for every item
// (target or milestone) and every area org, the submitted and approved
// reports as eval figures, ordered by period. The server builds it from the
// store at start-up and applies each write after the store committed it,
// so the status pages judge from memory instead of reading every report
// back from the database on each change (at city scale that read was four
// fifths of the cost of a fresh assessment: 100 of 125 ms).
//
// Why this shape and not the columns of Index: eval judges an item from
// the whole series of each org's figures, with their stages, percents and
// rate parts, so that is what is kept, per (item, org) pair, in one slice
// per pair; items are numbered once from the plan (which never changes once
// stored) and orgs as they first report. A city plan holds a few hundred
// items × a dozen orgs × twelve months; Index is the structure for the
// village-level roll-ups of a province (see gongfu bench).
//
// Drafts and returned reports are not official figures and are not kept:
// Put of such a report removes the figure it replaces.
type Figures struct {
	mu      sync.RWMutex
	itemNo  map[string]int32 // item id → number; fixed at construction
	itemIDs []string
	orgNo   map[int64]int32 // org id → number, in order of first report
	orgIDs  []int64
	// pairs[item][org] is the pair's figures, ascending by period.
	pairs   [][][]eval.Figure
	itemVer []int64 // per item: changes applied to its figures
	n       int     // figures held
	version int64   // changes applied
}

// NewFigures returns an empty table for plan p's items.
func NewFigures(p *gongfu.Plan) *Figures {
	f := &Figures{itemNo: map[string]int32{}, orgNo: map[int64]int32{}}
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, tg := range t.Targets {
				f.addItem(tg.ID)
			}
			for _, m := range t.Milestones {
				f.addItem(m.ID)
			}
		}
	}
	f.pairs = make([][][]eval.Figure, len(f.itemIDs))
	f.itemVer = make([]int64, len(f.itemIDs))
	return f
}

func (f *Figures) addItem(id string) {
	if _, ok := f.itemNo[id]; !ok {
		f.itemNo[id] = int32(len(f.itemIDs))
		f.itemIDs = append(f.itemIDs, id)
	}
}

// Official reports whether a report in status st is an official figure:
// submitted (vouched for by its unit) or approved. A draft is work in
// progress and a returned report was sent back as wrong.
func Official(st gongfu.ReportStatus) bool {
	return st == gongfu.StatusSubmitted || st == gongfu.StatusApproved
}

// Put applies a report as stored: an official report's figure is set (a
// new one, or replacing the same org and period's), any other removes it.
// It reports whether the table changed. Reports of items not in the plan,
// or with a period the store would not hold, are ignored.
func (f *Figures) Put(r *gongfu.Report) bool {
	if !Official(r.Status) {
		return f.Remove(r.ReportKey)
	}
	it, ok := f.itemNo[r.ItemID]
	if !ok {
		return false
	}
	fig, err := eval.FigureOf(r)
	if err != nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.org(r.OrgID)
	row := f.pairs[it][o]
	i, found := slices.BinarySearchFunc(row, fig.Period, comparePeriod)
	if found {
		row[i] = fig
	} else {
		f.pairs[it][o] = slices.Insert(row, i, fig)
		f.n++
	}
	f.version++
	f.itemVer[it]++
	return true
}

// Remove drops the figure of report k, if any, and reports whether there
// was one.
func (f *Figures) Remove(k gongfu.ReportKey) bool {
	it, ok := f.itemNo[k.ItemID]
	if !ok {
		return false
	}
	p, err := gongfu.ParsePeriod(k.Period)
	if err != nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orgNo[k.OrgID]
	if !ok {
		return false
	}
	row := f.pairs[it][o]
	i, found := slices.BinarySearchFunc(row, p, comparePeriod)
	if !found {
		return false
	}
	f.pairs[it][o] = slices.Delete(row, i, i+1)
	f.n--
	f.version++
	f.itemVer[it]++
	return true
}

// org returns org id's number, adding a column to every item when it is
// new; the write lock is held.
func (f *Figures) org(id int64) int32 {
	if o, ok := f.orgNo[id]; ok {
		return o
	}
	o := int32(len(f.orgIDs))
	f.orgNo[id] = o
	f.orgIDs = append(f.orgIDs, id)
	for i := range f.pairs {
		f.pairs[i] = append(f.pairs[i], nil)
	}
	return o
}

func comparePeriod(fig eval.Figure, p gongfu.Period) int {
	return comparePeriods(fig.Period, p)
}

// comparePeriods orders periods by year, then frequency, then index: any
// total order does, as long as it is the same for every search.
func comparePeriods(a, b gongfu.Period) int {
	switch {
	case a.Year != b.Year:
		return a.Year - b.Year
	case a.Freq != b.Freq:
		if a.Freq < b.Freq {
			return -1
		}
		return 1
	}
	return a.Index - b.Index
}

// Each calls fn for every (item, org) pair with figures, under the read
// lock: fn must not call back into f, and must copy figs to keep them
// beyond the call, since a later Put replaces figures in place. It returns
// every item's stamp as of the figures fn saw, a number that changes with
// each change to the item's figures (for eval's Memo): taken under the same
// lock, so a stamp never labels figures older or newer than those seen.
func (f *Figures) Each(fn func(item string, org int64, figs []eval.Figure)) map[string]int64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	stamps := make(map[string]int64, len(f.itemIDs))
	for it, id := range f.itemIDs {
		stamps[id] = f.itemVer[it]
	}
	for it, row := range f.pairs {
		for o, figs := range row {
			if len(figs) > 0 {
				fn(f.itemIDs[it], f.orgIDs[o], figs)
			}
		}
	}
	return stamps
}

// Len returns the number of figures held.
func (f *Figures) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.n
}

// Version counts the changes applied; it moves on every change, so a
// result computed from the table at one version is current while the
// version stays.
func (f *Figures) Version() int64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.version
}
