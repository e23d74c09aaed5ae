package api

import "testing"

func TestStreamSlots(t *testing.T) {
	var s streamSlots
	for i := range maxProjectStreams {
		if err := s.acquire("a"); err != nil {
			t.Fatalf("acquire %d for project a: %v", i, err)
		}
	}
	if err := s.acquire("a"); err == nil {
		t.Fatalf("acquire beyond the project limit succeeded")
	}
	for p := range maxStreams/maxProjectStreams - 1 {
		for range maxProjectStreams {
			if err := s.acquire(string(rune('b' + p))); err != nil {
				t.Fatalf("acquire for project %c: %v", 'b'+p, err)
			}
		}
	}
	if err := s.acquire("z"); err == nil {
		t.Fatalf("acquire beyond the server limit succeeded")
	}
	s.release("a")
	if err := s.acquire("z"); err != nil {
		t.Errorf("acquire after a release: %v", err)
	}
	if err := s.acquire("a"); err == nil {
		t.Errorf("acquire for a with the server full succeeded")
	}
}
