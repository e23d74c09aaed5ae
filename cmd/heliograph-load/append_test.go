package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendServerStoresEveryBody(t *testing.T) {
	path := filepath.Join(t.TempDir(), "append.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &appendServer{file: f, queue: make(chan appendCall, 16)}
	go s.run()
	defer close(s.queue)
	ts := httptest.NewServer(http.HandlerFunc(s.handle))
	defer ts.Close()

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			body := fmt.Sprintf("<body %02d>", i)
			resp, err := http.Post(ts.URL, "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("POST %s: status %d, want 200", body, resp.StatusCode)
			}
		})
	}
	wg.Wait()

	// Every body that got a 200 is in the file, because the server responds after the flush.
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if !bytes.Contains(got, fmt.Appendf(nil, "<body %02d>", i)) {
			t.Errorf("file lacks body %02d; file: %q", i, got)
		}
	}
	if len(got) != 20*len("<body 00>") {
		t.Errorf("file has %d bytes, want %d", len(got), 20*len("<body 00>"))
	}
}

func TestCPUTimeGrowsWithWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("cpuTime reads /proc, which only Linux has")
	}
	before := cpuTime(os.Getpid())
	// Spin until the reading grows by 50 ms; /proc counts in steps of 10 ms.
	deadline := time.Now().Add(10 * time.Second)
	for cpuTime(os.Getpid())-before < 50*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("cpuTime grew by %v in 10 s of spinning, want 50 ms",
				cpuTime(os.Getpid())-before)
		}
	}
}
