package health

// Walk: the findings of Diagnose, one at a time, for a caller that prints
// them and keeps none (doctor). Most findings of a large store are about
// one key file each (no backup, named by no metadata, weak encryption):
// Walk keeps such a finding as the key it is about, its check and its
// severity (16 bytes rather than a Finding's 120 and its texts), and
// builds it when its turn comes.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// keyedFinding is a finding built from its key alone (see keyFinding).
type keyedFinding struct {
	k     *vault.Key // into Input.Keys
	seq   uint32     // the order it was added in, among every finding
	check uint8      // index into checkOrder
	sev   Severity
}

// keyedFindings holds the keyed findings of a Walk, in chunks that never
// move.
type keyedFindings struct {
	on      bool
	chunks  [][]keyedFinding
	n       int
	fullSeq []uint32 // the seq of each finding kept whole, in the order added
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

// addKey adds the finding of check about key file k: kept as the key
// during a Walk, built now otherwise (without its message for
// DiagnoseLean where Text builds it).
func (d *diagnosis) addKey(check string, k *vault.Key) {
	if d.keyed.on {
		d.keyed.add(keyedFinding{k: k, seq: d.seq, check: uint8(slices.Index(checkOrder, check)), sev: keySeverity(check, k)})
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
	d.run()
	w := walker{d: d, full: d.collect()}
	order := w.sorted()
	for _, i := range order {
		f := w.finding(i)
		if err := fn(&f); err != nil {
			return err
		}
	}
	return nil
}

// walker orders a Walk's findings: indexes below len(full) are whole
// findings, the others keyed ones.
type walker struct {
	d    *diagnosis
	full []Finding
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
	gun := kf.k.GUN
	if checkOrder[kf.check] == CheckRootOnDisk {
		gun = ""
	}
	return sortKey{kf.sev, int(kf.check), gun, kf.k.ID, kf.seq}
}

// text is finding i's message.
func (w *walker) text(i int32) string {
	if int(i) < len(w.full) {
		return w.full[i].Text()
	}
	kf := w.d.keyed.at(int(i) - len(w.full))
	return keyMessage(checkOrder[kf.check], kf.k)
}

// finding builds finding i.
func (w *walker) finding(i int32) Finding {
	if int(i) < len(w.full) {
		return w.full[i]
	}
	kf := w.d.keyed.at(int(i) - len(w.full))
	return w.d.keyFinding(checkOrder[kf.check], kf.k, true)
}

// sorted returns the findings' indexes in Sort's order: by severity, check,
// GUN, key ID and message, and in the order they were added among equals.
func (w *walker) sorted() []int32 {
	order := make([]int32, len(w.full)+w.d.keyed.n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
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
	})
	return order
}
