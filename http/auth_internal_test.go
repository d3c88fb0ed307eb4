package http

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestHashSlots checks the bound on concurrent password checks: with every
// slot taken a login waits, gives up with its client, and goes ahead as
// soon as a slot is released.
func TestHashSlots(t *testing.T) {
	s := &Server{}
	s.hashOnce.Do(func() { s.hashSlots = make(chan struct{}, 2) })
	r1, err := s.hashSlot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.hashSlot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.hashSlot(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third check with both slots taken: %v, want it to wait and give up with its client", err)
	}
	got := make(chan error, 1)
	go func() {
		rel, err := s.hashSlot(context.Background())
		if err == nil {
			rel()
		}
		got <- err
	}()
	r1()
	if err := <-got; err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r2()
	if n := len(s.hashSlots); n != 0 {
		t.Fatalf("%d slots still held", n)
	}
}
