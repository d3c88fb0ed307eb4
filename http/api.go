package http

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"gongfu"
)

// apiFunc is an API handler that returns an error instead of writing one.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

// api adapts an apiFunc: the error becomes a JSON body with the code, the
// bilingual message and per-item details, and the matching status.
func (s *Server) api(fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.logError(r, err)
			var e *gongfu.Error
			body := map[string]any{"code": gongfu.ErrorCode(err), "message": gongfu.ErrorMessage(err)}
			if errors.As(err, &e) {
				body["message"], body["message_en"] = e.Message, e.MessageEN
				if len(e.Details) > 0 {
					body["details"] = e.Details
				}
			}
			writeJSON(w, statusOf(gongfu.ErrorCode(err)), map[string]any{"error": body})
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// decodeJSON reads a JSON body of at most MaxBodyBytes into v, rejecting
// unknown fields and trailing data, with messages that say what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return gongfu.Failf(gongfu.EINVALID, "请求体应为 JSON（Content-Type: application/json）")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	// Only white space may follow the value. (dec.More would miss a
	// stray "}" or "]", which it reads as the end of an enclosing value.)
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return jsonError(err)
		}
		return gongfu.Failf(gongfu.EINVALID, "请求体只能包含一个 JSON 值")
	}
	return nil
}

// jsonError turns a decoding error into a public error without echoing input.
func jsonError(err error) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var ge *gongfu.Error
	switch {
	case errors.As(err, &tooBig):
		return gongfu.Failf(gongfu.ETOOLARGE, "请求体超过 %d 字节", tooBig.Limit)
	case errors.As(err, &ge):
		return ge
	case errors.As(err, &typeErr):
		return gongfu.Failf(gongfu.EINVALID, "字段 %s 的类型不对，应为 %s", typeErr.Field, typeErr.Type.String())
	case errors.Is(err, io.EOF):
		return gongfu.Failf(gongfu.EINVALID, "请求体为空")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return gongfu.Failf(gongfu.EINVALID, "未知字段 %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return gongfu.Failf(gongfu.EINVALID, "请求体不是有效的 JSON")
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, gongfu.Failf(gongfu.ENOTFOUND, "找不到 %s", name)
	}
	return id, nil
}

// apiPlans lists the stored plans.
func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) error {
	plans, err := s.Store.FindPlans(r.Context())
	if err != nil {
		return err
	}
	if plans == nil {
		plans = []*gongfu.PlanSummary{}
	}
	return writeJSON(w, http.StatusOK, plans)
}

// apiPlan returns one plan in the plan JSON form, with its id.
func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.plan(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// apiOrg is an org as the API lists it: parent is null for a root.
type apiOrg struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Kind       gongfu.OrgKind `json:"kind"`
	Class      string         `json:"class,omitempty"`
	Parent     *int64         `json:"parent"`
	Path       string         `json:"path"`
	Population float64        `json:"population,omitempty"`
}

// apiOrgs lists organisations, optionally filtered by ?kind= and ?parent=.
func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request) error {
	f := gongfu.OrgFilter{Kind: gongfu.OrgKind(r.URL.Query().Get("kind"))}
	if f.Kind != "" && !f.Kind.Valid() {
		return gongfu.Failf(gongfu.EINVALID, "组织类型 %q 无效", f.Kind)
	}
	if p := r.URL.Query().Get("parent"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return gongfu.Failf(gongfu.EINVALID, "parent 应为组织编号")
		}
		f.ParentID = id
	}
	orgs, err := s.Store.FindOrgs(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiOrg, len(orgs))
	for i, o := range orgs {
		out[i] = apiOrg{ID: o.ID, Name: o.Name, Kind: o.Kind, Class: o.Class, Path: o.Path, Population: o.Population}
		if o.ParentID != 0 {
			pid := o.ParentID
			out[i].Parent = &pid
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiImportPlan imports an uploaded plan document: a multipart form with a
// "file" field, or the raw document as the body with ?name=FILE.docx. Only a
// coordinator or an admin may import.
func (s *Server) apiImportPlan(w http.ResponseWriter, r *http.Request) error {
	if err := s.canNow(r, actImportPlan); err != nil {
		return err
	}
	name, data, err := readUpload(w, r)
	if err != nil {
		return err
	}
	res, warnings, err := s.importDocument(r, name, data)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, map[string]any{"result": res, "warnings": warnings})
}

// readUpload returns an uploaded file's name and bytes, bounded by MaxUploadBytes.
func readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes+64<<10)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var name string
	var src io.Reader
	if mt == "multipart/form-data" {
		f, h, err := r.FormFile("file")
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return "", nil, gongfu.Failf(gongfu.ETOOLARGE, "文件超过 %d MB", MaxUploadBytes>>20)
			}
			return "", nil, gongfu.Failf(gongfu.EINVALID, "请选择要上传的文件（字段 file）")
		}
		defer f.Close()
		name, src = h.Filename, f
	} else {
		name, src = r.URL.Query().Get("name"), r.Body
	}
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	data, err := io.ReadAll(io.LimitReader(src, MaxUploadBytes+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, gongfu.Failf(gongfu.ETOOLARGE, "文件超过 %d MB", MaxUploadBytes>>20)
		}
		return "", nil, gongfu.Failf(gongfu.EINVALID, "读取上传文件失败")
	}
	if len(data) > MaxUploadBytes {
		return "", nil, gongfu.Failf(gongfu.ETOOLARGE, "文件超过 %d MB", MaxUploadBytes>>20)
	}
	return name, data, nil
}

// importDocument extracts and stores a plan document on behalf of the caller.
func (s *Server) importDocument(r *http.Request, name string, data []byte) (*gongfu.ImportResult, []string, error) {
	if s.Extract == nil || s.PlanOrgs == nil {
		return nil, nil, gongfu.Failf(gongfu.EINTERNAL, "服务器未配置计划导入")
	}
	p, warnings, err := s.Extract(name, data)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.Store.ImportPlan(r.Context(), p, s.PlanOrgs(p))
	if err != nil {
		return nil, nil, err
	}
	if warnings == nil {
		warnings = []string{}
	}
	return res, warnings, nil
}
