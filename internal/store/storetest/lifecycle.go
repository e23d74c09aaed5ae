package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

func testConcurrent(t *testing.T, s store.Store) {
	const writers, batches, batchSize = 4, 10, 10
	p := mustProject(t, s, "concurrent")
	ctx := t.Context()

	var wg sync.WaitGroup
	errs := make(chan error, writers*batches+writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				recs := make([]*record.Record, batchSize)
				for i := range recs {
					id := fmt.Sprintf("w%d-b%d-i%d", w, b, i)
					recs[i] = newRecord(p.ID, id, t0)
				}
				if _, err := s.InsertLogs(ctx, recs); err != nil {
					errs <- fmt.Errorf("InsertLogs(writer %d, batch %d): %w", w, b, err)
				}
			}
		})
		wg.Go(func() {
			for range batches {
				if _, err := s.QueryLogs(ctx, p.ID, store.LogQuery{Limit: 20}); err != nil {
					errs <- fmt.Errorf("QueryLogs(reader %d): %w", w, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	recs := mustQuery(t, s, p.ID, store.LogQuery{Limit: 1000})
	if len(recs) != writers*batches*batchSize {
		t.Errorf("QueryLogs() after concurrent inserts returned %d logs, want %d",
			len(recs), writers*batches*batchSize)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping() = %v, want nil", err)
	}
}

func testClose(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "closing")
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}

	calls := map[string]func() error{
		"Close": s.Close,
		"Ping":  func() error { return s.Ping(ctx) },
		"CreateProject": func() error {
			_, err := s.CreateProject(ctx, "late")
			return err
		},
		"ProjectByName": func() error {
			_, err := s.ProjectByName(ctx, "closing")
			return err
		},
		"ListProjects": func() error {
			_, err := s.ListProjects(ctx)
			return err
		},
		"CreateKey": func() error {
			_, err := s.CreateKey(ctx, newKey(p.ID, "late", "hg_secret_late"))
			return err
		},
		"KeyByHash": func() error {
			_, err := s.KeyByHash(ctx, []byte("hash"))
			return err
		},
		"ListKeys": func() error {
			_, err := s.ListKeys(ctx)
			return err
		},
		"RevokeKey": func() error { return s.RevokeKey(ctx, "id") },
		"InsertLogs": func() error {
			_, err := s.InsertLogs(ctx, []*record.Record{newRecord(p.ID, "late", t0)})
			return err
		},
		"GetLog": func() error {
			_, err := s.GetLog(ctx, p.ID, "late")
			return err
		},
		"QueryLogs": func() error {
			_, err := s.QueryLogs(ctx, p.ID, store.LogQuery{})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}
