package http

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
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

// TestSlowClientsCutOff runs a server with short timeouts and plays the
// clients they are for: one that never finishes its header, one that
// never finishes its body, and one that keeps an idle connection. Each
// must see its connection closed by the server. The 5-second bound only
// stops a server that never closes from hanging the test; how soon it
// closed is logged, not asserted (the machine is shared).
func TestSlowClientsCutOff(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Timeouts = Timeouts{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Write: time.Second, Idle: 300 * time.Millisecond}
	if err := s.Open("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())

	// closed sends what, then waits for the server to close the
	// connection, reading (and discarding) anything it answers first.
	closed := func(name, what string) {
		t.Helper()
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		t0 := time.Now()
		if _, err := io.WriteString(c, what); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the server kept the connection open for 5 s", name)
			return
		}
		t.Logf("%s: closed by the server after %v", name, time.Since(t0).Round(time.Millisecond))
	}
	closed("a header never finished", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	closed("a body never finished", "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user")
	closed("an idle keep-alive connection", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
}
