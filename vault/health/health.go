package health

// Health: what in a trust directory needs attention before it is too late
// (a key with no backup, a root key in one place, an expiry coming up) and
// what is wrong already (a key metadata needs that is nowhere, an unreadable
// file), each finding with what to do.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Severity ranks a finding.
type Severity int

const (
	// SeverityInfo is worth knowing; nothing needs doing.
	SeverityInfo Severity = iota
	// SeverityWarning will hurt later if nothing is done.
	SeverityWarning
	// SeverityProblem is broken now, or leaves a key exposed now.
	SeverityProblem
)

func (s Severity) String() string {
	switch s {
	case SeverityProblem:
		return "problem"
	case SeverityWarning:
		return "warning"
	default:
		return "info"
	}
}

// The checks. Each finding names the check that raised it.
const (
	CheckUnreadableKey  = "unreadable-key"  // a key file that cannot be read or parsed
	CheckMetadata       = "metadata"        // cached metadata that cannot be read or parsed
	CheckMissingKey     = "missing-key"     // metadata names a key that is not here
	CheckExpiry         = "expiry"          // a role expired or expiring within 90 days
	CheckEncryption     = "encryption"      // unencrypted, legacy or weak encryption
	CheckAlgorithm      = "algorithm"       // a key docker and notary cannot use in its role (Ed25519 root or delegation)
	CheckFileMode       = "file-mode"       // private/ not 0700, a key file not 0600
	CheckPrivateSymlink = "private-symlink" // private/ reached through a symlink
	CheckBackup         = "backup"          // no verified backup, or only one
	CheckBackupAge      = "backup-age"      // the newest backup is older than the newest key
	CheckRootOnDisk     = "root-on-disk"    // a root key only on this disk, on no token
	CheckSharedRoot     = "shared-root"     // one root key signs several repositories
	CheckOrphanKey      = "orphan-key"      // a key no metadata names
)

// checkOrder ranks checks of the same severity: broken before exposed,
// exposed before merely untidy.
var checkOrder = []string{
	CheckUnreadableKey, CheckMetadata, CheckMissingKey, CheckExpiry, CheckEncryption, CheckAlgorithm,
	CheckFileMode, CheckPrivateSymlink, CheckBackup, CheckBackupAge, CheckRootOnDisk,
	CheckSharedRoot, CheckOrphanKey,
}

// Checks lists every check, in the order findings of one severity are
// sorted.
func Checks() []string { return slices.Clone(checkOrder) }

// Expiry thresholds.
const (
	// ExpirySoon raises a warning.
	ExpirySoon = 30 * 24 * time.Hour
	// ExpiryAhead raises a note.
	ExpiryAhead = 90 * 24 * time.Hour
)

// Finding is one thing that needs attention.
type Finding struct {
	Check    string
	Severity Severity
	// KeyID is the canonical ID of the key concerned, if one is.
	KeyID string
	// GUN is the repository concerned, if one is.
	GUN string
	// Role is the role concerned ("root", "targets/releases"), if one is:
	// it picks the lost-key guide.
	Role string
	// Path is the file concerned, if one is.
	Path    string
	Message string
	// Fix says what to do, with the commands to run.
	Fix string
}

// HealthInput is everything the checks look at. Diagnose does no I/O, so a
// caller that has already read the store (the TUI) passes what it read.
type Input struct {
	// Now is the clock the expiries are measured against.
	Now time.Time
	// Keys and KeysErr are what Store.Keys returned.
	Keys    []vault.Key
	KeysErr error
	// Repos and ReposErr are what ReadRepositories returned.
	Repos    []vault.Repository
	ReposErr error
	Private  vault.PrivateDirInfo
	// Backups and BackupsErr are what the BackupLedger returned.
	Backups    []vault.BackupRecord
	BackupsErr error
	// Tokens are the keys on the tokens plugged in (ListTokens). Keys may
	// also be WithTokens's result; keys without a file are then skipped by
	// the checks of files.
	Tokens []token.Key
	// Command is the trustvault command line the fixes start with, such
	// as "trustvault --trust-dir /srv/trust" (shell-quoted by the caller);
	// "" is "trustvault", for the default trust directory.
	Command string
}

// Check reads the store and runs every check with the clock now; the fixes
// start with command (see Input.Command). Failures to read are findings,
// not errors.
func Check(s *vault.Store, now time.Time, command string) []Finding {
	return Diagnose(read(s, now, command))
}

// read reads what the checks look at.
func read(s *vault.Store, now time.Time, command string) Input {
	in := Input{Now: now, Private: s.PrivateDirInfo(), Command: command}
	in.Keys, in.KeysErr = s.Keys()
	if _, tks, err := token.List(); err == nil {
		in.Tokens = tks
	}
	in.Repos, in.ReposErr = vault.ReadRepositories(s.Dir(), token.Locate(in.Keys, in.Tokens))
	in.Backups, in.BackupsErr = s.BackupLedger().BackupRecords()
	return in
}

// Diagnose runs every check and returns the findings, most urgent first:
// by severity, then by check (see Checks), then by GUN, key ID and message.
func Diagnose(in Input) []Finding { return diagnose(in, false) }

// DiagnoseLean is Diagnose for a caller that keeps every finding and
// shows a few (the interactive view): the findings raised for each key
// file in bulk (a key named by no metadata, a key with no backup) carry
// no Message, which Text builds when one is shown. At 100,000 keys their
// messages were 20 MB.
func DiagnoseLean(in Input) []Finding { return diagnose(in, true) }

// Text is the finding's message: Message, or the message DiagnoseLean
// left to be built from the finding's check, role and key ID.
func (f *Finding) Text() string {
	if f.Message != "" {
		return f.Message
	}
	switch f.Check {
	case CheckOrphanKey:
		return orphanMessage(f.Role, f.KeyID, f.GUN)
	case CheckBackup:
		return noBackupMessage(f.Role, f.KeyID)
	}
	return ""
}

func diagnose(in Input, lean bool) []Finding {
	d := newDiagnosis(in)
	d.lean = lean
	d.run()
	out := d.collect()
	Sort(out)
	return out
}

func newDiagnosis(in Input) *diagnosis {
	tokens := tokenKeysByID(in)
	// Keys only on a token have no file to check.
	tokenOnly := func(k vault.Key) bool { return k.Path == "" && k.Token != nil }
	if slices.ContainsFunc(in.Keys, tokenOnly) { // copied only then: at 100,000 keys a copy is 23 MB
		in.Keys = slices.DeleteFunc(slices.Clone(in.Keys), tokenOnly)
	}
	d := &diagnosis{in: in, files: vault.KeyFilesByID(in.Keys), uses: map[string][]keyUse{}, tokens: tokens}
	for _, r := range in.Repos {
		for _, ri := range r.Roles {
			for _, rk := range ri.Keys {
				d.uses[rk.ID] = append(d.uses[rk.ID], keyUse{gun: r.GUN, role: ri.Name})
			}
		}
	}
	// One fix string shared by every key without a backup, not one each.
	d.noBackupFix = "back it up to two drives, read back and verified: " + d.tv("backup --to DIR --to DIR") + " (or b in the interactive view)"
	return d
}

// run runs every check.
func (d *diagnosis) run() {
	d.readErrors()
	d.unreadable()
	d.missing()
	d.expiry()
	d.encryption()
	d.algorithms()
	d.modes()
	d.backups()
	d.rootCustody()
	d.orphans()
}

// SortFindings orders findings most urgent first. Equal findings keep
// their order (a stable sort). It sorts indexes, not findings, and then
// moves each finding once: with 300,000 findings, swapping them in a
// stable merge sort cost more than the checks that made them.
func Sort(fs []Finding) {
	rank := make([]int, len(fs))
	for i := range fs {
		rank[i] = len(checkOrder)
		if r := slices.Index(checkOrder, fs[i].Check); r >= 0 {
			rank[i] = r
		}
	}
	order := make([]int32, len(fs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &fs[i], &fs[j]
		switch {
		case a.Severity != b.Severity:
			return int(b.Severity - a.Severity)
		case rank[i] != rank[j]:
			return rank[i] - rank[j]
		case a.GUN != b.GUN:
			return strings.Compare(a.GUN, b.GUN)
		case a.KeyID != b.KeyID:
			return strings.Compare(a.KeyID, b.KeyID)
		case a.Message != b.Message || a.Message == "":
			if c := strings.Compare(a.Text(), b.Text()); c != 0 {
				return c
			}
		}
		return int(i - j) // stable
	})
	permute(fs, order)
}

// permute puts fs[order[k]] at k for every k, following each cycle of
// the permutation (order is used up).
func permute(fs []Finding, order []int32) {
	for start := range order {
		if order[start] < 0 {
			continue
		}
		held := fs[start]
		k := start
		for {
			from := int(order[k])
			order[k] = -1
			if from == start {
				fs[k] = held
				break
			}
			fs[k] = fs[from]
			k = from
		}
	}
}

// Worst is the highest severity among findings, and false when there are
// none.
func Worst(fs []Finding) (Severity, bool) {
	if len(fs) == 0 {
		return SeverityInfo, false
	}
	w := SeverityInfo
	for _, f := range fs {
		w = max(w, f.Severity)
	}
	return w, true
}

// CountSeverity counts the findings of one severity.
func Count(fs []Finding, s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// keyUse is one role of one repository that names a key.
type keyUse struct{ gun, role string }

// diagnosis carries one Diagnose call.
type diagnosis struct {
	in     Input
	lean   bool                  // DiagnoseLean: bulk messages left to Text
	files  map[string]*vault.Key // readable key files by ID (into in.Keys)
	uses   map[string][]keyUse   // key ID -> roles naming it
	tokens map[string]token.Key  // keys on tokens plugged in, by ID
	out    []Finding             // the findings added since the last chunk filled
	full   [][]Finding           // filled chunks
	// noBackupFix is the fix of every key without a backup.
	noBackupFix string
	// keyed: Walk keeps the findings about one key file that it can build
	// again from the key (see addKey) as keyedFindings.
	keyed keyedFindings
	seq   uint32 // findings added so far: the order Sort keeps among equals
}

// add keeps a finding. Findings go into chunks of a fixed size, joined
// once at the end: a slice grown by doubling allocated 170 MB for 300,000
// findings of 120 bytes, and its copies raised the peak by half as much.
func (d *diagnosis) add(f Finding) {
	if d.keyed.on {
		d.keyed.fullSeq = append(d.keyed.fullSeq, d.seq)
		d.seq++
	}
	if len(d.out) == cap(d.out) {
		size := findingChunk
		if d.out == nil {
			size = 64 // most trust directories have a few findings
		} else {
			d.full = append(d.full, d.out)
		}
		d.out = make([]Finding, 0, size)
	}
	d.out = append(d.out, f)
}

const findingChunk = 4096

// collect joins the chunks into one slice of the exact length.
func (d *diagnosis) collect() []Finding {
	n := len(d.out)
	for _, c := range d.full {
		n += len(c)
	}
	if n == 0 {
		return nil // as before: no findings is a nil slice
	}
	out := make([]Finding, 0, n)
	for i, c := range d.full {
		out = append(out, c...)
		d.full[i] = nil
	}
	return append(out, d.out...)
}

// readErrors: private/ or tuf/ could not be listed, metadata files could not
// be read, the backup records could not be read.
func (d *diagnosis) readErrors() {
	if d.in.KeysErr != nil {
		d.add(Finding{Check: CheckUnreadableKey, Severity: SeverityProblem, Path: d.in.Private.Path,
			Message: "the key files could not be listed: " + d.in.KeysErr.Error(),
			Fix:     "make " + d.in.Private.Path + " readable by you (chmod 700), then run " + d.tv("doctor") + " again"})
	}
	if d.in.ReposErr != nil {
		d.add(Finding{Check: CheckMetadata, Severity: SeverityProblem,
			Message: "part of the metadata cache could not be listed: " + d.in.ReposErr.Error(),
			Fix:     "make the tuf/ directories readable by you; docker and notary fetch the metadata again from the server"})
	}
	for _, r := range d.in.Repos {
		for _, p := range r.Problems {
			d.add(Finding{Check: CheckMetadata, Severity: SeverityProblem, GUN: r.GUN,
				Message: "cached metadata is unreadable: " + p.Error(),
				Fix: "the cache is only a copy: move " + filepath.Join(r.Dir, "metadata") +
					" aside and pull it again: " + d.tv("pull "+vault.ShellQuote(r.GUN)) + " (or " + d.notary("list "+r.GUN) + "); " +
					"if it was never published, it is lost with the cache"})
		}
	}
	if d.in.BackupsErr != nil {
		d.add(Finding{Check: CheckBackup, Severity: SeverityWarning,
			Message: "the backup records could not be read: " + d.in.BackupsErr.Error(),
			Fix:     "make <trust dir>/trustvault/ readable by you"})
	}
}

// unreadable: key files that cannot be read or parsed.
func (d *diagnosis) unreadable() {
	for _, k := range d.in.Keys {
		if k.Err == nil {
			continue
		}
		fix := "check the file: if it is damaged, restore it from a backup; if the key is lost, follow the lost-key guide (" + d.tv("guide "+guideSubject(k)) + ")"
		if k.Layout == vault.LayoutStray {
			fix = "move it to " + vault.KeyFileIn(d.in.Private.Path, k.ID) + " if it is a key of yours, so that notary and docker can load it"
		}
		d.add(Finding{Check: CheckUnreadableKey, Severity: SeverityProblem, KeyID: k.ID, GUN: k.GUN, Role: k.Role, Path: k.Path,
			Message: fmt.Sprintf("key file %s cannot be used: %v", filepath.Base(k.Path), k.Err),
			Fix:     fix})
	}
}

func guideSubject(k vault.Key) string {
	if vault.IsKeyID(k.ID) {
		return vault.ShortID(k.ID)
	}
	return keyrole.KindOf(k.Role).String()
}

// missing: keys that metadata names and that are neither here nor on the
// server. A key in several roles of one repository (a docker signer in
// targets/<name> and targets/releases) is one finding.
func (d *diagnosis) missing() {
	for _, r := range d.in.Repos {
		var order []string
		roles := map[string][]vault.RoleInfo{}
		for _, ri := range r.Roles {
			for _, rk := range ri.Keys {
				if rk.Location != vault.LocationMissing {
					continue
				}
				if _, ok := roles[rk.ID]; !ok {
					order = append(order, rk.ID)
				}
				roles[rk.ID] = append(roles[rk.ID], ri)
			}
		}
		for _, id := range order {
			d.add(d.missingFinding(r.GUN, roles[id], id))
		}
	}
}

func (d *diagnosis) missingFinding(gun string, roles []vault.RoleInfo, id string) Finding {
	ri := roles[0]
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	f := Finding{Check: CheckMissingKey, KeyID: id, GUN: gun, Role: ri.Name}
	guide := d.tv("guide " + vault.ShortID(id) + " --gun " + gun)
	switch ri.Kind {
	case keyrole.Root:
		f.Severity = SeverityWarning
		f.Message = fmt.Sprintf("the root key %s is not here: kept offline elsewhere, or lost", vault.ShortID(id))
		f.Fix = "if it is kept offline, make sure it is where you think it is (two copies); if it is lost, it cannot be recovered: read " + guide
	case keyrole.Targets:
		f.Severity = SeverityProblem
		f.Message = fmt.Sprintf("the targets key %s is not here: nobody can sign %s from this machine", vault.ShortID(id), gun)
		f.Fix = "if a copy exists, import it (" + d.tv("import FILE") + "); if it is lost, rotate it with the root key: " + guide
	default:
		f.Severity = SeverityWarning
		f.Message = fmt.Sprintf("the %s key %s is not here: held by its signer, or lost", strings.Join(names, " and "), vault.ShortID(id))
		f.Fix = "if the signer still has it, nothing to do; if it is lost, replace it in the delegation: " + guide
	}
	return f
}

// expiry: roles whose cached metadata expired or expires within 90 days.
// Roles only the server signs (the timestamp, and the snapshot when the
// server holds its key) are renewed by the server: their cached expiry is
// only a note once it is past.
func (d *diagnosis) expiry() {
	for _, r := range d.in.Repos {
		for _, ri := range r.Roles {
			if ri.Expires.IsZero() {
				continue
			}
			left := ri.Expires.Sub(d.in.Now)
			date := ri.Expires.UTC().Format(time.DateOnly)
			f := Finding{Check: CheckExpiry, GUN: r.GUN, Role: ri.Name}
			if len(ri.Keys) > 0 {
				f.KeyID = ri.Keys[0].ID
			}
			server := serverSigned(ri)
			switch {
			case server && left <= 0:
				f.Severity = SeverityInfo
				f.Message = fmt.Sprintf("the cached %s metadata expired on %s; the notary server renews it", ri.Name, date)
				f.Fix = "nothing to do if the server is reachable: the next pull fetches a fresh copy (" + d.tv("pull "+vault.ShellQuote(r.GUN)) + ", or " + d.notary("list "+r.GUN) + ")"
			case server:
				continue
			case left <= 0:
				f.Severity = SeverityProblem
				f.Message = fmt.Sprintf("the %s metadata expired on %s: clients refuse the repository", ri.Name, date)
				f.Fix = d.renewFix(r.GUN, ri)
			case left < ExpirySoon:
				f.Severity = SeverityWarning
				f.Message = fmt.Sprintf("the %s metadata expires on %s, in %d days", ri.Name, date, vault.DaysLeft(left))
				f.Fix = d.renewFix(r.GUN, ri)
			case left < ExpiryAhead:
				f.Severity = SeverityInfo
				f.Message = fmt.Sprintf("the %s metadata expires on %s, in %d days", ri.Name, date, vault.DaysLeft(left))
				f.Fix = d.renewFix(r.GUN, ri)
			default:
				continue
			}
			d.add(f)
		}
	}
}

// serverSigned reports whether only the notary server holds the role's keys.
func serverSigned(ri vault.RoleInfo) bool {
	if len(ri.Keys) == 0 {
		return false
	}
	for _, k := range ri.Keys {
		if k.Location != vault.LocationServer {
			return false
		}
	}
	return true
}

// renewFix says how to re-sign a role before (or after) it expires.
func (d *diagnosis) renewFix(gun string, ri vault.RoleInfo) string {
	fix := "re-sign it with its key and publish: " + d.notary("witness -p "+gun+" "+ri.Name)
	switch ri.Kind {
	case keyrole.Snapshot:
		fix += " (or hand the snapshot key to the server: " + d.tv("rotate "+gun+" snapshot --server-managed") + "; " + d.notary("key rotate "+gun+" snapshot -r") + ")"
	case keyrole.Targets, keyrole.Delegation:
		fix += " (signing a tag re-signs it too: " + d.tv("sign "+vault.ShellQuote(gun)+":TAG") + ", or docker trust sign before docker 29)"
	}
	return fix
}

// tv is a trustvault command line on this trust directory.
func (d *diagnosis) tv(args string) string { return command(d.in.Command, args) }

// command is args after the trustvault command line prefix ("" is
// "trustvault").
func command(prefix, args string) string {
	if prefix == "" {
		prefix = "trustvault"
	}
	return prefix + " " + args
}

// notary is a notary command line on this trust directory.
func (d *diagnosis) notary(args string) string {
	dir := "DIR"
	if d.in.Private.Path != "" {
		dir = filepath.Dir(d.in.Private.Path)
	}
	return "notary -s SERVER -d " + dir + " " + args
}

// encryption: key files protected below what trustvault writes.
func (d *diagnosis) encryption() {
	for i := range d.in.Keys {
		if k := &d.in.Keys[i]; k.Err == nil && k.Encryption.Weak() {
			d.addKey(CheckEncryption, k)
		}
	}
}

func encryptionMessage(k *vault.Key) string {
	switch k.Encryption.Scheme {
	case vault.SchemeNone:
		return fmt.Sprintf("%s key %s is not encrypted: anyone who can read the file has the key", roleLabel(k.Role), k.ShortID())
	case vault.SchemeLegacyPEM:
		return fmt.Sprintf("%s key %s uses legacy PEM encryption (one round of MD5)", roleLabel(k.Role), k.ShortID())
	default:
		return fmt.Sprintf("%s key %s uses %d PBKDF2 iterations, fewer than %d", roleLabel(k.Role), k.ShortID(), k.Encryption.Iterations, vault.HardenedIterations)
	}
}

// algorithms: keys that docker and notary cannot use in their role (an
// Ed25519 root or delegation key). The algorithm is known from an
// unencrypted file, an unlocked key, or the key type metadata gives it.
func (d *diagnosis) algorithms() {
	metaType := map[string]string{}
	for _, r := range d.in.Repos {
		for _, ri := range r.Roles {
			for _, rk := range ri.Keys {
				metaType[rk.ID] = rk.KeyType
			}
		}
	}
	for _, k := range d.in.Keys {
		if k.Err != nil || k.Algorithm != vault.AlgorithmED25519 && metaType[k.ID] != tuf.KeyTypeED25519 {
			continue
		}
		if err := vault.Ed25519Usable(k.Role); err != nil {
			d.add(Finding{Check: CheckAlgorithm, Severity: SeverityProblem, KeyID: k.ID, GUN: k.GUN, Role: k.Role, Path: k.Path,
				Message: fmt.Sprintf("%s key %s is Ed25519, which %v", roleLabel(k.Role), k.ShortID(), err),
				Fix:     "generate an ECDSA key for this role (" + d.tv("generate --role "+k.Role) + ") and use it in place of this one"})
		}
	}
}

// modes: private/ open to others, key files open to others, private/
// reached through a symlink.
func (d *diagnosis) modes() {
	p := d.in.Private
	if p.Exists && p.Mode.IsDir() && p.Mode.Perm()&0o077 != 0 {
		d.add(Finding{Check: CheckFileMode, Severity: SeverityWarning, Path: p.Path,
			Message: fmt.Sprintf("the private directory has mode %04o: others may list the key files", p.Mode.Perm()),
			Fix:     "chmod 700 " + p.Path})
	}
	if p.Symlink {
		d.add(Finding{Check: CheckPrivateSymlink, Severity: SeverityWarning, Path: p.Path,
			Message: "the private directory is a symbolic link to " + p.Target + ": docker trust signer add fails on it (docker/cli#3155), and a backup of the trust directory may copy the link instead of the keys",
			Fix:     "replace the link with the directory itself: mv the keys into a real " + p.Path + " (mode 0700)"})
	}
	for i := range d.in.Keys {
		if k := &d.in.Keys[i]; k.Mode != 0 && k.Mode.IsRegular() && k.Mode.Perm()&0o077 != 0 {
			d.addKey(CheckFileMode, k)
		}
	}
}

func modeMessage(k *vault.Key) string {
	if perm := k.Mode.Perm(); perm&0o044 != 0 {
		return fmt.Sprintf("key file %s has mode %04o: other users can read it", k.ShortID(), perm)
	}
	return fmt.Sprintf("key file %s has mode %04o; notary writes 0600", k.ShortID(), k.Mode.Perm())
}

// backups: each key file needs two verified copies elsewhere (on two
// drives: the ledger gives one record per key and drive), made since the
// key last changed.
func (d *diagnosis) backups() {
	verified := map[string][]vault.BackupRecord{}
	var newestBackup time.Time
	for _, b := range d.in.Backups {
		if b.VerifiedAt.IsZero() {
			continue
		}
		verified[b.KeyID] = append(verified[b.KeyID], b)
		if b.VerifiedAt.After(newestBackup) {
			newestBackup = b.VerifiedAt
		}
	}
	var newest vault.Key
	aged := map[string]bool{}
	againFix := "back up again (" + d.tv("backup --to DIR --to DIR") + "); the old copies open only with the passphrase the key had then"
	for _, id := range sortedIDs(d.files) {
		k := d.files[id]
		if k.ModTime.After(newest.ModTime) {
			newest = *k
		}
		n := len(verified[id])
		var older []string
		for _, b := range verified[id] {
			if b.OlderThan(*k) {
				older = append(older, b.Where)
			}
		}
		if n > 0 && len(older) == n {
			aged[id] = true
			d.add(Finding{Check: CheckBackupAge, Severity: SeverityWarning, KeyID: id, GUN: k.GUN, Role: k.Role, Path: k.Path,
				Message: fmt.Sprintf("the backups of %s key %s (%s) hold an older version of it: the file changed on %s (a new passphrase?)",
					roleLabel(k.Role), k.ShortID(), strings.Join(older, ", "), k.ModTime.UTC().Format(time.DateOnly)),
				Fix: againFix})
		}
		f := Finding{Check: CheckBackup, Severity: SeverityWarning, KeyID: id, GUN: k.GUN, Role: k.Role, Path: k.Path}
		switch {
		case n == 0:
			d.addKey(CheckBackup, k)
			continue
		case n == 1:
			f.Severity = SeverityInfo
			if k.Kind() == keyrole.Root {
				f.Severity = SeverityWarning
			}
			f.Message = fmt.Sprintf("%s key %s has only one verified backup (%s)", roleLabel(k.Role), k.ShortID(), verified[id][0].Where)
			f.Fix = "make a second backup on another drive, kept in another place"
		default:
			continue
		}
		d.add(f)
	}
	if !newestBackup.IsZero() && newest.ID != "" && newest.ModTime.After(newestBackup) && !aged[newest.ID] && len(verified[newest.ID]) > 0 {
		d.add(Finding{Check: CheckBackupAge, Severity: SeverityWarning, KeyID: newest.ID, GUN: newest.GUN, Role: newest.Role, Path: newest.Path,
			Message: fmt.Sprintf("the newest backup (%s) is older than the newest key, %s key %s (%s)",
				newestBackup.UTC().Format(time.DateOnly), roleLabel(newest.Role), newest.ShortID(), newest.ModTime.UTC().Format(time.DateOnly)),
			Fix: "back up again so that the backups hold every key"})
	}
}

// rootCustody: root keys only on this disk, and root keys that sign many
// repositories.
func (d *diagnosis) rootCustody() {
	for _, id := range sortedIDs(d.files) {
		k := d.files[id]
		if k.Kind() != keyrole.Root {
			continue
		}
		if _, ok := d.tokens[id]; ok {
			continue // on a token, which wins; the file is its backup
		}
		d.addKey(CheckRootOnDisk, k)
	}
	d.tokenOnlyRoots()
	roots := map[string][]string{} // root key ID -> GUNs
	for _, r := range d.in.Repos {
		if ri, ok := r.Role("root"); ok {
			for _, rk := range ri.Keys {
				roots[rk.ID] = append(roots[rk.ID], r.GUN)
			}
		}
	}
	for id, guns := range roots {
		if len(guns) < 2 {
			continue
		}
		sev := SeverityInfo
		if len(guns) >= 5 {
			sev = SeverityWarning
		}
		d.add(Finding{Check: CheckSharedRoot, Severity: sev, KeyID: id, Role: "root",
			Message: fmt.Sprintf("root key %s signs %d repositories (%s): losing it, or its theft, touches all of them",
				vault.ShortID(id), len(guns), strings.Join(guns, ", ")),
			Fix: "protect it accordingly (two verified backups, a token); new repositories can get a root key of their own (" + d.tv("generate --role root") + " before docker trust signer add)"})
	}
}

// tokenKeysByID indexes the keys on tokens, from Tokens and from keys
// that WithTokens marked.
func tokenKeysByID(in Input) map[string]token.Key {
	m := map[string]token.Key{}
	for _, tk := range in.Tokens {
		m[tk.ID] = tk
	}
	for _, k := range in.Keys {
		if _, ok := m[k.ID]; !ok && k.Token != nil {
			m[k.ID] = token.Key{ID: k.ID, Role: k.Role, Token: *k.Token}
		}
	}
	return m
}

// tokenOnlyRoots: root keys on a token with no file here. One generated on
// the token has no copy anywhere.
func (d *diagnosis) tokenOnlyRoots() {
	ids := make([]string, 0, len(d.tokens))
	for id := range d.tokens {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		tk := d.tokens[id]
		if _, ok := d.files[id]; ok || keyrole.KindOf(tk.Role) != keyrole.Root {
			continue
		}
		f := Finding{Check: CheckRootOnDisk, KeyID: id, Role: tk.Role}
		if tk.Generated {
			// A key generated on a token cannot leave it: losing the token
			// loses the root of every repository it signs.
			f.Severity = SeverityProblem
			f.Message = fmt.Sprintf("root key %s is only on %s: it was generated there, so it has no backup and cannot have one", vault.ShortID(id), tk.Token)
			f.Fix = "keep the Yubikey safe, apart from where you work; for a root key with a backup, generate one as a file, back it up, move it to a Yubikey (" + d.tv("yubikey import-root") + ") and rotate each repository's root to it: " + d.tv("rotate GUN root --key NEWROOTID") + " (the old root on the Yubikey cross-signs; notary key rotate GUN root cannot use a Yubikey)"
		} else if !tk.Proven {
			f.Severity = SeverityWarning
			f.Message = fmt.Sprintf("root key %s: a certificate on %s names it, but %s; no file of it is here", vault.ShortID(id), tk.Token, vault.UnprovenTokenKey)
			f.Fix = "find the backup the key was moved from and check it (" + d.tv("verify ARCHIVE") + "); do not rely on the token alone until it has signed with this key"
		} else {
			f.Severity = SeverityInfo
			f.Message = fmt.Sprintf("root key %s is on %s, and its file is not in this trust directory", vault.ShortID(id), tk.Token)
			f.Fix = "make sure the backup it was moved from still exists and can be read (" + d.tv("verify") + ")"
		}
		d.add(f)
	}
}

// orphans: readable key files that no metadata here names.
func (d *diagnosis) orphans() {
	for _, id := range sortedIDs(d.files) {
		if len(d.uses[id]) == 0 {
			d.addKey(CheckOrphanKey, d.files[id])
		}
	}
}

func orphanMessage(role, id, gun string) string {
	msg := fmt.Sprintf("%s key %s is named by no metadata here", roleLabel(role), vault.ShortID(id))
	if gun != "" {
		msg += " (its gun header says " + gun + ")"
	}
	return msg + ": rotated out, not yet used, or its repository's metadata is not cached"
}

func noBackupMessage(role, id string) string {
	return fmt.Sprintf("%s key %s has no verified backup", roleLabel(role), vault.ShortID(id))
}

func sortedIDs(m map[string]*vault.Key) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// FindingsFor returns the findings about one key, in the order given.
func FindingsFor(fs []Finding, keyID string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.KeyID == keyID && keyID != "" {
			out = append(out, f)
		}
	}
	return out
}

// roleLabel names a key's role for a message; a key file without a role
// header is "unlabelled".
func roleLabel(r string) string {
	if r == "" {
		return "unlabelled"
	}
	return r
}

// isHex reports whether s is lowercase hexadecimal, as key IDs are.
func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
