package web

import (
	"testing"
	"time"
)

// A chart that spans centuries puts each time in its own bucket, beyond the 292 years that a
// time.Duration holds.
func TestTimeRangeIndexSpansCenturies(t *testing.T) {
	from := time.UnixMilli(0).UTC()
	to := time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
	tr := timeRange{From: from, To: to.Add(time.Millisecond),
		Bucket: bucketFor(to.UnixMilli() + 1 - from.UnixMilli())}
	n := len(tr.bucketTimes())
	if got := tr.index(to); got != n-1 {
		t.Errorf("index(%v) = %d, want the last of %d buckets", to, got, n)
	}
	if got := tr.index(from); got != 0 {
		t.Errorf("index(%v) = %d, want 0", from, got)
	}
	mid := time.Date(5000, 1, 1, 0, 0, 0, 0, time.UTC)
	want := int((mid.UnixMilli() - from.UnixMilli()) / tr.Bucket.Milliseconds())
	if got := tr.index(mid); got != want {
		t.Errorf("index(%v) = %d, want %d", mid, got, want)
	}
}
