package sdk

// flushWaiter is one Flush call waiting for the logs queued before it to be resolved. Its
// counts change under Logger.mu while it is in Logger.waiters, and are final once it is
// removed.
type flushWaiter struct {
	// upTo is the seq of the last log queued before the call.
	upTo uint64
	// remaining counts the logs up to upTo not yet resolved.
	remaining int
	// failed counts the failed logs that this call reports.
	failed int
	// spooled is the number of logs waiting in the spool when remaining reached 0.
	spooled int
	// done is closed once remaining reaches 0.
	done chan struct{}
}

// settleLocked applies one resolved log to the Flush calls waiting for it and to the
// failure counts that Flush and Close report. It appends the calls that no longer wait for
// any log to done and returns it. l.mu must be held.
func (l *Logger) settleLocked(en *entry, done []*flushWaiter) []*flushWaiter {
	failed := en.state == stateFailed
	covered, finished := false, false
	for _, w := range l.waiters {
		if en.seq > w.upTo {
			continue
		}
		covered = true
		w.remaining--
		finished = finished || w.remaining == 0
		if failed {
			w.failed++
		}
	}
	switch {
	case !failed:
	case l.closed:
		l.closeFailed++
	case !covered:
		l.unreportedFailed++
	}
	if !finished {
		return done
	}

	waiting := l.waiters[:0]
	for _, w := range l.waiters {
		if w.remaining == 0 {
			// The sender updates the gauge before it releases a batch, so it includes
			// the logs of this batch that were kept.
			w.spooled = int(l.stats.spooled.Load())
			done = append(done, w)
		} else {
			waiting = append(waiting, w)
		}
	}
	clear(l.waiters[len(waiting):])
	l.waiters = waiting
	return done
}

// removeWaiter takes w out of the waiting list and reports whether it was there. l.mu must
// be held.
func (l *Logger) removeWaiter(w *flushWaiter) bool {
	for i, x := range l.waiters {
		if x == w {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// finishWaiters wakes the Flush calls in done.
func finishWaiters(done []*flushWaiter) {
	for _, w := range done {
		close(w.done)
	}
}
