package ingest

import "io"

// countingReader counts the bytes read through it and keeps the first error other than
// io.EOF, which separates a gzip error from a cut in the bytes under it.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
