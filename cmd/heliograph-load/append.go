package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// appendServer is the durable baseline. It appends each request body to one file and responds
// only after fdatasync(2) has flushed it, with group commit, so concurrent requests share a
// flush. It parses and indexes nothing, so it measures what a durable response costs on the
// machine before any store does its own work.
type appendServer struct {
	file  *os.File
	queue chan appendCall
}

type appendCall struct {
	body []byte
	done chan error
}

// serveAppend runs an appendServer on a file in dir and prints its address on stdout.
func serveAppend(ctx context.Context, dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, "append.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND,
		0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	s := &appendServer{file: f, queue: make(chan appendCall, 8192)}
	go s.run()

	return serveLocal(ctx, http.HandlerFunc(s.handle))
}

func (s *appendServer) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := appendCall{body: body, done: make(chan error, 1)}
	s.queue <- call
	if err := <-call.done; err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}\n"))
}

// run writes every queued body with one write and one fdatasync per group.
func (s *appendServer) run() {
	var group []appendCall
	var buf []byte
	for first := range s.queue {
		group = append(group[:0], first)
		buf = append(buf[:0], first.body...)
	collect:
		for {
			select {
			case call := <-s.queue:
				group = append(group, call)
				buf = append(buf, call.body...)
			default:
				break collect
			}
		}
		_, err := s.file.Write(buf)
		if err == nil {
			err = dataSync(s.file)
		}
		for _, call := range group {
			call.done <- err
		}
	}
}
