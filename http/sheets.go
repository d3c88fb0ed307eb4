// This file is the browser side of the spreadsheets a plan office works in:
// the 任务分解表 (GET /plans/{id}/decomposition.xlsx), a reporter's
// template for a period (GET /report/template.xlsx) and the upload of a
// filled one (POST /report/upload), so that the monthly cycle needs no
// command line.
//
// Which rows a template holds, against which area and with which of last
// period's figures, and how a filled template's rows become reports, are
// decided by package reporting, the same code `gongfu export template` and
// `gongfu import reports` run; who may do it is decided by s.can.
package http

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"gongfu"
	"gongfu/reporting"
	"gongfu/xlsx"
)

// xlsxType is the media type of an .xlsx workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// MaxSheetBytes bounds an uploaded template.
const MaxSheetBytes = xlsx.MaxFileSize

// sendXLSX sends a workbook as a download named name (.xlsx added); the
// name may be Chinese, written as RFC 2231 by mime.FormatMediaType.
func sendXLSX(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": fileName(name) + ".xlsx"})
	if cd == "" {
		cd = "attachment"
	}
	h.Set("Content-Disposition", cd)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-store")
	w.Write(data)
}

// fileName makes s safe as a file name on Windows, macOS and Linux: no
// path separators, reserved or control characters, at most 80 characters.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`/\:*?"<>|`, r), unicode.IsControl(r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	if s == "" {
		return "gongfu"
	}
	return s
}

// tooLarge reports whether err is a request body beyond its limit.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe) || strings.Contains(err.Error(), "too large")
}

// decompositionDownload sends the plan's 任务分解表: every target and
// milestone with each county's quota, as on the quotas page.
func (s *Server) decompositionDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actSupervise, scope{}); err != nil {
		return err
	}
	p, err := s.planFor(r)
	if err != nil {
		return err
	}
	counties, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return err
	}
	quotas, err := s.Store.FindQuotas(ctx, p.ID, "")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := xlsx.ExportDecomposition(&buf, p, counties, quotas); err != nil {
		return err
	}
	if err := s.securityEvent(gongfu.WithActor(ctx, u), "export", "plan/"+strconv.FormatInt(p.ID, 10)+"/decomposition.xlsx", "ok"); err != nil {
		return err
	}
	sendXLSX(w, p.Title+"-任务分解表", buf.Bytes())
	return nil
}

// templateURL is the address of the template of plan and period.
func templateURL(planID int64, period string) string {
	return "/report/template.xlsx?" + url.Values{"plan": {strconv.FormatInt(planID, 10)}, "period": {period}}.Encode()
}

// templateDownload sends the reporter's own org's template for ?plan= and
// ?period= (the list's choices): the items the list shows, last period's
// figures filled in.
func (s *Server) templateDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	if err := s.can(ctx, u, actWriteReport, scope{}); err != nil {
		return err
	}
	area, own, err := s.reportingArea(ctx, u)
	if err != nil {
		return err
	}
	plans, err := s.Store.FindPlans(ctx)
	if err != nil {
		return err
	}
	if len(plans) == 0 {
		return gongfu.Failf(gongfu.ENOTFOUND, "还没有导入任何计划")
	}
	q, lang, now := r.URL.Query(), langOf(r), s.Now()
	p, err := s.choosePlan(ctx, q, plans)
	if err != nil {
		return err
	}
	per, _ := choosePeriod(lang, q.Get("period"), planYear(p, now), now)
	if v := q.Get("period"); v != "" {
		if asked, err := gongfu.ParsePeriod(v); err != nil || asked != per {
			return gongfu.Failf(gongfu.EINVALID, "报告期 %s 不可选：只能下载计划年度内已开始的月份的模板", v)
		}
	}
	if err := s.can(ctx, u, actWriteReport, scope{planID: p.ID, orgID: area.ID}); err != nil {
		return err
	}
	tmpl, err := reporting.NewTemplate(ctx, s.Store, p, own, per)
	if err != nil {
		return err
	}
	// The rows are the items the policy lets u report, as on the list.
	items := tmpl.Items[:0]
	for _, id := range tmpl.Items {
		if err := s.can(ctx, u, actWriteReport, scope{p.ID, id, area.ID}); gongfu.ErrorCode(err) == gongfu.EFORBIDDEN {
			continue
		} else if err != nil {
			return err
		}
		items = append(items, id)
	}
	if len(items) == 0 {
		return gongfu.Failf(gongfu.EINVALID, "本期没有需要您填报的指标")
	}
	tmpl.Items = items
	var buf bytes.Buffer
	if err := tmpl.Write(&buf); err != nil {
		return err
	}
	if err := s.securityEvent(gongfu.WithActor(ctx, u), "export", "plan/"+strconv.FormatInt(p.ID, 10)+"/template/"+
		strconv.FormatInt(own.ID, 10)+"/"+per.String()+".xlsx", "ok"); err != nil {
		return err
	}
	sendXLSX(w, own.Name+"-"+per.String()+"-填报模板", buf.Bytes())
	return nil
}

// uploadData is what the upload result page shows of a refused template.
type uploadData struct {
	Error        string
	Details      []string
	Plan, Period string // the list the upload came from, for the form and the way back
	BackURL      string
	MaxMB        int
}

// sheetDetail picks one language out of a problem xlsx.Problem wrote,
// "填报 表第 7 行 F 列：… (sheet 填报 row 7 column F: …)", whose English may
// hold brackets of its own; other details as localized does.
func sheetDetail(lang, d string) string {
	if i := strings.Index(d, " (sheet "); i > 0 && strings.HasSuffix(d, ")") {
		if lang == langEN {
			return d[i+2 : len(d)-1]
		}
		return d[:i]
	}
	return localized(lang, d)
}

// templateUpload imports a filled template of the reporter's own org: its
// rows are checked as `gongfu import reports` checks them (reporting.Check)
// and, when every row is valid, saved as drafts in one transaction; the
// list then shows what was imported. A refused template saves nothing and
// shows every problem by sheet, row and column (422); another org's
// template is 403. /metrics counts every report of the upload, accepted
// or rejected (metrics.countReports).
func (s *Server) templateUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	// rows is how many reports the upload holds, once it has been read;
	// a refusal rejects them all (one, while the file is unread).
	rows := 1
	count := func(err error) error {
		s.metrics.countReports(rows, err)
		return err
	}
	if err := s.can(ctx, u, actWriteReport, scope{}); err != nil {
		return count(err)
	}
	lang := langOf(r)
	d := &uploadData{BackURL: "/report", MaxMB: MaxSheetBytes >> 20}
	refuse := func(err error) error {
		count(err)
		d.Error = errText(lang, err)
		for _, x := range gongfu.ErrorDetails(err) {
			d.Details = append(d.Details, sheetDetail(lang, x))
		}
		s.renderStatus(w, r, statusOf(gongfu.ErrorCode(err)), "sheet_upload", translate(lang, "sheet.upload.title"), d)
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxSheetBytes+64<<10)
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		if tooLarge(err) {
			return refuse(gongfu.Failf(gongfu.ETOOLARGE, "文件超过 %d MB", MaxSheetBytes>>20))
		}
		return refuse(gongfu.Failf(gongfu.EINVALID, "请选择要上传的 .xlsx 文件"))
	}
	if err := checkCSRF(r); err != nil {
		return err
	}
	if id, err := strconv.ParseInt(r.PostFormValue("plan"), 10, 64); err == nil && id > 0 {
		d.Plan = strconv.FormatInt(id, 10)
		v := url.Values{"plan": {d.Plan}}
		if per, err := gongfu.ParsePeriod(r.PostFormValue("period")); err == nil {
			d.Period = per.String()
			v.Set("period", d.Period)
		}
		d.BackURL = "/report?" + v.Encode()
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return refuse(gongfu.Failf(gongfu.EINVALID, "请选择要上传的 .xlsx 文件"))
	}
	defer f.Close()
	filled, err := xlsx.ImportTemplate(f, MaxSheetBytes)
	if err != nil {
		if code := gongfu.ErrorCode(err); code == gongfu.EINVALID || code == gongfu.ETOOLARGE {
			return refuse(err)
		}
		return err
	}
	rows = max(1, len(filled.Rows))
	// A reporter imports its own unit's template only: another's would
	// put the figures under the wrong name.
	if filled.OrgID != u.OrgID {
		return count(gongfu.Failf(gongfu.EFORBIDDEN, "该模板属于其他单位（%s），您只能导入本单位的模板", filled.OrgName))
	}
	area, own, err := s.reportingArea(ctx, u)
	if err != nil {
		return err
	}
	if filled.OrgName != "" && filled.OrgName != own.Name {
		return refuse(gongfu.Failf(gongfu.EINVALID, "模板所属的单位「%s」与您的单位「%s」不符，模板可能来自另一个系统，请重新下载模板", filled.OrgName, own.Name))
	}
	p, err := s.plan(ctx, filled.PlanID)
	if gongfu.ErrorCode(err) == gongfu.ENOTFOUND {
		return refuse(gongfu.Failf(gongfu.EINVALID, "模板所属的计划 %d 不在本系统中，请重新下载模板", filled.PlanID))
	} else if err != nil {
		return err
	}
	if filled.PlanTitle != "" && filled.PlanTitle != p.Title {
		return refuse(gongfu.Failf(gongfu.EINVALID, "模板属于计划「%s」，而本系统的计划 %d 是「%s」，请重新下载模板", filled.PlanTitle, p.ID, p.Title))
	}
	v := url.Values{"plan": {strconv.FormatInt(p.ID, 10)}, "period": {filled.Period}}
	d.Plan, d.Period, d.BackURL = v.Get("plan"), filled.Period, "/report?"+v.Encode()
	per, err := gongfu.ParsePeriod(filled.Period)
	if err != nil {
		return refuse(err)
	}
	if end := per.End(); end.AddDate(0, 0, 1-end.Day()).After(s.Now()) {
		return refuse(gongfu.Failf(gongfu.EINVALID, "报告期 %s 尚未开始", filled.Period))
	}
	if err := s.can(ctx, u, actWriteReport, scope{planID: p.ID, orgID: area.ID}); err != nil {
		return count(err)
	}
	imp, err := reporting.Check(ctx, s.Store, p, own, filled)
	if err != nil {
		if gongfu.ErrorCode(err) == gongfu.EINVALID {
			return refuse(err)
		}
		return err
	}
	for _, rep := range imp.Reports {
		if err := s.can(ctx, u, actWriteReport, scope{rep.PlanID, rep.ItemID, rep.OrgID}); err != nil {
			return count(err)
		}
	}
	rows = len(imp.Reports)
	if err := s.Store.SaveReports(gongfu.WithActor(ctx, u), imp.Reports); err != nil {
		if code := gongfu.ErrorCode(err); code == gongfu.EINVALID || code == gongfu.ECONFLICT {
			return refuse(err)
		}
		return err
	}
	count(nil)
	v.Set("imported", strconv.Itoa(len(imp.Reports)))
	v.Set("skipped", strconv.Itoa(imp.Skipped))
	if imp.Flagged > 0 {
		v.Set("flagged", strconv.Itoa(imp.Flagged))
	}
	http.Redirect(w, r, "/report?"+v.Encode(), http.StatusSeeOther)
	return nil
}

// importedSummary is the list's note on a template just imported, from the
// query the upload redirected with; "" when there is none.
func importedSummary(lang string, q url.Values) (string, string) {
	n, err := strconv.Atoi(q.Get("imported"))
	if err != nil || n < 0 {
		return "", ""
	}
	skipped, _ := strconv.Atoi(q.Get("skipped"))
	flagged := ""
	if f, err := strconv.Atoi(q.Get("flagged")); err == nil && f > 0 {
		flagged = fmt.Sprintf(translate(lang, "sheet.flagged"), f)
	}
	return fmt.Sprintf(translate(lang, "sheet.imported"), n, max(skipped, 0)), flagged
}
