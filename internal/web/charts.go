package web

import (
	"strconv"
	"strings"
	"time"
)

// Chart geometry in SVG user units.
const (
	chartW = 600.0
	chartH = 150.0
)

// chart is a server-rendered SVG chart: bars, or lines, over evenly spaced time buckets.
type chart struct {
	Title string
	// Max labels the top of the value axis.
	Max         string
	First, Last string
	Bars        []chartBar
	Lines       []chartLine
	Empty       bool
}

type chartBar struct {
	X, Y, W, H float64
	// Title is the tooltip: the bucket start and the value.
	Title string
}

type chartLine struct {
	Label string
	// Class selects the line colour (s0, s1, ...).
	Class string
	// Path is the SVG path data; a bucket without data breaks the line.
	Path string
}

// series is one named sequence of values, one per bucket.
type series struct {
	Label  string
	Values []float64
	// Present marks the buckets that have a value; nil means all of them.
	Present []bool
}

// barChart draws values, one bar per bucket starting at times[i].
func barChart(title string, times []time.Time, values []float64,
	format func(float64) string) chart {
	c := newChart(title, times)
	top := maxOf(values)
	c.Max = format(top)
	if len(values) == 0 || top == 0 {
		c.Empty = len(values) == 0
		return c
	}
	w := chartW / float64(len(values))
	for i, v := range values {
		h := v / top * chartH
		c.Bars = append(c.Bars, chartBar{X: float64(i) * w, Y: chartH - h, W: max(w-1, 0.5),
			H: h, Title: formatTime(times[i]) + ": " + format(v)})
	}
	return c
}

// lineChart draws each series as a line over the buckets.
func lineChart(title string, times []time.Time, ss []series,
	format func(float64) string) chart {
	c := newChart(title, times)
	top := 0.0
	for _, s := range ss {
		top = max(top, maxOf(s.Values))
	}
	c.Max = format(top)
	if len(times) == 0 || len(ss) == 0 {
		c.Empty = true
		return c
	}
	step := chartW / float64(max(len(times)-1, 1))
	for i, s := range ss {
		c.Lines = append(c.Lines, chartLine{Label: s.Label, Class: "s" + strconv.Itoa(i%6),
			Path: linePath(s, step, top)})
	}
	return c
}

// linePath returns the path data of one series: a move to the first point after each gap, a
// line to every other point. A point with no point on either side gets a line of length zero,
// which the round line cap draws as a dot, so that a series of lone points still shows.
func linePath(s series, step, top float64) string {
	var b strings.Builder
	pen := false
	present := func(j int) bool {
		return j >= 0 && j < len(s.Values) && (s.Present == nil || s.Present[j])
	}
	for j, v := range s.Values {
		if !present(j) {
			pen = false
			continue
		}
		y := chartH
		if top > 0 {
			y = chartH - v/top*chartH
		}
		cmd := " L"
		if !pen {
			cmd = " M"
		}
		b.WriteString(cmd + strconv.FormatFloat(float64(j)*step, 'f', 1, 64) + "," +
			strconv.FormatFloat(y, 'f', 1, 64))
		if !pen && !present(j+1) {
			b.WriteString(" l0,0")
		}
		pen = true
	}
	return strings.TrimSpace(b.String())
}

func newChart(title string, times []time.Time) chart {
	c := chart{Title: title}
	if len(times) > 0 {
		c.First, c.Last = formatTime(times[0]), formatTime(times[len(times)-1])
	}
	return c
}

func maxOf(values []float64) float64 {
	m := 0.0
	for _, v := range values {
		m = max(m, v)
	}
	return m
}

func formatCount(v float64) string { return formatInt(int64(v)) }

func formatMsValue(v float64) string { return formatMs(v) }
