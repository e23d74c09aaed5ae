package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// deliver sends one batch with retries and sets the state of each of its logs. It returns
// false, leaving the logs pending, when the sender was stopped or the close deadline
// passed before the batch was resolved.
func (s *sender) deliver(batch []entry) bool {
	if s.cfg.compat {
		return s.deliverSingle(batch)
	}
	s.encodeBatch(batch)
	body := s.body.Bytes()
	o := s.withRetry(len(batch), func() outcome {
		return s.post(s.batchURL, body, s.cfg.gzip, nil)
	})
	if o.aborted {
		return false
	}
	if o.err == nil && o.status == http.StatusRequestEntityTooLarge && len(batch) > 1 {
		half := len(batch) / 2
		return s.deliver(batch[:half]) && s.deliver(batch[half:])
	}
	s.settleBatch(batch, o)
	return true
}

func (s *sender) encodeBatch(batch []entry) {
	s.body.Reset()
	var w io.Writer = &s.body
	if s.cfg.gzip {
		s.gz.Reset(&s.body)
		w = s.gz
	}
	_, _ = io.WriteString(w, `{"logs":[`)
	for i := range batch {
		if i > 0 {
			_, _ = w.Write([]byte{','})
		}
		_, _ = w.Write(batch[i].item)
	}
	_, _ = io.WriteString(w, `]}`)
	if s.cfg.gzip {
		_ = s.gz.Close()
	}
}

// batchReply is the part of the batch response the sender reads.
type batchReply struct {
	Results []struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"results"`
	Error string `json:"error"`
}

// settleBatch applies the final outcome of a batch request to its logs. Items marked stored
// or duplicate are delivered. Rejected items are failed and reported, never retried. Any
// other response fails the batch, including a 2xx response without one known result per
// log, because such a response comes from something other than the server, such as a proxy.
func (s *sender) settleBatch(batch []entry, o outcome) {
	var reply batchReply
	parsed := o.err == nil && len(o.body) > 0 && json.Unmarshal(o.body, &reply) == nil
	if parsed && len(reply.Results) == len(batch) && knownResults(reply) &&
		(o.status/100 == 2 || o.status == http.StatusBadRequest) {
		s.markHealthy()
		for i, r := range reply.Results {
			en := &batch[i]
			if r.Status != "rejected" {
				en.state = stateDelivered
				continue
			}
			en.state = stateFailed
			s.log.Warn("log rejected", "request_id", string(en.id[:]), "error", r.Error)
			s.report(&DeliveryError{RequestID: string(en.id[:]), Count: 1,
				Status: o.status, Msg: r.Error})
		}
		return
	}
	msg := reply.Error
	switch {
	case o.err != nil:
		msg = o.err.Error()
	case o.status/100 == 2:
		msg = "the response is not a batch result with one result per log: " +
			snippet(o.body)
	case o.status/100 == 3:
		msg = redirectMessage(o)
	case msg == "":
		msg = snippet(o.body)
	}
	s.fail(batch, o, msg)
}

// knownResults reports whether every result of reply has a status the server sends.
func knownResults(reply batchReply) bool {
	for _, r := range reply.Results {
		if r.Status != "stored" && r.Status != "duplicate" && r.Status != "rejected" {
			return false
		}
	}
	return true
}

// snippet returns the start of an answer's body for a message.
func snippet(body []byte) string {
	return strings.TrimSpace(string(body[:min(len(body), 200)]))
}

// redirectMessage describes a redirect, which the SDK does not follow: a POST followed by a
// client as a GET would lose its body.
func redirectMessage(o outcome) string {
	return "redirected to " + strconv.Quote(o.location) + "; set the endpoint to the " +
		"server's own URL"
}

// deliverSingle sends one log to its single-log route (compat mode).
func (s *sender) deliverSingle(batch []entry) bool {
	en := &batch[0]
	var hdrs map[string]string
	_ = json.Unmarshal(en.headers(), &hdrs)
	url := s.compatURL[en.provider]
	if url == "" {
		url = s.compatURL[ProviderCustom]
	}
	body := en.body()
	o := s.withRetry(1, func() outcome { return s.post(url, body, false, hdrs) })
	if o.aborted {
		return false
	}
	if o.err == nil && o.status/100 == 2 {
		s.markHealthy()
		en.state = stateDelivered
		return true
	}
	msg := ""
	switch {
	case o.err != nil:
		msg = o.err.Error()
	case o.status/100 == 3:
		msg = redirectMessage(o)
	default:
		msg = snippet(o.body)
		var reply batchReply
		if json.Unmarshal(o.body, &reply) == nil && reply.Error != "" {
			msg = reply.Error
		}
	}
	s.fail(batch, o, msg)
	return true
}

// fail records logs whose delivery failed as a whole. Logs that ran out of retries are
// kept in the spool for a resend if there is one, and the others are failed.
func (s *sender) fail(batch []entry, o outcome, msg string) {
	retryable := o.retryable()
	if retryable {
		s.markUnhealthy()
	}
	spooled := 0
	for i := range batch {
		if retryable && batch[i].seg != nil {
			batch[i].state = stateKept
			spooled++
			continue
		}
		batch[i].state = stateFailed
	}
	err := &DeliveryError{Count: len(batch), Status: o.status, Msg: msg,
		Retryable: retryable, Spooled: spooled, Err: o.err}
	if len(batch) == 1 {
		err.RequestID = string(batch[0].id[:])
	}
	s.log.Warn("logs not delivered", "logs", len(batch), "spooled", spooled, "status", o.status,
		"retryable", retryable, "error", err)
	s.report(err)
}

// outcome is the result of one HTTP attempt, or of the last one after retries.
type outcome struct {
	status     int
	body       []byte
	retryAfter time.Duration
	location   string // the Location header of a redirect
	err        error
	// permanent marks a request that could not be built, which is not retried.
	permanent bool
	// aborted is true when the sender was stopped during the attempt or the wait, or the
	// close deadline passed before an attempt.
	aborted bool
}

// retryable reports whether the failure is transient: a network error, a timeout, or the
// status 408, 429, 502, 503 or 504.
func (o outcome) retryable() bool {
	if o.permanent {
		return false
	}
	return o.err != nil || retryableStatus(o.status)
}

// withRetry runs try until it succeeds, fails permanently, runs out of attempts or time, or
// the sender stops. n is the number of logs concerned, for the retry counter. The retries
// end MaxElapsed after the first attempt or, once Close was called, at the close deadline,
// whichever comes first. A resend probe gets a single attempt.
func (s *sender) withRetry(n int, try func() outcome) outcome {
	p := s.cfg.retry
	deadline := time.Now().Add(p.MaxElapsed)
	probe := s.fromSpool && !s.healthy
	for attempt := 1; ; attempt++ {
		s.checkClosing()
		if s.closing {
			if !time.Now().Before(s.closeBy) {
				return outcome{aborted: true}
			}
			deadline = earlier(deadline, s.closeBy)
		}
		o := try()
		if o.aborted || !o.retryable() {
			return o
		}
		wait := p.backoff(attempt, o.retryAfter)
		if probe || !p.attemptsLeft(attempt) || time.Now().Add(wait).After(deadline) {
			return o
		}
		s.l.stats.retried.Add(int64(n))
		s.log.Debug("retrying delivery", "attempt", attempt, "logs", n, "status", o.status,
			"error", o.err, "wait_ms", wait.Milliseconds())
		if !s.sleep(wait) {
			o.aborted = true
			return o
		}
	}
}

// sleep waits for d, returning false when the sender is stopped first.
func (s *sender) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// attemptContext bounds one HTTP attempt by the request timeout and, once Close was
// called, by the close deadline.
func (s *sender) attemptContext() (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(s.cfg.requestTimeout)
	if s.closing {
		deadline = earlier(deadline, s.closeBy)
	}
	return context.WithDeadline(s.ctx, deadline)
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// post makes one HTTP attempt. It reads at most maxResponseBytes of the response.
func (s *sender) post(url string, body []byte, gz bool, hdrs map[string]string) outcome {
	ctx, cancel := s.attemptContext()
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err, permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.cfg.apiKey)
	req.Header.Set("User-Agent", userAgent)
	for k, vs := range s.l.httpHeaders {
		req.Header[k] = vs
	}
	for k, v := range hdrs {
		req.Header.Set(k, v)
	}
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}

	resp, err := s.client.Do(req)
	if err != nil {
		return outcome{err: err, aborted: s.ctx.Err() != nil}
	}
	defer resp.Body.Close()
	s.resp.Reset()
	_, err = s.resp.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil && s.ctx.Err() != nil {
		return outcome{err: err, aborted: true}
	}
	return outcome{
		status:     resp.StatusCode,
		body:       s.resp.Bytes(),
		retryAfter: parseRetryAfter(resp.Header, time.Now()),
		location:   resp.Header.Get("Location"),
	}
}
