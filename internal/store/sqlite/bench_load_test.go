//go:build unix

package sqlite_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// The bodies of loadRecord, built once so that the benchmark measures the store.
var (
	loadRequestBody = fmt.Appendf(nil, `{"model":"gpt-4o-mini","messages":[{"role":"user",`+
		`"content":%q}]}`, strings.Repeat("a", 900))
	loadResponseBody = []byte(`{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"message":` +
		`{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":120,` +
		`"completion_tokens":8,"total_tokens":128}}`)
)

// loadRecord returns a record shaped like the logs heliograph-load posts: an LLM call with a
// ~1 KB request body, a random request id, and no session, user or property.
func loadRecord(projectID string, now time.Time) *record.Record {
	ttft := int64(90)
	return &record.Record{
		ProjectID: projectID, RequestID: record.NewRequestID(),
		CreatedAt: now.Add(-1250 * time.Millisecond), EndedAt: now, LatencyMs: 1250,
		TimeToFirstTokenMs: &ttft, Status: 200, Kind: record.KindLLM, Model: "gpt-4o-mini",
		RequestModel: "gpt-4o-mini", ResponseModel: "gpt-4o-mini",
		Provider: record.ProviderCustom, Path: "/custom/v1/log",
		PromptTokens: 120, CompletionTokens: 8, TotalTokens: 128,
		RequestBody: loadRequestBody, ResponseBody: loadResponseBody, ResponseRaw: loadResponseBody,
	}
}

// BenchmarkInsertLoadLogs stores heliograph-load's logs in transactions of batch logs and
// reports the process's CPU time per log (user and system, fsync included), the part of the
// ingest budget that the store takes.
func BenchmarkInsertLoadLogs(b *testing.B) {
	for _, batch := range []int{16, 32, 64, 500} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db, _ := openTemp(b, sqlite.Options{})
			defer db.Close()
			p, err := db.CreateProject(b.Context(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			recs := make([]*record.Record, batch)
			stored := 0
			cpuBefore := processCPU(b)
			for b.Loop() {
				now := time.Now()
				for i := range recs {
					recs[i] = loadRecord(p.ID, now)
				}
				if _, err := db.InsertLogs(b.Context(), recs); err != nil {
					b.Fatal(err)
				}
				stored += batch
			}
			cpu := processCPU(b) - cpuBefore
			b.ReportMetric(float64(stored)/b.Elapsed().Seconds(), "logs/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(stored), "cpu-µs/log")
		})
	}
}

// processCPU returns the user and system CPU time of this process.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
