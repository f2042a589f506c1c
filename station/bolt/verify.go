package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"
)

// DamagedError says that a data or backup file is not a sound bbolt file and
// lists what was found, so the person who meets it knows which file and why.
type DamagedError struct {
	Path     string
	Problems []string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s is damaged: %s", e.Path, strings.Join(e.Problems, "; "))
}

// bbolt's on-disk format (go.etcd.io/bbolt internal/common), little-endian as
// on every platform the station is built for.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	elemSize         = 16 // leaf: flags, pos, ksize, vsize u32; branch: pos, ksize u32, pgid u64
	metaSize         = 64 // magic, version, pageSize, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	metaSumEnd       = 56 // the checksum covers the meta's bytes before it
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagMeta         = 0x04
	flagFreelist     = 0x10
	bucketLeafFlag   = 0x01
	noFreelist       = ^uint64(0)
	maxProblems      = 8
	maxTreeDepth     = 64
	maxPageSize      = 1 << 24
	minPageSize      = 1 << 10
	inBucketSize     = 16 // root pgid u64, sequence u64
	freelistOverflow = 0xFFFF
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // high water mark: every page in use is below it
	txid     uint64
}

func parseMeta(page []byte) (boltMeta, error) {
	if len(page) < pageHeaderSize+metaSize {
		return boltMeta{}, errors.New("too short")
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("not a bbolt meta page (bad magic)")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaSumEnd])
	if h.Sum64() != le.Uint64(m[metaSumEnd:]) {
		return boltMeta{}, errors.New("checksum mismatch")
	}
	out := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if out.pageSize < minPageSize || out.pageSize > maxPageSize || out.pageSize&(out.pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("page size %d is not plausible", out.pageSize)
	}
	return out, nil
}

// VerifyFile checks the structure of the bbolt file at path with plain reads
// (no memory map, so a truncated file cannot crash the process with SIGBUS):
// a valid meta page, a file at least as long as the meta says, and a walk of
// every bucket's pages and the freelist, checking each page's header and that
// every element stays inside its page. It is what bbolt would trip over;
// bbolt's own Check (run by `station check`) goes further.
//
// A missing file is not damage (a new station creates it); an empty one is,
// since bbolt would silently start over in it.
//
// It returns nil, a *DamagedError, or an error reading the file. warnings
// lists survivable findings, e.g. one of the two meta pages torn by a crash.
func VerifyFile(path string) (warnings []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	v := &verifier{f: f, size: st.Size()}
	v.run()
	if len(v.problems) > 0 {
		return v.warnings, &DamagedError{Path: path, Problems: v.problems}
	}
	return v.warnings, v.ioErr
}

type verifier struct {
	f        *os.File
	size     int64
	meta     boltMeta
	seen     []bool        // page id → reached by the walk or on the freelist
	pages    []pageSummary // page id → what the scan found there
	problems []string
	warnings []string
	ioErr    error
}

func (v *verifier) problem(format string, args ...any) {
	if len(v.problems) < maxProblems {
		v.problems = append(v.problems, fmt.Sprintf(format, args...))
	}
}

func (v *verifier) stop() bool { return len(v.problems) >= maxProblems || v.ioErr != nil }

func (v *verifier) run() {
	if v.size == 0 {
		v.problem("the file is empty (0 bytes)")
		return
	}
	m, ok := v.pickMeta()
	if !ok {
		return
	}
	v.meta = m
	ps := int64(m.pageSize)
	if m.pgid < 2 {
		v.problem("the meta page says %d pages are in use; at least 2 (the meta pages) must be", m.pgid)
		return
	}
	if need := int64(m.pgid) * ps; m.pgid > uint64(1<<62)/uint64(ps) || v.size < need {
		v.problem("the file is %d bytes but its meta page says %d pages of %d bytes (%d bytes) are in use: it was truncated", v.size, m.pgid, ps, int64(m.pgid)*ps)
		return
	}
	v.seen = make([]bool, m.pgid)
	v.seen[0], v.seen[1] = true, true
	if m.freelist != noFreelist {
		v.freelist(m.freelist)
	}
	if m.root < 2 || m.root >= m.pgid {
		v.problem("the root bucket points at page %d, outside the pages in use (2–%d)", m.root, m.pgid-1)
		return
	}
	v.scan()
	if v.stop() {
		return
	}
	v.tree(m.root, 0)
	if len(v.problems) > 0 || v.ioErr != nil {
		return
	}
	lost := 0
	for _, seen := range v.seen {
		if !seen {
			lost++
		}
	}
	if lost > 0 {
		v.warnings = append(v.warnings, fmt.Sprintf("%d pages are neither in use nor free (space lost, no data); `station check` lists them", lost))
	}
}

// pickMeta applies bbolt's rule: the valid meta page with the higher
// transaction id wins; one torn meta page is what a crash mid-commit leaves.
func (v *verifier) pickMeta() (boltMeta, bool) {
	buf := make([]byte, pageHeaderSize+metaSize)
	var metas [2]boltMeta
	var errs [2]error
	if _, err := v.f.ReadAt(buf, 0); err != nil {
		errs[0] = fmt.Errorf("unreadable (%v)", err)
	} else {
		metas[0], errs[0] = parseMeta(buf)
	}
	// The second meta page sits one page in; without the first meta's page
	// size, try each size bbolt allows, as bbolt does.
	sizes := []int64{}
	if errs[0] == nil {
		sizes = append(sizes, int64(metas[0].pageSize))
	} else {
		for s := int64(minPageSize); s <= maxPageSize; s <<= 1 {
			sizes = append(sizes, s)
		}
	}
	errs[1] = errors.New("missing")
	for _, s := range sizes {
		if s+int64(len(buf)) > v.size {
			break
		}
		if _, err := v.f.ReadAt(buf, s); err != nil {
			errs[1] = fmt.Errorf("unreadable (%v)", err)
			continue
		}
		m, err := parseMeta(buf)
		if err == nil && int64(m.pageSize) == s {
			metas[1], errs[1] = m, nil
			break
		}
		if err == nil {
			err = fmt.Errorf("its page size %d does not match its place", m.pageSize)
		}
		errs[1] = err
	}
	switch {
	case errs[0] != nil && errs[1] != nil:
		v.problem("both meta pages are invalid (first: %v; second: %v), so not even the previous commit can be read", errs[0], errs[1])
		return boltMeta{}, false
	case errs[0] == nil && errs[1] == nil:
		if metas[0].pageSize != metas[1].pageSize {
			v.problem("the meta pages disagree on the page size (%d and %d)", metas[0].pageSize, metas[1].pageSize)
			return boltMeta{}, false
		}
		if metas[1].txid > metas[0].txid {
			return metas[1], true
		}
		return metas[0], true
	case errs[0] != nil:
		v.warnings = append(v.warnings, fmt.Sprintf("meta page 0 is invalid (%v); the previous commit, on meta page 1, is used", errs[0]))
		return metas[1], true
	default:
		v.warnings = append(v.warnings, fmt.Sprintf("meta page 1 is invalid (%v); the previous commit, on meta page 0, is used", errs[1]))
		return metas[0], true
	}
}

// page reads page id with its overflow pages and marks them seen. It returns
// nil after recording a problem.
func (v *verifier) page(id uint64, what string) []byte {
	if id < 2 || id >= v.meta.pgid {
		v.problem("%s points at page %d, outside the pages in use (2–%d)", what, id, v.meta.pgid-1)
		return nil
	}
	ps := int64(v.meta.pageSize)
	head := make([]byte, pageHeaderSize)
	if _, err := v.f.ReadAt(head, int64(id)*ps); err != nil {
		v.ioErr = fmt.Errorf("read page %d: %w", id, err)
		return nil
	}
	le := binary.LittleEndian
	if got := le.Uint64(head); got != id {
		v.problem("page %d (%s) has the header of page %d", id, what, got)
		return nil
	}
	overflow := uint64(le.Uint32(head[12:]))
	if overflow >= v.meta.pgid-id {
		v.problem("page %d (%s) claims %d overflow pages, past the pages in use", id, what, overflow)
		return nil
	}
	for p := id; p <= id+overflow; p++ {
		if v.seen[p] {
			v.problem("page %d is used twice (again by %s)", p, what)
			return nil
		}
		v.seen[p] = true
	}
	buf := make([]byte, int64(overflow+1)*ps)
	if _, err := v.f.ReadAt(buf, int64(id)*ps); err != nil && !errors.Is(err, io.EOF) {
		v.ioErr = fmt.Errorf("read page %d: %w", id, err)
		return nil
	}
	return buf
}

func (v *verifier) freelist(id uint64) {
	buf := v.page(id, "the freelist")
	if buf == nil {
		return
	}
	le := binary.LittleEndian
	if flags := le.Uint16(buf[8:]); flags != flagFreelist {
		v.problem("page %d should be the freelist but has type %#x", id, flags)
		return
	}
	idx, count := 0, uint64(le.Uint16(buf[10:]))
	if count == freelistOverflow {
		idx, count = 1, le.Uint64(buf[pageHeaderSize:])
	}
	if count > uint64(len(buf)-pageHeaderSize)/8-uint64(idx) {
		v.problem("the freelist on page %d claims %d entries, more than fit in it", id, count)
		return
	}
	for i := uint64(0); i < count && !v.stop(); i++ {
		free := le.Uint64(buf[pageHeaderSize+8*(uint64(idx)+i):])
		if free < 2 || free >= v.meta.pgid {
			v.problem("the freelist lists page %d, outside the pages in use (2–%d)", free, v.meta.pgid-1)
			return
		}
		if v.seen[free] {
			v.problem("page %d is both free and in use", free)
			return
		}
		v.seen[free] = true
	}
}

// scan reads every page in use once, sequentially in large reads (a walk
// of the trees page by page costs a system call per page), and records for
// each what the walk needs: its header and the pages its elements point at.
// Free pages are scanned too; what they hold is only judged if the walk
// reaches them.
func (v *verifier) scan() {
	ps := uint64(v.meta.pageSize)
	v.pages = make([]pageSummary, v.meta.pgid)
	chunk := max(uint64(1<<20)/ps, 1)
	buf := make([]byte, chunk*ps)
	for first := uint64(2); first < v.meta.pgid; first += chunk {
		n := min(chunk, v.meta.pgid-first)
		if _, err := v.f.ReadAt(buf[:n*ps], int64(first*ps)); err != nil {
			v.ioErr = fmt.Errorf("read pages %d–%d: %w", first, first+n-1, err)
			return
		}
		for i := uint64(0); i < n; i++ {
			id := first + i
			head := buf[i*ps : (i+1)*ps]
			overflow := uint64(binary.LittleEndian.Uint32(head[12:]))
			page := head
			if overflow > 0 {
				if overflow >= v.meta.pgid-id {
					v.pages[id] = pageSummary{hdrID: binary.LittleEndian.Uint64(head), overflow: overflow}
					continue
				}
				if i+overflow < n {
					page = buf[i*ps : (i+1+overflow)*ps]
				} else {
					page = make([]byte, (overflow+1)*ps)
					if _, err := v.f.ReadAt(page, int64(id*ps)); err != nil {
						v.ioErr = fmt.Errorf("read page %d: %w", id, err)
						return
					}
				}
			}
			v.pages[id] = summarize(page)
		}
	}
}

// pageSummary is what the walk needs of one page.
type pageSummary struct {
	hdrID    uint64
	overflow uint64
	flags    uint16
	kids     []uint64 // branch: child pages; leaf: roots of sub-buckets
	problem  string   // what is wrong inside the page, if it is a branch or leaf
}

func summarize(page []byte) pageSummary {
	le := binary.LittleEndian
	sum := pageSummary{hdrID: le.Uint64(page), flags: le.Uint16(page[8:]), overflow: uint64(le.Uint32(page[12:]))}
	if sum.flags == flagBranch || sum.flags == flagLeaf {
		sum.kids, sum.problem = elements(page, false, 0)
	}
	return sum
}

// elements checks the elements of one branch or leaf page (its overflow
// pages included) and returns the pages they point at. inline is set for a
// bucket stored in its parent's value.
func elements(buf []byte, inline bool, depth int) (kids []uint64, problem string) {
	le := binary.LittleEndian
	flags, count := le.Uint16(buf[8:]), int(le.Uint16(buf[10:]))
	where := "the page"
	if inline {
		where = "an inline bucket"
	}
	if flags != flagBranch && flags != flagLeaf {
		return nil, fmt.Sprintf("%s should be a branch or leaf page but has type %#x", where, flags)
	}
	if inline && flags == flagBranch {
		return nil, "an inline bucket holds a branch page"
	}
	if pageHeaderSize+count*elemSize > len(buf) {
		return nil, fmt.Sprintf("%s claims %d elements, more than fit in it", where, count)
	}
	for i := 0; i < count; i++ {
		off := pageHeaderSize + i*elemSize
		e := buf[off : off+elemSize]
		if flags == flagBranch {
			pos, ksize := uint64(le.Uint32(e[0:])), uint64(le.Uint32(e[4:]))
			if uint64(off)+pos+ksize > uint64(len(buf)) {
				return nil, fmt.Sprintf("%s element %d points past the end of the page", where, i)
			}
			kids = append(kids, le.Uint64(e[8:]))
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e[0:]), uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
		start := uint64(off) + pos + ksize
		if start+vsize > uint64(len(buf)) {
			return nil, fmt.Sprintf("%s element %d points past the end of the page", where, i)
		}
		if eflags&bucketLeafFlag == 0 {
			continue
		}
		val := buf[start : start+vsize]
		if len(val) < inBucketSize {
			return nil, fmt.Sprintf("%s element %d is a bucket with a %d-byte header", where, i, len(val))
		}
		if root := le.Uint64(val); root != 0 {
			kids = append(kids, root)
			continue
		}
		if len(val) < inBucketSize+pageHeaderSize || depth >= maxTreeDepth {
			return nil, fmt.Sprintf("%s element %d is an inline bucket of %d bytes, too short for a page", where, i, len(val)-inBucketSize)
		}
		sub, p := elements(val[inBucketSize:], true, depth+1)
		if p != "" {
			return nil, p
		}
		kids = append(kids, sub...)
	}
	return kids, ""
}

// tree walks a bucket's B+tree from page id over the scanned summaries.
func (v *verifier) tree(id uint64, depth int) {
	if v.stop() {
		return
	}
	if depth > maxTreeDepth {
		v.problem("a bucket tree is deeper than %d levels at page %d", maxTreeDepth, id)
		return
	}
	if id < 2 || id >= v.meta.pgid {
		v.problem("a bucket points at page %d, outside the pages in use (2–%d)", id, v.meta.pgid-1)
		return
	}
	p := &v.pages[id]
	switch {
	case p.hdrID != id:
		v.problem("page %d (a bucket) has the header of page %d", id, p.hdrID)
		return
	case p.overflow >= v.meta.pgid-id:
		v.problem("page %d (a bucket) claims %d overflow pages, past the pages in use", id, p.overflow)
		return
	case p.flags != flagBranch && p.flags != flagLeaf:
		v.problem("page %d should be a branch or leaf page but has type %#x", id, p.flags)
		return
	case p.problem != "":
		v.problem("page %d: %s", id, p.problem)
		return
	}
	for q := id; q <= id+p.overflow; q++ {
		if v.seen[q] {
			v.problem("page %d is used twice (again by a bucket)", q)
			return
		}
		v.seen[q] = true
	}
	for _, kid := range p.kids {
		v.tree(kid, depth+1)
	}
}
