package loadgen

import (
	"fmt"
	"strings"
	"time"
)

// LogBody returns a JS-shaped custom-log body of about size bytes: an LLM call with a chat
// message padded to size, properties sent as headers are not part of the body.
func LogBody(size int, now time.Time) []byte {
	start := now.Add(-1250 * time.Millisecond).UnixMilli()
	end := now.UnixMilli()
	head := fmt.Sprintf(`{"providerRequest":{"url":"custom-model-nopath","json":{"model":"gpt-4o-mini",` +
		`"messages":[{"role":"user","content":"`)
	tail := fmt.Sprintf(`"}]},"meta":{}},"providerResponse":{"json":{"id":"chatcmpl-1",`+
		`"model":"gpt-4o-mini","choices":[{"message":{"role":"assistant","content":"ok"}}],`+
		`"usage":{"prompt_tokens":120,"completion_tokens":8,"total_tokens":128}},"status":200,`+
		`"headers":{}},"timing":{"startTime":{"seconds":%d,"milliseconds":%d},`+
		`"endTime":{"seconds":%d,"milliseconds":%d},"timeToFirstToken":90}}`,
		start/1000, start%1000, end/1000, end%1000)
	pad := max(size-len(head)-len(tail), 0)
	return []byte(head + strings.Repeat("a", pad) + tail)
}
