package api

import (
	"math"
	"testing"
)

func TestHistogramCountsEveryValue(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		bins   int
	}{
		{"spread", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4},
		{"all equal", []float64{3, 3, 3}, 4},
		{"maximum in last bin", []float64{0, 0.1, 100}, 10},
		{"infinite value", []float64{1, 2, math.Inf(1)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := histogram(tt.values, tt.bins)
			var total int64
			for _, r := range rows {
				total += r.Value
			}
			if total != int64(len(tt.values)) {
				t.Errorf("bins hold %d values, want %d: %+v", total, len(tt.values), rows)
			}
		})
	}
	if rows := histogram([]float64{0, 0.5, 10}, 10); rows[9].Value != 1 || rows[0].Value != 2 {
		t.Errorf("histogram(0, 0.5, 10) = %+v, want 2 values in the first bin and 1 in the "+
			"last", rows)
	}
}
