package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gongfu"
)

// loginInput has the shape of apiLogin's body (an anonymous struct there).
type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// FuzzDecodeReport feeds decodeJSON arbitrary bodies and content types for
// the two bodies every client sends: a report (PUT …/reports/…) and a login
// (POST /api/v1/session). It must never panic; every failure is a
// *gongfu.Error, EINVALID or ETOOLARGE, with both messages; and a body it
// accepts is exactly one valid JSON value, nothing after it. Crashers are
// kept under testdata/fuzz/FuzzDecodeReport and rerun by go test.
func FuzzDecodeReport(f *testing.F) {
	for _, s := range []string{
		`{"value": 12.5, "note": "含改扩建", "version": 3, "submit": true}`,
		`{"numerator": 3900, "denominator": 4000, "reason": "口径调整"}`,
		`{"stage": "in_progress", "percent": 60}`,
		`{"value": null, "version": -1}`,
		`{"username": "lc", "password": "S3cret-pass"}`,
		`{"value": 1e400}`,
		`{"value": "12"}`,
		`{"bogus": 1}`,
		`{"value": 1} {"value": 2}`,
		`{"value": 1}]`,
		`[]`,
		``,
		`{"note": "\ud800"}`,
	} {
		f.Add("application/json", []byte(s))
	}
	f.Add("", []byte(`{"username":"a","password":"b"}`))
	f.Add("application/json; charset=utf-8", []byte(`{}`))
	f.Add("text/plain", []byte(`{}`))
	f.Add("application/json; charset", []byte(`{}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		checkDecode(t, contentType, body, &reportInput{})
		checkDecode(t, contentType, body, &loginInput{})
	})
}

// checkDecode fails t unless decodeJSON kept its contract decoding body into v.
func checkDecode(t *testing.T, contentType string, body []byte, v any) {
	r := httptest.NewRequest(http.MethodPut, "/api/v1/x", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	err := decodeJSON(w, r, v)
	if w.Code != http.StatusOK || w.Body.Len() > 0 {
		t.Fatalf("decodeJSON wrote a response: %d %q", w.Code, w.Body.String())
	}
	if err == nil {
		if trimmed := bytes.TrimSpace(body); !json.Valid(trimmed) {
			t.Fatalf("accepted %q, which is not one JSON value", body)
		}
		if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") && !strings.HasPrefix(strings.TrimSpace(string(body)), "null") {
			t.Fatalf("accepted %q into a struct", body)
		}
		return
	}
	var ge *gongfu.Error
	if !errors.As(err, &ge) || (ge.Code != gongfu.EINVALID && ge.Code != gongfu.ETOOLARGE) {
		t.Fatalf("error %v (%T), want a *gongfu.Error, invalid or too large", err, err)
	}
	if ge.Message == "" || ge.MessageEN == "" {
		t.Fatalf("error %+v lacks a message", ge)
	}
}

// TestDecodeJSONLimits: bodies beyond MaxBodyBytes are ETOOLARGE, also when
// the excess follows a complete value, which the fuzzer's small inputs never
// reach.
func TestDecodeJSONLimits(t *testing.T) {
	big := `{"note": "` + strings.Repeat("长", MaxBodyBytes/3+1) + `"}`
	pad := `{"note": "x"}` + strings.Repeat(" ", MaxBodyBytes)
	for name, body := range map[string]string{"big value": big, "padded": pad} {
		r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader(body))
		err := decodeJSON(httptest.NewRecorder(), r, &reportInput{})
		if gongfu.ErrorCode(err) != gongfu.ETOOLARGE {
			t.Errorf("%s: %v, want too large", name, err)
		}
	}
}
