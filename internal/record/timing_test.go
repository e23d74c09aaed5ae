package record_test

import (
	"testing"
	"time"
)

// timingBody returns a body whose timing member is timing (a JSON value).
func timingBody(timing string) string {
	return `{"providerRequest":{"json":{}},"providerResponse":{"json":{}},"timing":` +
		timing + `}`
}

func TestDecodeTiming(t *testing.T) {
	jan1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int64) time.Time { return jan1.Add(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		name       string
		timing     string
		start, end time.Time
		ttft       any
	}{
		{"js integers", `{"startTime":{"seconds":1735689600,"milliseconds":0},` +
			`"endTime":{"seconds":1735689601,"milliseconds":250},"timeToFirstToken":40}`,
			jan1, ms(1250), int64(40)},
		{"python float seconds", `{"startTime":{"seconds":1735689600.25,"milliseconds":0},` +
			`"endTime":{"seconds":1735689600.75}}`, ms(250), ms(750), nil},
		{"fraction and milliseconds add", `{"startTime":{"seconds":1735689600.5,` +
			`"milliseconds":100},"endTime":{"seconds":1735689601}}`, ms(600), ms(1000), nil},
		{"decimal seconds keep milliseconds", `{"startTime":{"seconds":1735689600.123},` +
			`"endTime":{"seconds":1735689600.124}}`, ms(123), ms(124), nil},
		{"float milliseconds truncated", `{"startTime":{"seconds":1735689600,` +
			`"milliseconds":12.9},"endTime":{"seconds":1735689600,"milliseconds":999}}`,
			ms(12), ms(999), nil},
		{"missing milliseconds", `{"startTime":{"seconds":1735689600},` +
			`"endTime":{"seconds":1735689601}}`, jan1, ms(1000), nil},
		{"iso strings", `{"startTime":"2025-01-01T00:00:00Z",` +
			`"endTime":"2025-01-01T01:00:00.5+01:00"}`, jan1, ms(500), nil},
		{"iso without zone is UTC", `{"startTime":"2025-01-01T00:00:00",` +
			`"endTime":"2025-01-01 00:00:02"}`, jan1, ms(2000), nil},
		{"digit string seconds", `{"startTime":"1735689600","endTime":"1735689601.5"}`,
			jan1, ms(1500), nil},
		{"digit string milliseconds", `{"startTime":"1735689600000",` +
			`"endTime":"1735689600042"}`, jan1, ms(42), nil},
		{"numbers as epoch", `{"startTime":1735689600,"endTime":1735689600300}`,
			jan1, ms(300), nil},
		{"ttft float rounded", `{"startTime":"1735689600","endTime":"1735689601",` +
			`"timeToFirstToken":12.6}`, jan1, ms(1000), int64(13)},
		{"ttft null", `{"startTime":"1735689600","endTime":"1735689601",` +
			`"timeToFirstToken":null}`, jan1, ms(1000), nil},
		{"ttft string", `{"startTime":"1735689600","endTime":"1735689601",` +
			`"timeToFirstToken":"7"}`, jan1, ms(1000), int64(7)},
		{"missing end uses start", `{"startTime":"1735689600"}`, jan1, jan1, nil},
		{"missing start uses end", `{"endTime":"1735689600"}`, jan1, jan1, nil},
		{"null timing uses clock", `null`, fixedNow, fixedNow, nil},
		{"empty timing uses clock", `{}`, fixedNow, fixedNow, nil},
		{"equal ends", `{"startTime":"1735689600","endTime":"1735689600"}`, jan1, jan1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, timingBody(tt.timing), nil)
			if !rec.CreatedAt.Equal(tt.start) {
				t.Errorf("Decode: CreatedAt = %v, want %v", rec.CreatedAt, tt.start)
			}
			if !rec.EndedAt.Equal(tt.end) {
				t.Errorf("Decode: EndedAt = %v, want %v", rec.EndedAt, tt.end)
			}
			if want := tt.end.Sub(tt.start).Milliseconds(); rec.LatencyMs != want {
				t.Errorf("Decode: LatencyMs = %d, want %d", rec.LatencyMs, want)
			}
			if got := derefInt(rec.TimeToFirstTokenMs); got != tt.ttft {
				t.Errorf("Decode: TimeToFirstTokenMs = %v, want %v", got, tt.ttft)
			}
			if rec.CreatedAt.Location() != time.UTC || rec.EndedAt.Location() != time.UTC {
				t.Errorf("Decode: times not in UTC: %v, %v", rec.CreatedAt, rec.EndedAt)
			}
		})
	}
}

func TestDecodeTimingErrors(t *testing.T) {
	tests := []struct {
		name, timing, field string
	}{
		{"end before start", `{"startTime":{"seconds":1735689601},` +
			`"endTime":{"seconds":1735689600}}`, "timing.endTime"},
		{"milliseconds 1000", `{"startTime":{"seconds":1735689600,"milliseconds":1000}}`,
			"timing.startTime.milliseconds"},
		{"milliseconds negative", `{"endTime":{"seconds":1735689600,"milliseconds":-1}}`,
			"timing.endTime.milliseconds"},
		{"milliseconds string", `{"startTime":{"seconds":1735689600,"milliseconds":"5"}}`,
			"timing.startTime.milliseconds"},
		{"seconds missing", `{"startTime":{"milliseconds":5}}`, "timing.startTime.seconds"},
		{"seconds string", `{"startTime":{"seconds":"1735689600"}}`,
			"timing.startTime.seconds"},
		{"seconds before 1970", `{"startTime":{"seconds":-5}}`, "timing.startTime.seconds"},
		{"seconds past 9999", `{"startTime":{"seconds":1e300}}`, "timing.startTime.seconds"},
		{"start is a bool", `{"startTime":true}`, "timing.startTime"},
		{"start is an array", `{"startTime":[1735689600]}`, "timing.startTime"},
		{"start not a time", `{"startTime":"yesterday"}`, "timing.startTime"},
		{"timing is a string", `"2025-01-01"`, "timing"},
		{"ttft negative", `{"timeToFirstToken":-1}`, "timing.timeToFirstToken"},
		{"ttft object", `{"timeToFirstToken":{}}`, "timing.timeToFirstToken"},
		{"ttft word", `{"timeToFirstToken":"soon"}`, "timing.timeToFirstToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			de := decodeError(t, timingBody(tt.timing), nil)
			if de.Field != tt.field {
				t.Errorf("Decode error = %q, want field %q", de, tt.field)
			}
		})
	}
}
