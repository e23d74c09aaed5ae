package api

import (
	"net/http"
	"sync"

	"github.com/heliograph/heliograph/internal/httperr"
)

// streamSlots counts the open live-tail streams, in total and per project, so that one
// project cannot take every stream of the server. Safe for concurrent use; the zero value
// is ready.
type streamSlots struct {
	mu        sync.Mutex
	total     int
	byProject map[string]int
}

// acquire takes a slot for a stream of project, or returns a 503 error when the project or
// the server is at its limit. Every successful acquire is paired with a release.
func (s *streamSlots) acquire(project string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byProject[project] >= maxProjectStreams {
		return httperr.New(http.StatusServiceUnavailable,
			"too many open streams for this project, the limit is %d; retry later",
			maxProjectStreams)
	}
	if s.total >= maxStreams {
		return httperr.New(http.StatusServiceUnavailable,
			"too many open streams, the limit is %d; retry later", maxStreams)
	}
	if s.byProject == nil {
		s.byProject = make(map[string]int)
	}
	s.byProject[project]++
	s.total++
	return nil
}

// release returns the slot of a stream of project.
func (s *streamSlots) release(project string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.byProject[project]--; s.byProject[project] <= 0 {
		delete(s.byProject, project)
	}
}
