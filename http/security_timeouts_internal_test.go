package http

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gongfu/sqlite"
)

// TestServerTimeouts: the server Open starts bounds every phase of a
// connection — a client that trickles its header (slowloris), its body, or
// reads its answer slowly, or keeps an idle connection, is cut off — and
// the header's size; a header over the limit is refused with 431.
func TestServerTimeouts(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for name, c := range map[string]struct{ got, want time.Duration }{
		"ReadHeaderTimeout": {s.srv.ReadHeaderTimeout, 10 * time.Second},
		"ReadTimeout":       {s.srv.ReadTimeout, 60 * time.Second},
		"WriteTimeout":      {s.srv.WriteTimeout, 60 * time.Second},
		"IdleTimeout":       {s.srv.IdleTimeout, 120 * time.Second},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v (as the README says)", name, c.got, c.want)
		}
	}
	if s.srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("MaxHeaderBytes = %d", s.srv.MaxHeaderBytes)
	}
	req, _ := http.NewRequest("GET", "http://"+s.Addr()+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 128<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 128 KB header = %d, want 431", resp.StatusCode)
	}
}
