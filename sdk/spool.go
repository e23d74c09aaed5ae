package sdk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Spool files are append-only segments named spool-<sequence>.log. Each record is framed as
// a little-endian uint32 payload length, a CRC-32C of the payload, then the payload:
// a format byte, a provider code, the 36-byte request id, three uint32 offsets into the
// item (headers start and end, body start) and the batch item itself.
const (
	segmentPrefix    = "spool-"
	segmentSuffix    = ".log"
	frameHeaderLen   = 8
	recordHeaderLen  = 1 + 1 + 36 + 12
	recordFormat     = 1
	maxSegmentBytes  = 16 << 20
	maxRecordPayload = 1 << 30
)

var providerCodes = []Provider{ProviderCustom, ProviderOpenAI, ProviderAnthropic, ProviderGoogle}

// errCorrupt marks a spool record that failed its length or checksum test.
var errCorrupt = errors.New("corrupt record")

// segment is one spool file and the count of its records still unresolved.
type segment struct {
	path    string
	records int
	acked   int
	file    *os.File
	w       *bufio.Writer
	size    int64
}

// spool keeps undelivered logs on disk. Only the sender goroutine uses it.
type spool struct {
	dir     string
	backlog []string
	cur     *segment
	nextSeq uint64
	table   *crc32.Table
}

// openSpool creates dir if needed and lists the segments left by earlier runs.
func openSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &SpoolError{Op: "create", Path: dir, Err: err}
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, &SpoolError{Op: "list", Path: dir, Err: err}
	}
	sp := &spool{dir: dir, nextSeq: 1, table: crc32.MakeTable(crc32.Castagnoli)}
	var seqs []uint64
	for _, f := range files {
		name := f.Name()
		if !f.Type().IsRegular() || !strings.HasPrefix(name, segmentPrefix) ||
			!strings.HasSuffix(name, segmentSuffix) {
			continue
		}
		digits := strings.TrimSuffix(strings.TrimPrefix(name, segmentPrefix), segmentSuffix)
		seq, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			continue
		}
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		sp.backlog = append(sp.backlog, sp.segmentPath(seq))
		sp.nextSeq = seq + 1
	}
	return sp, nil
}

func (sp *spool) segmentPath(seq uint64) string {
	return filepath.Join(sp.dir, fmt.Sprintf("%s%020d%s", segmentPrefix, seq, segmentSuffix))
}

// append writes en to the current segment, starting a new one when needed, and links en
// to it. The write is buffered until flush.
func (sp *spool) append(en *entry) error {
	if sp.cur == nil || sp.cur.size >= maxSegmentBytes {
		if err := sp.rotate(); err != nil {
			return err
		}
	}
	var hdr [frameHeaderLen + recordHeaderLen]byte
	rec := hdr[frameHeaderLen:]
	rec[0] = recordFormat
	rec[1] = byte(slices.Index(providerCodes, en.provider))
	copy(rec[2:38], en.id[:])
	binary.LittleEndian.PutUint32(rec[38:], uint32(en.hdrStart))
	binary.LittleEndian.PutUint32(rec[42:], uint32(en.hdrEnd))
	binary.LittleEndian.PutUint32(rec[46:], uint32(en.bodyStart))
	crc := crc32.Update(crc32.Update(0, sp.table, rec), sp.table, en.item)
	binary.LittleEndian.PutUint32(hdr[0:], uint32(recordHeaderLen+len(en.item)))
	binary.LittleEndian.PutUint32(hdr[4:], crc)

	cur := sp.cur
	if _, err := cur.w.Write(hdr[:]); err != nil {
		return &SpoolError{Op: "write", Path: cur.path, Err: err}
	}
	if _, err := cur.w.Write(en.item); err != nil {
		return &SpoolError{Op: "write", Path: cur.path, Err: err}
	}
	cur.size += int64(len(hdr) + len(en.item))
	cur.records++
	en.seg = cur
	return nil
}

// rotate closes the current segment and creates the next one.
func (sp *spool) rotate() error {
	if err := sp.closeCurrent(); err != nil {
		return err
	}
	path := sp.segmentPath(sp.nextSeq)
	sp.nextSeq++
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return &SpoolError{Op: "create", Path: path, Err: err}
	}
	sp.cur = &segment{path: path, file: f, w: bufio.NewWriterSize(f, 64<<10)}
	return nil
}

// closeCurrent syncs and closes the current segment, and removes it when all its records
// are resolved.
func (sp *spool) closeCurrent() error {
	cur := sp.cur
	if cur == nil {
		return nil
	}
	sp.cur = nil
	err := cur.w.Flush()
	if err == nil {
		err = cur.file.Sync()
	}
	if cerr := cur.file.Close(); err == nil {
		err = cerr
	}
	cur.file, cur.w = nil, nil
	if err != nil {
		return &SpoolError{Op: "close", Path: cur.path, Err: err}
	}
	if cur.acked >= cur.records {
		return removeSegment(cur.path)
	}
	return nil
}

// flush hands buffered records to the operating system.
func (sp *spool) flush() error {
	if sp.cur == nil {
		return nil
	}
	if err := sp.cur.w.Flush(); err != nil {
		return &SpoolError{Op: "write", Path: sp.cur.path, Err: err}
	}
	return nil
}

// sync flushes and fsyncs the current segment.
func (sp *spool) sync() error {
	if err := sp.flush(); err != nil || sp.cur == nil {
		return err
	}
	if err := sp.cur.file.Sync(); err != nil {
		return &SpoolError{Op: "sync", Path: sp.cur.path, Err: err}
	}
	return nil
}

// ack resolves one record of seg. A segment whose records are all resolved is deleted.
func (sp *spool) ack(seg *segment) error {
	seg.acked++
	if seg.acked < seg.records {
		return nil
	}
	if seg == sp.cur {
		return sp.closeCurrent()
	}
	return removeSegment(seg.path)
}

func removeSegment(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return &SpoolError{Op: "remove", Path: path, Err: err}
	}
	return nil
}

// close syncs and closes the current segment.
func (sp *spool) close() error { return sp.closeCurrent() }

// loadNext reads the oldest segment left by an earlier run and returns its records. A
// corrupt record ends the segment: the records before it are returned with the error.
func (sp *spool) loadNext() ([]entry, error) {
	for len(sp.backlog) > 0 {
		path := sp.backlog[0]
		sp.backlog = sp.backlog[1:]
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &SpoolError{Op: "read", Path: path, Err: err}
		}
		entries, err := sp.decode(data)
		if err != nil {
			err = &SpoolError{Op: "read", Path: path, Err: err}
		}
		if len(entries) == 0 {
			if rerr := removeSegment(path); err == nil {
				err = rerr
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		seg := &segment{path: path, records: len(entries)}
		for i := range entries {
			entries[i].seg = seg
		}
		return entries, err
	}
	return nil, nil
}

// decode parses the records of one segment.
func (sp *spool) decode(data []byte) ([]entry, error) {
	var out []entry
	for off := 0; off < len(data); {
		if len(data)-off < frameHeaderLen {
			return out, fmt.Errorf("offset %d: truncated frame header: %w", off, errCorrupt)
		}
		n := int(binary.LittleEndian.Uint32(data[off:]))
		crc := binary.LittleEndian.Uint32(data[off+4:])
		payload := data[off+frameHeaderLen:]
		if n < recordHeaderLen || n > maxRecordPayload || n > len(payload) {
			return out, fmt.Errorf("offset %d: invalid length %d: %w", off, n, errCorrupt)
		}
		payload = payload[:n]
		if crc32.Checksum(payload, sp.table) != crc {
			return out, fmt.Errorf("offset %d: checksum mismatch: %w", off, errCorrupt)
		}
		en, ok := decodeRecord(payload)
		if !ok {
			return out, fmt.Errorf("offset %d: invalid record: %w", off, errCorrupt)
		}
		out = append(out, en)
		off += frameHeaderLen + n
	}
	return out, nil
}

func decodeRecord(p []byte) (entry, bool) {
	var en entry
	if p[0] != recordFormat || int(p[1]) >= len(providerCodes) {
		return en, false
	}
	en.provider = providerCodes[p[1]]
	copy(en.id[:], p[2:38])
	hs := binary.LittleEndian.Uint32(p[38:])
	he := binary.LittleEndian.Uint32(p[42:])
	bs := binary.LittleEndian.Uint32(p[46:])
	en.item = p[recordHeaderLen:]
	n := uint32(len(en.item))
	if hs > he || he > n || bs >= n {
		return en, false
	}
	en.hdrStart, en.hdrEnd, en.bodyStart = int32(hs), int32(he), int32(bs)
	return en, true
}
