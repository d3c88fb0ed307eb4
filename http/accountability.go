package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gongfu"
)

// missingOrg is one org that has not reported all it owes for a period.
type missingOrg struct {
	OrgID int64    `json:"org_id"`
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Items []string `json:"items"`
}

// missingReports works out who has not reported for a period (催报): every
// county owes a figure for each target of the plan; the lead department of
// each milestone owes its stage, reported against the city. A draft is not
// a report: only submitted and approved ones count.
func (s *Server) missingReports(ctx context.Context, p *gongfu.Plan, period string) ([]missingOrg, error) {
	reps, err := s.Store.FindReports(ctx, gongfu.ReportFilter{PlanID: p.ID, Period: period})
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, r := range reps {
		if r.Status == gongfu.StatusSubmitted || r.Status == gongfu.StatusApproved {
			done[fmt.Sprintf("%s|%d", r.ItemID, r.OrgID)] = true
		}
	}
	counties, err := s.Store.FindOrgs(ctx, gongfu.OrgFilter{Kind: gongfu.OrgCounty})
	if err != nil {
		return nil, err
	}
	var out []missingOrg
	for _, c := range counties {
		m := missingOrg{OrgID: c.ID, Name: c.Name, Kind: string(c.Kind)}
		for _, d := range p.Domains {
			for _, t := range d.Tasks {
				for _, g := range t.Targets {
					if !done[fmt.Sprintf("%s|%d", g.ID, c.ID)] {
						m.Items = append(m.Items, g.ID)
					}
				}
			}
		}
		if len(m.Items) > 0 {
			out = append(out, m)
		}
	}
	byDept := map[int64]*missingOrg{}
	var order []int64
	for _, d := range p.Domains {
		for _, t := range d.Tasks {
			for _, ms := range t.Milestones {
				units, err := s.Store.FindItemUnits(ctx, p.ID, ms.ID)
				if err != nil {
					return nil, err
				}
				if len(units) == 0 {
					continue
				}
				dept, err := s.orgByID(ctx, units[0].OrgID)
				if err != nil {
					return nil, err
				}
				if done[fmt.Sprintf("%s|%d", ms.ID, dept.ParentID)] {
					continue
				}
				m := byDept[dept.ID]
				if m == nil {
					m = &missingOrg{OrgID: dept.ID, Name: dept.Name, Kind: string(dept.Kind)}
					byDept[dept.ID] = m
					order = append(order, dept.ID)
				}
				m.Items = append(m.Items, ms.ID)
			}
		}
	}
	for _, id := range order {
		out = append(out, *byDept[id])
	}
	return out, nil
}

// periodParam reads ?period= (or a JSON field) as a canonical period.
func periodParam(v string) (string, error) {
	if v == "" {
		return "", gongfu.Failf(gongfu.EINVALID, "请指定报告期 period（YYYY-MM）")
	}
	p, err := gongfu.ParsePeriod(v)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// apiMissing lists, for ?period=, the orgs that have not reported and what
// they owe.
func (s *Server) apiMissing(w http.ResponseWriter, r *http.Request) error {
	planID, _, err := s.planAction(r, actSupervise)
	if err != nil {
		return err
	}
	period, err := periodParam(r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	p, err := s.plan(r.Context(), planID)
	if err != nil {
		return err
	}
	missing, err := s.missingReports(r.Context(), p, period)
	if err != nil {
		return err
	}
	if missing == nil {
		missing = []missingOrg{}
	}
	return writeJSON(w, http.StatusOK, missing)
}

// apiRemind sends a reminder to every org that has not reported for a
// period: an in-app notice always, and a chat-robot message when a webhook
// is configured.
func (s *Server) apiRemind(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actRemind)
	if err != nil {
		return err
	}
	var in struct {
		Period string `json:"period"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	period, err := periodParam(in.Period)
	if err != nil {
		return err
	}
	p, err := s.plan(r.Context(), planID)
	if err != nil {
		return err
	}
	per, _ := gongfu.ParsePeriod(period)
	n, missing, webhook, err := s.remind(r.Context(), u, p, per)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"period": period, "notices": n, "missing": missing, "webhook": webhook})
}

// remind sends one in-app notice to every org that has not reported for
// per, and a summary to the chat robot when a webhook is configured. It
// returns the number of notices, the missing list and the webhook outcome
// ("off", "sent" or "failed").
func (s *Server) remind(ctx context.Context, u *gongfu.User, p *gongfu.Plan, per gongfu.Period) (int, []missingOrg, string, error) {
	period := per.String()
	deadline := per.Deadline(s.DeadlineDay).Format("2006年1月2日")
	missing, err := s.missingReports(ctx, p, period)
	if err != nil {
		return 0, nil, "", err
	}
	var notices []*gongfu.Notice
	var lines []string
	for _, m := range missing {
		text := fmt.Sprintf("【催报】%s：%s 尚有 %d 项未报送（%s），报送截止 %s，请尽快填报。",
			p.Title, period, len(m.Items), strings.Join(first(m.Items, 8), "、"), deadline)
		notices = append(notices, &gongfu.Notice{OrgID: m.OrgID, PlanID: p.ID, Period: period, Kind: "reminder", Text: text})
		lines = append(lines, fmt.Sprintf("%s：%d 项", m.Name, len(m.Items)))
	}
	if len(notices) > 0 {
		if err := s.Store.CreateNotices(gongfu.WithActor(ctx, u), notices); err != nil {
			return 0, nil, "", err
		}
	}
	webhook := "off"
	if s.Webhook != "" && len(lines) > 0 {
		msg := fmt.Sprintf("【催报】%s %s 未报送单位 %d 个（截止 %s）：\n%s", p.Title, period, len(lines), deadline, strings.Join(lines, "\n"))
		if err := s.postWebhook(ctx, msg); err != nil {
			s.Logger.Warn("reminder webhook", "rid", requestID(ctx), "err", err)
			webhook = "failed"
		} else {
			webhook = "sent"
		}
	}
	if missing == nil {
		missing = []missingOrg{}
	}
	return len(notices), missing, webhook, nil
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(append([]string{}, xs[:n]...), "…")
	}
	return xs
}

// postWebhook sends a text message in the JSON both DingTalk and WeCom group
// robots accept: {"msgtype":"text","text":{"content":…}}.
func (s *Server) postWebhook(ctx context.Context, text string) error {
	body, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Webhook, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook: status %d", resp.StatusCode)
	}
	return nil
}

// apiNotices returns the caller's org's notices.
func (s *Server) apiNotices(w http.ResponseWriter, r *http.Request) error {
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	if u.OrgID == 0 {
		return writeJSON(w, http.StatusOK, []*gongfu.Notice{})
	}
	ns, err := s.Store.FindNotices(r.Context(), u.OrgID, 100)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ns)
}

// apiSetUnits lets a coordinator change who answers for an item:
// {"lead": orgID, "co": [orgID…]}.
func (s *Server) apiSetUnits(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actEditUnits)
	if err != nil {
		return err
	}
	var in struct {
		Lead int64   `json:"lead"`
		Co   []int64 `json:"co"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Lead == 0 {
		return gongfu.Failf(gongfu.EINVALID, "须指定牵头单位 lead")
	}
	units := []gongfu.ItemUnit{{OrgID: in.Lead, Lead: true}}
	for _, id := range in.Co {
		units = append(units, gongfu.ItemUnit{OrgID: id})
	}
	item := r.PathValue("itemID")
	if err := s.Store.SetItemUnits(gongfu.WithActor(r.Context(), u), planID, item, units); err != nil {
		return err
	}
	units, err = s.Store.FindItemUnits(r.Context(), planID, item)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, units)
}

// Attachment limits: evidence is a scan, a photo or an office document.
const MaxAttachmentBytes = 10 << 20

// allowedAttachment returns the content type of data when it is a kind of
// evidence gongfu accepts, judged by content, not by the file's name.
func allowedAttachment(name string, data []byte) (string, bool) {
	ct := http.DetectContentType(data)
	switch {
	case ct == "application/pdf", ct == "image/png", ct == "image/jpeg", ct == "image/gif", ct == "image/webp":
		return ct, true
	case ct == "application/zip":
		// Office Open XML files are zips; accept them by extension only
		// after the content proved to be a zip.
		switch strings.ToLower(filepath.Ext(name)) {
		case ".docx":
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true
		case ".xlsx":
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true
		}
	case strings.HasPrefix(ct, "text/plain") && utf8.Valid(data):
		return "text/plain; charset=utf-8", true
	}
	return ct, false
}

// apiAddAttachment stores an uploaded file (multipart "file") on a report.
func (s *Server) apiAddAttachment(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	a, err := s.addAttachment(w, r, u, k, nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

// addAttachment attaches the multipart "file" of r to report k on behalf
// of u. It is the one path the API and the entry form both take, so they
// check the same things: u may write the report, the body holds at most
// MaxAttachmentBytes, the file is not empty and its content (not its name)
// is a kind of evidence gongfu accepts; the store then refuses a report not
// saved yet (ENOTFOUND) or approved (ECONFLICT). checkForm, when not nil,
// runs on the parsed form before the file is read (the form's CSRF check).
func (s *Server) addAttachment(w http.ResponseWriter, r *http.Request, u *gongfu.User, k gongfu.ReportKey, checkForm func(*http.Request) error) (*gongfu.Attachment, error) {
	if err := s.can(r.Context(), u, actWriteReport, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return nil, err
	}
	big := gongfu.Failf(gongfu.ETOOLARGE, "附件不能超过 %d MB", MaxAttachmentBytes>>20)
	choose := gongfu.Failf(gongfu.EINVALID, "请选择要上传的文件（字段 file）")
	r.Body = http.MaxBytesReader(w, r.Body, MaxAttachmentBytes+64<<10)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		if tooLarge(err) {
			return nil, big
		}
		return nil, choose
	}
	if checkForm != nil {
		if err := checkForm(r); err != nil {
			return nil, err
		}
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		return nil, choose
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAttachmentBytes+1))
	if err != nil {
		return nil, gongfu.Failf(gongfu.EINVALID, "读取上传文件失败")
	}
	if len(data) > MaxAttachmentBytes {
		return nil, big
	}
	if len(data) == 0 {
		return nil, gongfu.Failf(gongfu.EINVALID, "附件为空")
	}
	name := filepath.Base(strings.ReplaceAll(h.Filename, "\\", "/"))
	ct, ok := allowedAttachment(name, data)
	if !ok {
		return nil, gongfu.Failf(gongfu.EINVALID, "不支持的附件类型（%s），请上传 PDF、图片、Word、Excel 或文本文件", ct)
	}
	a := &gongfu.Attachment{Key: k, Name: name, ContentType: ct, Data: data}
	if err := s.Store.AddAttachment(gongfu.WithActor(r.Context(), u), a); err != nil {
		return nil, err
	}
	return a, nil
}

// apiListAttachments lists a report's attachments.
func (s *Server) apiListAttachments(w http.ResponseWriter, r *http.Request) error {
	k, err := reportKey(r)
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actReadReports, scope{k.PlanID, k.ItemID, k.OrgID}); err != nil {
		return err
	}
	list, err := s.Store.FindAttachments(r.Context(), k)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

// getAttachment downloads one attachment, within the caller's scope. It is
// always sent as a download with its checked type, never rendered inline,
// so an uploaded HTML-looking file cannot run in the app's origin.
func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, _, err := s.currentUser(r)
	if err != nil {
		return err
	}
	if u == nil {
		return gongfu.Failf(gongfu.EUNAUTHORIZED, "请先登录")
	}
	a, err := s.Store.FindAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.can(r.Context(), u, actReadReports, scope{a.Key.PlanID, a.Key.ItemID, a.Key.OrgID}); err != nil {
		// Another org's file: answer as if it did not exist.
		return gongfu.Failf(gongfu.ENOTFOUND, "找不到该附件")
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(a.Data)
	return nil
}
