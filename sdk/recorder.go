package sdk

import "sync"

// Recorder collects the response of a wrapped operation. The log's response is, in order
// of precedence: the value given to SetResult, the map built by AppendResults, or the value
// the operation returned. A Recorder is safe for concurrent use by the goroutines of its
// operation; calls made after the operation returned have no effect on the log.
type Recorder struct {
	mu        sync.Mutex
	results   map[string]any
	result    any
	hasResult bool
	status    int
}

// AppendResults merges the keys of results into the logged response. A key given again
// replaces the earlier value. Values are encoded when the operation returns, so they must
// not be changed by other goroutines after that.
func (r *Recorder) AppendResults(results map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.results == nil {
		r.results = make(map[string]any, len(results))
	}
	for k, v := range results {
		r.results[k] = v
	}
}

// SetResult sets the logged response. A string is sent as the text body; other values
// are encoded as JSON.
func (r *Recorder) SetResult(v any) {
	r.mu.Lock()
	r.result, r.hasResult = v, true
	r.mu.Unlock()
}

// SetStatus sets the logged status code in place of 200 on success or 500 on error. A
// panic is always logged with 500.
func (r *Recorder) SetStatus(code int) {
	r.mu.Lock()
	r.status = code
	r.mu.Unlock()
}

// snapshot returns the recorded response, whether there is one, and the status.
func (r *Recorder) snapshot() (resp any, ok bool, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.hasResult:
		return r.result, true, r.status
	case r.results != nil:
		// Copy, so that later calls cannot change the map while it is encoded.
		m := make(map[string]any, len(r.results))
		for k, v := range r.results {
			m[k] = v
		}
		return m, true, r.status
	}
	return nil, false, r.status
}
