package health

// Walk: the findings of Diagnose, one at a time, for a caller that prints
// them and keeps none (doctor). Most findings of a large store are about
// one key file each (no backup, named by no metadata, weak encryption):
// Walk keeps such a finding as the key it is about, its check and its
// severity (16 bytes rather than a Finding's 120 and its texts), sorts
// those by the key's rank, and builds each when its turn comes.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/trustvault/trustvault/vault"
)

// keyedFinding is a finding built from its key alone (see keyFinding):
// 16 bytes and no pointer, so the collector has nothing to scan in them.
type keyedFinding struct {
	key   uint32 // index into Input.Keys
	seq   uint32 // the order it was added in, among every finding
	rank  uint32 // the key's rank in the order Sort gives (keyRanks)
	check uint8  // index into checkOrder
	sev   uint8  // a Severity
}

// keyedFindings holds the keyed findings of a Walk, in chunks that never
// move.
type keyedFindings struct {
	on      bool
	chunks  [][]keyedFinding
	n       int
	fullSeq []uint32 // the seq of each finding kept whole, in the order added
	// byID and byGUN rank the keys by ID, and by GUN then ID (the order
	// of Sort; equal IDs, or GUNs and IDs, rank equal).
	byID, byGUN []uint32
}

func (kf *keyedFindings) add(f keyedFinding) {
	if kf.n%findingChunk == 0 {
		kf.chunks = append(kf.chunks, make([]keyedFinding, 0, findingChunk))
	}
	last := &kf.chunks[len(kf.chunks)-1]
	*last = append(*last, f)
	kf.n++
}

func (kf *keyedFindings) at(i int) *keyedFinding { return &kf.chunks[i/findingChunk][i%findingChunk] }

// keyRanks ranks keys by ID, and by GUN then ID. Store.Keys gives keys in
// ID order, which is then kept: no sort of the keys but a pass per GUN.
func keyRanks(keys []vault.Key) (byID, byGUN []uint32) {
	perm := make([]int32, len(keys))
	for i := range perm {
		perm[i] = int32(i)
	}
	idOrder := func(i, j int32) int { return strings.Compare(keys[i].ID, keys[j].ID) }
	if !slices.IsSortedFunc(perm, idOrder) {
		slices.SortFunc(perm, idOrder)
	}
	byID = denseRanks(keys, perm, func(a, b *vault.Key) bool { return a.ID == b.ID })
	// A counting sort by GUN keeps the ID order within each GUN.
	next := map[string]int{}
	for i := range keys {
		next[keys[i].GUN]++
	}
	guns := make([]string, 0, len(next))
	for g := range next {
		guns = append(guns, g)
	}
	slices.Sort(guns)
	at := 0
	for _, g := range guns {
		at, next[g] = at+next[g], at
	}
	gunOrder := make([]int32, len(keys))
	for _, i := range perm {
		g := keys[i].GUN
		gunOrder[next[g]] = i
		next[g]++
	}
	byGUN = denseRanks(keys, gunOrder, func(a, b *vault.Key) bool { return a.GUN == b.GUN && a.ID == b.ID })
	return byID, byGUN
}

// denseRanks gives each key its place in order, keys equal by same
// sharing one.
func denseRanks(keys []vault.Key, order []int32, same func(a, b *vault.Key) bool) []uint32 {
	ranks := make([]uint32, len(keys))
	r := uint32(0)
	for n, i := range order {
		if n > 0 && !same(&keys[i], &keys[order[n-1]]) {
			r++
		}
		ranks[i] = r
	}
	return ranks
}

// keyIndex is k's index in Input.Keys, which files points into.
func (d *diagnosis) keyIndex(k *vault.Key) int {
	return int((uintptr(unsafe.Pointer(k)) - uintptr(unsafe.Pointer(unsafe.SliceData(d.in.Keys)))) / unsafe.Sizeof(vault.Key{}))
}

// addKey adds the finding of check about key file k: kept as the key
// during a Walk, built now otherwise (without its message for
// DiagnoseLean where Text builds it).
func (d *diagnosis) addKey(check string, k *vault.Key) {
	if d.keyed.on {
		i := d.keyIndex(k)
		rank := d.keyed.byGUN[i]
		if check == CheckRootOnDisk { // a finding without a GUN
			rank = d.keyed.byID[i]
		}
		d.keyed.add(keyedFinding{key: uint32(i), seq: d.seq, rank: rank, check: uint8(slices.Index(checkOrder, check)), sev: uint8(keySeverity(check, k))})
		d.seq++
		return
	}
	d.add(d.keyFinding(check, k, !d.lean || check != CheckOrphanKey && check != CheckBackup))
}

// keySeverity is the severity of a keyed finding.
func keySeverity(check string, k *vault.Key) Severity {
	switch check {
	case CheckEncryption:
		if k.Encryption.Scheme == vault.SchemeNone {
			return SeverityProblem
		}
	case CheckFileMode:
		if k.Mode.Perm()&0o044 != 0 {
			return SeverityProblem
		}
	case CheckOrphanKey:
		return SeverityInfo
	}
	return SeverityWarning
}

const orphanFix = "if it is still needed, keep it and back it up; if it was rotated out, back it up once and then it may go"

// keyFinding builds the finding of check about key file k, with its
// message when message is set: weak encryption, a loose mode, no backup, a
// root key only on this disk, a key no metadata names.
func (d *diagnosis) keyFinding(check string, k *vault.Key, message bool) Finding {
	f := Finding{Check: check, Severity: keySeverity(check, k), KeyID: k.ID, GUN: k.GUN, Role: k.Role, Path: k.Path}
	switch check {
	case CheckEncryption:
		f.Fix = "re-encrypt it: " + d.tv("harden") + " (or change its passphrase: " + d.tv("passwd "+k.ShortID()) + ")"
	case CheckFileMode:
		f.Fix = "chmod 600 " + k.Path
	case CheckBackup:
		f.Fix = d.noBackupFix
	case CheckRootOnDisk:
		f.GUN = ""
		f.Fix = "keep it offline: two verified backups, then move it to a Yubikey (" + d.tv("yubikey import-root "+k.ShortID()) +
			"; the file stays as its backup); a lost root key cannot be recovered"
	case CheckOrphanKey:
		f.Fix = orphanFix
	}
	if message {
		f.Message = keyMessage(check, k)
	}
	return f
}

// keyMessage is the message of keyFinding.
func keyMessage(check string, k *vault.Key) string {
	switch check {
	case CheckEncryption:
		return encryptionMessage(k)
	case CheckFileMode:
		return modeMessage(k)
	case CheckBackup:
		return noBackupMessage(k.Role, k.ID)
	case CheckRootOnDisk:
		return fmt.Sprintf("root key %s is only on this disk, on no hardware token that is plugged in", k.ShortID())
	case CheckOrphanKey:
		return orphanMessage(k.Role, k.ID, k.GUN)
	}
	return ""
}

// CheckEach is Check for a caller that prints the findings and keeps
// none: it calls fn with each finding in Check's order, built just
// before, and stops at fn's first error.
func CheckEach(s *vault.Store, now time.Time, command string, fn func(*Finding) error) error {
	return Walk(read(s, now, command), fn)
}

// Walk calls fn with each of Diagnose's findings, in Diagnose's order;
// the Finding is valid until fn returns. It stops at fn's first error and
// returns it.
func Walk(in Input, fn func(*Finding) error) error {
	d := newDiagnosis(in)
	d.keyed.on = true
	d.keyed.byID, d.keyed.byGUN = keyRanks(d.in.Keys)
	d.run()
	d.keyed.byID, d.keyed.byGUN = nil, nil
	w := &walker{d: d, full: d.collect()}
	fullOrder := w.sortedFull()
	sort.Sort((*keyedOrder)(w))
	// Merge the two sorted lists.
	keyed := 0
	for _, i := range fullOrder {
		for ; keyed < d.keyed.n && w.compare(w.keyedRef(keyed), i) < 0; keyed++ {
			if err := w.yield(w.keyedRef(keyed), fn); err != nil {
				return err
			}
		}
		if err := w.yield(i, fn); err != nil {
			return err
		}
	}
	for ; keyed < d.keyed.n; keyed++ {
		if err := w.yield(w.keyedRef(keyed), fn); err != nil {
			return err
		}
	}
	return nil
}

// walker orders a Walk's findings. A finding is referred to by an index:
// below len(full) a whole finding, from there on keyed ones.
type walker struct {
	d    *diagnosis
	full []Finding
}

func (w *walker) keyedRef(i int) int32 { return int32(len(w.full) + i) }

func (w *walker) yield(i int32, fn func(*Finding) error) error {
	f := w.finding(i)
	return fn(&f)
}

// sortKey is what Sort orders findings by, for finding i.
type sortKey struct {
	sev     Severity
	rank    int
	gun, id string
	seq     uint32
}

func (w *walker) key(i int32) sortKey {
	if int(i) < len(w.full) {
		f := &w.full[i]
		rank := slices.Index(checkOrder, f.Check)
		if rank < 0 {
			rank = len(checkOrder)
		}
		return sortKey{f.Severity, rank, f.GUN, f.KeyID, w.d.keyed.fullSeq[i]}
	}
	kf := w.d.keyed.at(int(i) - len(w.full))
	k := &w.d.in.Keys[kf.key]
	gun := k.GUN
	if checkOrder[kf.check] == CheckRootOnDisk {
		gun = ""
	}
	return sortKey{Severity(kf.sev), int(kf.check), gun, k.ID, kf.seq}
}

// text is finding i's message.
func (w *walker) text(i int32) string {
	if int(i) < len(w.full) {
		return w.full[i].Text()
	}
	kf := w.d.keyed.at(int(i) - len(w.full))
	return keyMessage(checkOrder[kf.check], &w.d.in.Keys[kf.key])
}

// finding builds finding i.
func (w *walker) finding(i int32) Finding {
	if int(i) < len(w.full) {
		return w.full[i]
	}
	kf := w.d.keyed.at(int(i) - len(w.full))
	return w.d.keyFinding(checkOrder[kf.check], &w.d.in.Keys[kf.key], true)
}

// compare orders findings i and j as Sort does: by severity, check, GUN,
// key ID and message, and in the order they were added among equals.
func (w *walker) compare(i, j int32) int {
	a, b := w.key(i), w.key(j)
	switch {
	case a.sev != b.sev:
		return int(b.sev - a.sev)
	case a.rank != b.rank:
		return a.rank - b.rank
	case a.gun != b.gun:
		return strings.Compare(a.gun, b.gun)
	case a.id != b.id:
		return strings.Compare(a.id, b.id)
	}
	if c := strings.Compare(w.text(i), w.text(j)); c != 0 {
		return c
	}
	return int(int64(a.seq) - int64(b.seq))
}

// sortedFull returns the whole findings' indexes in order.
func (w *walker) sortedFull() []int32 {
	order := make([]int32, len(w.full))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, w.compare)
	return order
}

// keyedOrder sorts the keyed findings in place, by their severity, check
// and key rank, and by compare when those are equal.
type keyedOrder walker

func (o *keyedOrder) Len() int { return o.d.keyed.n }

func (o *keyedOrder) Less(i, j int) bool {
	a, b := o.d.keyed.at(i), o.d.keyed.at(j)
	switch {
	case a.sev != b.sev:
		return a.sev > b.sev
	case a.check != b.check:
		return a.check < b.check
	case a.rank != b.rank:
		return a.rank < b.rank
	}
	w := (*walker)(o)
	return w.compare(w.keyedRef(i), w.keyedRef(j)) < 0
}

func (o *keyedOrder) Swap(i, j int) {
	a, b := o.d.keyed.at(i), o.d.keyed.at(j)
	*a, *b = *b, *a
}
