package http

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gongfu"
	"gongfu/bulletin"
	"gongfu/eval"
)

// bulletinRoutes are the monthly bulletin (月度通报) as a print-ready page
// and as downloads, and the public progress page with the coordinator's
// choice of what it shows (public.go).
func (s *Server) bulletinRoutes(mux *http.ServeMux) {
	mux.Handle("GET /bulletin", s.page(s.bulletinPage))
	mux.Handle("GET /bulletin.xlsx", s.page(s.bulletinDownload(".xlsx", bulletin.WriteXLSX)))
	mux.Handle("GET /bulletin.docx", s.page(s.bulletinDownload(".docx", bulletin.WriteDOCX)))
	s.publicRoutes(mux)
}

// Content types of the downloads, by extension.
var officeTypes = map[string]string{
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

// bulletinView is what the bulletin page shows around the document.
type bulletinView struct {
	Plan     *gongfu.Plan
	Period   gongfu.Period
	Periods  []option
	Bulletin *bulletin.Bulletin
}

// bulletinPage is GET /bulletin?plan=&period=: the bulletin of a period as
// a page that prints as the document (style.css, @media print).
func (s *Server) bulletinPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.bulletinFor(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "bulletin", v.Bulletin.Title, v)
}

// bulletinDownload serves the bulletin as a file written by write, as an
// attachment named after its title.
func (s *Server) bulletinDownload(ext string, write func(io.Writer, *bulletin.Bulletin) error) pageFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.bulletinFor(r)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := write(&buf, v.Bulletin); err != nil {
			return err
		}
		u, _, _ := s.currentUser(r) // bulletinFor refused the public
		object := "plan/" + strconv.FormatInt(v.Plan.ID, 10) + "/bulletin/" + v.Period.String() + ext
		if err := s.securityEvent(gongfu.WithActor(r.Context(), u), "export", object, "ok"); err != nil {
			return err
		}
		w.Header().Set("Content-Type", officeTypes[ext])
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": bulletinFileName(v.Bulletin.Title) + ext}))
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(buf.Bytes())
		return nil
	}
}

// bulletinFileName makes a title safe as a file name on every system.
func bulletinFileName(title string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, title)
}

// bulletinFor gathers and builds the bulletin r asks for: the plan of
// ?plan= (the newest by default) and the period of ?period= (by default the
// latest one whose reporting deadline has passed). Coordinators and leaders
// may read it (actReadStatus).
//
// The figures are those of the period: the plan is judged the day after
// the period's deadline, so that whatever came in on the deadline day
// counts and whatever did not is overdue (grey, and listed as not
// reported), and figures of later periods are left out, so that the May
// bulletin printed in July still shows May.
func (s *Server) bulletinFor(r *http.Request) (*bulletinView, error) {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return nil, err
	}
	if err := s.can(ctx, u, actReadStatus, scope{}); err != nil {
		return nil, err
	}
	p, err := s.planParam(r)
	if err != nil {
		return nil, err
	}
	st, err := s.Store.FindPlanSettings(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	per, opts, err := bulletinPeriod(langOf(r), r.URL.Query().Get("period"), p.Year, st, dayOf(s.Now()))
	if err != nil {
		return nil, err
	}
	deadline := per.Deadline(st.DeadlineDay)
	a, err := s.assessPeriod(ctx, p, per, deadline.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	units, err := s.leadUnits(ctx, p, a)
	if err != nil {
		return nil, err
	}
	missing, err := s.missingReports(ctx, p, per.String())
	if err != nil {
		return nil, err
	}
	unmet := make([]bulletin.Unmet, len(missing))
	for i, m := range missing {
		unmet[i] = bulletin.Unmet{Org: m.Name, Items: m.Items}
	}
	b := bulletin.Build(bulletin.Input{
		Plan: p, Period: per, Assessment: a, Units: units, Missing: unmet,
		Issuer: p.Issuer, Date: dayOf(s.Now()), AsOf: deadline,
	})
	return &bulletinView{Plan: p, Period: per, Periods: opts, Bulletin: b}, nil
}

// planParam returns the plan of ?plan=, or the newest plan when none is
// named; ENOTFOUND when there is none.
func (s *Server) planParam(r *http.Request) (*gongfu.Plan, error) {
	if v := r.URL.Query().Get("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, gongfu.Failf(gongfu.ENOTFOUND, "找不到该计划")
		}
		return s.plan(r.Context(), id)
	}
	plans, err := s.Store.FindPlans(r.Context())
	if err != nil {
		return nil, err
	}
	if len(plans) == 0 {
		return nil, gongfu.Failf(gongfu.ENOTFOUND, "还没有导入任何计划")
	}
	return s.plan(r.Context(), plans[0].ID)
}

// bulletinPeriod reads the period of a bulletin: v when given, else the
// latest period of the plan year whose deadline has passed by today. A
// period must be of the plan's year and reporting frequency, and its
// deadline must have passed: a bulletin reports on what was due. It returns
// the periods to choose from too, latest first.
func bulletinPeriod(lang, v string, year int, st gongfu.PlanSettings, today time.Time) (gongfu.Period, []option, error) {
	freq := gongfu.Monthly
	if st.Frequency == gongfu.Quarterly {
		freq = gongfu.Quarterly
	}
	due, ok := eval.DuePeriod(year, freq, today, st.DeadlineDay)
	if !ok {
		return gongfu.Period{}, nil, gongfu.Failf(gongfu.EINVALID,
			"%d 年度尚无已过报送截止日的报告期，暂无可通报的内容", year)
	}
	per := due
	if v != "" {
		p, err := gongfu.ParsePeriod(v)
		if err != nil {
			return gongfu.Period{}, nil, err
		}
		switch {
		case p.Freq != freq && freq == gongfu.Quarterly:
			return gongfu.Period{}, nil, gongfu.Failf(gongfu.EINVALID, "该计划按季度报送，报告期应为 YYYY-Qn")
		case p.Freq != freq:
			return gongfu.Period{}, nil, gongfu.Failf(gongfu.EINVALID, "该计划按月报送，报告期应为 YYYY-MM")
		case p.Year != year:
			return gongfu.Period{}, nil, gongfu.Failf(gongfu.EINVALID, "报告期 %s 不在计划年度 %d 内", v, year)
		case p.Index > due.Index:
			return gongfu.Period{}, nil, gongfu.Failf(gongfu.EINVALID, "报告期 %s 的报送截止日（%s）还没有过",
				p.String(), p.Deadline(st.DeadlineDay).Format(time.DateOnly))
		}
		per = p
	}
	var opts []option
	for i := due.Index; i >= 1; i-- {
		p := gongfu.Period{Year: year, Freq: freq, Index: i}
		opts = append(opts, option{Value: p.String(), Label: periodLabel(lang, p), Selected: p == per})
	}
	return per, opts, nil
}

// assessPeriod judges plan p at date at on the figures of period per and
// earlier: those of later periods (a June figure already in when the May
// bulletin is printed) are left out. It reads the store as s.assess does
// (assessInput, on the live figures), so lights agree with every other page
// for the same figures.
func (s *Server) assessPeriod(ctx context.Context, p *gongfu.Plan, per gongfu.Period, at time.Time) (*eval.Assessment, error) {
	figs, _, err := s.figures(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	in, err := s.assessInput(ctx, p.ID, dayOf(at), figs)
	if err != nil {
		return nil, err
	}
	for item, byOrg := range in.Values {
		for org, figs := range byOrg {
			kept := figs[:0:0]
			for _, f := range figs {
				if f.Period.Year < per.Year || f.Period.Year == per.Year && f.Period.EndMonth() <= per.EndMonth() {
					kept = append(kept, f)
				}
			}
			in.Values[item][org] = kept
		}
	}
	return eval.Assess(*in), nil
}

// leadUnits maps each plan-wide item of a that the bulletin lists (done,
// red, yellow) to the name of its lead unit as the store holds it.
func (s *Server) leadUnits(ctx context.Context, p *gongfu.Plan, a *eval.Assessment) (map[string]string, error) {
	orgs, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	out := map[string]string{}
	for _, row := range a.RowsOf("") {
		switch row.Light {
		case eval.LightDone, eval.LightRed, eval.LightYellow:
		default:
			continue
		}
		units, err := s.Store.FindItemUnits(ctx, p.ID, row.ID)
		if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, iu := range units {
			if iu.Lead {
				out[row.ID] = names[iu.OrgID]
				break
			}
		}
	}
	return out, nil
}
