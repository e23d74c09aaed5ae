package sdk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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

// tmpSuffix ends the name of a segment being rewritten without its resolved records.
const tmpSuffix = ".tmp"

// segment is one spool file and the state of its records.
type segment struct {
	path string
	// records is the number of records in the file, or -1 for a file of an earlier run
	// that has not been read yet.
	records int
	// acked counts records resolved for good: delivered, or failed permanently.
	acked int
	// inMemory counts records whose logs the sender holds in memory.
	inMemory int
	// keptIndices lists the records that wait for a resend. For a waiting segment nil
	// means that every record of the file waits.
	keptIndices []int32
	file        *os.File
	w           *bufio.Writer
	size        int64
}

// waitingRecords returns how many records of a waiting segment wait for a resend, or 0
// when the file has not been read yet.
func (seg *segment) waitingRecords() int {
	if seg.keptIndices != nil {
		return len(seg.keptIndices)
	}
	return max(seg.records, 0)
}

// spool keeps undelivered logs on disk. Every log is appended before it is sent. A log
// that runs out of retries stays in its segment and waits for a resend. Once the sender no
// longer holds any log of a segment, the segment is deleted when all its records are
// resolved, or else rewritten to contain only the waiting records and put on the waiting
// list. Only the sender goroutine uses a spool.
type spool struct {
	dir string
	cur *segment
	// waiting lists the segments whose records all wait for a resend, oldest first. It
	// starts with the files left by earlier runs.
	waiting []*segment
	// waitingCount is the number of waiting records in known segments.
	waitingCount int
	nextSeq      uint64
	table        *crc32.Table
}

// openSpool creates dir if needed, lists the segments left by earlier runs and removes the
// partial copies of an interrupted rewrite.
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
		if !f.Type().IsRegular() || !strings.HasPrefix(name, segmentPrefix) {
			continue
		}
		if strings.HasSuffix(name, segmentSuffix+tmpSuffix) {
			if err := removeSegment(filepath.Join(dir, name)); err != nil {
				return nil, err
			}
			continue
		}
		if !strings.HasSuffix(name, segmentSuffix) {
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
		sp.waiting = append(sp.waiting, &segment{path: sp.segmentPath(seq), records: -1})
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
	cur := sp.cur
	n, err := sp.writeRecord(cur.w, en)
	if err != nil {
		return &SpoolError{Op: "write", Path: cur.path, Err: err}
	}
	cur.size += int64(n)
	en.seg, en.idx = cur, int32(cur.records)
	cur.records++
	cur.inMemory++
	return nil
}

// writeRecord frames en as one record and writes it to w, returning the bytes written.
func (sp *spool) writeRecord(w io.Writer, en *entry) (int, error) {
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

	if _, err := w.Write(hdr[:]); err != nil {
		return 0, err
	}
	if _, err := w.Write(en.item); err != nil {
		return 0, err
	}
	return len(hdr) + len(en.item), nil
}

// rotate closes the current segment and creates the next one.
func (sp *spool) rotate() error {
	if err := sp.seal(); err != nil {
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

// seal syncs and closes the current segment, so that no more records are added to it,
// and then deletes it or puts it on the waiting list when the sender holds none of its
// logs.
func (sp *spool) seal() error {
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
		err = &SpoolError{Op: "close", Path: cur.path, Err: err}
	}
	return errors.Join(err, sp.settled(cur))
}

// sealKept seals the current segment when one of its logs waits for a resend, so that the
// segment can be rewritten and resent while new logs go to a fresh one.
func (sp *spool) sealKept() error {
	if sp.cur == nil || len(sp.cur.keptIndices) == 0 {
		return nil
	}
	return sp.seal()
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

// settle applies the final state of a spooled log that the sender held: a delivered or
// failed log is resolved, a kept one waits in the spool for a resend.
func (sp *spool) settle(en *entry) error {
	seg := en.seg
	if seg == nil {
		return nil
	}
	en.seg = nil
	seg.inMemory--
	if en.state == stateKept {
		seg.keptIndices = append(seg.keptIndices, en.idx)
		sp.waitingCount++
	} else {
		seg.acked++
	}
	return sp.settled(seg)
}

// settled deletes or parks a segment once the sender holds none of its logs. The current
// segment, which may still grow, is deleted when all its records are resolved and is
// otherwise left to sealKept.
func (sp *spool) settled(seg *segment) error {
	if seg.inMemory > 0 {
		return nil
	}
	if len(seg.keptIndices) == 0 {
		if seg.acked < seg.records {
			return nil
		}
		if seg == sp.cur {
			sp.cur = nil
			if err := seg.file.Close(); err != nil {
				_ = removeSegment(seg.path)
				return &SpoolError{Op: "close", Path: seg.path, Err: err}
			}
		}
		return removeSegment(seg.path)
	}
	if seg == sp.cur {
		return nil
	}
	return sp.park(seg)
}

// park puts a sealed segment whose unresolved records all wait for a resend on the waiting
// list. A segment that also holds resolved records is first rewritten without them, so
// that neither this Logger nor a later one sends a delivered log again. When the rewrite
// fails, the kept indices stay in memory and only those records are read back.
func (sp *spool) park(seg *segment) error {
	var err error
	if seg.acked > 0 {
		err = sp.rewrite(seg)
	} else {
		seg.keptIndices = nil
	}
	sp.waiting = append(sp.waiting, seg)
	return err
}

// rewrite replaces the file of seg with one holding only its kept records. The new file is
// written under a temporary name, synced and renamed over the old one.
func (sp *spool) rewrite(seg *segment) error {
	data, err := os.ReadFile(seg.path)
	if err != nil {
		return &SpoolError{Op: "read", Path: seg.path, Err: err}
	}
	all, _ := sp.decode(data)
	keep := selectRecords(all, seg.keptIndices)

	tmp := seg.path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return &SpoolError{Op: "create", Path: tmp, Err: err}
	}
	w := bufio.NewWriterSize(f, 64<<10)
	for i := range keep {
		if _, err = sp.writeRecord(w, &keep[i]); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, seg.path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return &SpoolError{Op: "rewrite", Path: seg.path, Err: err}
	}
	syncDir(sp.dir)
	seg.records, seg.acked, seg.keptIndices = len(keep), 0, nil
	return nil
}

// syncDir makes a rename in dir durable where the platform supports it.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// selectRecords returns the records of all whose indices are listed in idx, in file order.
// A nil idx selects every record.
func selectRecords(all []entry, idx []int32) []entry {
	if idx == nil {
		return all
	}
	slices.Sort(idx)
	out := make([]entry, 0, len(idx))
	for _, i := range idx {
		if int(i) < len(all) {
			out = append(out, all[i])
		}
	}
	return out
}

func removeSegment(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return &SpoolError{Op: "remove", Path: path, Err: err}
	}
	return nil
}

// close seals the current segment.
func (sp *spool) close() error { return sp.seal() }

// hasWaiting reports whether a segment waits for a resend.
func (sp *spool) hasWaiting() bool { return len(sp.waiting) > 0 }

// loadNext reads the oldest waiting segment and returns its waiting records, which the
// sender then holds. A corrupt record ends the segment: the records before it are returned
// with the error. A segment that cannot be read is left on disk for a later Logger.
func (sp *spool) loadNext() ([]entry, error) {
	for len(sp.waiting) > 0 {
		seg := sp.waiting[0]
		sp.waiting = sp.waiting[1:]
		sp.waitingCount -= seg.waitingRecords()
		data, err := os.ReadFile(seg.path)
		if err != nil {
			return nil, &SpoolError{Op: "read", Path: seg.path, Err: err}
		}
		all, err := sp.decode(data)
		if err != nil {
			err = &SpoolError{Op: "read", Path: seg.path, Err: err}
		}
		entries := selectRecords(all, seg.keptIndices)
		seg.records, seg.acked, seg.inMemory, seg.keptIndices = len(all), len(all)-len(entries),
			len(entries), nil
		if len(entries) == 0 {
			if rerr := removeSegment(seg.path); err == nil {
				err = rerr
			}
			if err != nil {
				return nil, err
			}
			continue
		}
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
		en.idx = int32(len(out))
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
