package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// snapshot is one reading of the trust directory: the key files, the
// repositories, and the indexes the pages need. loadVaultCmd builds it off
// the event loop; after that nothing changes it, so pages share it freely.
type snapshot struct {
	dir string
	now time.Time
	// absent is true when the trust directory does not exist yet.
	absent bool
	keys   []vault.Key
	repos  []vault.Repository
	// keysErr is set when private/ could not be listed at all; reposErr
	// when part of tuf/ could not be.
	keysErr, reposErr error

	// rows are the repositories page: one per GUN, sorted, and the row of
	// keys without a repository last (only when there are such keys).
	rows []*repoRow
	// files maps a canonical key ID to its file, preferring a readable file
	// and then the flat layout, as the engine does.
	files map[string]*vault.Key
	// copies lists every file of a key ID that is in more than one file.
	copies map[string][]*vault.Key
	// uses maps a canonical key ID to the roles that name it; keyTypes
	// to the key type metadata gives it.
	uses     map[string][]keyUse
	keyTypes map[string]string

	counts counts
	// health is the health findings (health.go), set by readSnapshot.
	health healthIndex
	// tokens is what the hardware tokens said (hardware.go).
	tokens tokenReading
	// backups is the backup state, by key ID, of each readable key file
	// that has backup records (setBackups); keyBackup gives every readable
	// key's. backupsErr is set, and backups empty, when the records could
	// not be read.
	backups    map[string]health.KeyBackup
	records    []vault.BackupRecord
	backupsErr error
	// first is the same reading before its health findings came
	// (withHealth); nil in that one.
	first *snapshot
}

// keyUse is one role that names a key.
type keyUse struct {
	gun  string
	role string
}

// counts are the header's figures.
type counts struct {
	repos, keys int
	// problems are things to fix: unreadable files, unreadable metadata,
	// keys metadata names that are nowhere, expired roles.
	problems int
	// warnings are health warnings; once the health checks have run,
	// problems counts their problems instead.
	warnings int
	// weak counts key files protected below what trustvault writes.
	weak int
	// checked is set once the health checks have run (setHealth): until
	// then problems and warnings say nothing about health, and the header
	// says that it is being checked.
	checked bool
}

// repoRow is one line of the repositories page.
type repoRow struct {
	gun string
	// orphan marks the row of keys that belong to no repository.
	orphan bool
	// repo is the cached metadata; nil for the orphan row.
	repo *vault.Repository
	// extra are key files that belong here but that no metadata names:
	// for a repository, files whose gun header names it; for the orphan
	// row, files that no metadata names and whose gun header names no
	// repository here, and unreadable files.
	extra []*vault.Key

	kinds       [5]bool // which key types are present, by vault.RoleKind
	delegations int
	here        int // keys with a file in this trust directory or a token
	missing     int // keys metadata names that are nowhere
	damaged     int // keys metadata names whose file here is unreadable
	server      int // keys the signing server holds
	weak        int // of those here, how many are weakly protected
	problems    int
	// expires is the nearest expiry of a role, and expiresRole its name.
	expires     time.Time
	expiresRole string
	// Texts computed once per load, for the table: the expiry short
	// ("in 12d") and long ("2026-12-03, in 12d · targets"), and notes.
	expShort, expLong string
	expUrgency        urgency
	notes             string
	// Widths of the title and of expLong, measured once.
	titleWidth, expLongWidth int

	// backup sums up the backup state of the row's keys with a readable
	// file here (setBackups), for the BACKUP column, and backupUrgency
	// colours it.
	backup        string
	backupUrgency urgency

	// search is the lower-case text the filter matches against; ids are
	// the key IDs the row shows, matched by prefix.
	search string
	ids    []string
}

// orphanTitle names the row of keys without a repository.
const orphanTitle = "keys without a repository"

// newSnapshot indexes what loadVaultCmd read. It does no I/O.
func newSnapshot(dir string, now time.Time, absent bool, keys []vault.Key, repos []vault.Repository, keysErr, reposErr error) *snapshot {
	s := &snapshot{
		dir: dir, now: now, absent: absent,
		keys: keys, repos: repos, keysErr: keysErr, reposErr: reposErr,
		files:    make(map[string]*vault.Key, len(keys)),
		copies:   map[string][]*vault.Key{},
		uses:     map[string][]keyUse{},
		keyTypes: map[string]string{},
	}
	s.indexFiles()
	for i := range s.repos {
		r := &s.repos[i]
		for _, ri := range r.Roles {
			for _, rk := range ri.Keys {
				s.uses[rk.ID] = append(s.uses[rk.ID], keyUse{gun: r.GUN, role: ri.Name})
				if rk.KeyType != "" {
					s.keyTypes[rk.ID] = rk.KeyType
				}
			}
		}
	}
	s.buildRows()
	s.count()
	return s
}

// preferred reports whether file a should stand for its key ID rather
// than b: readable before unreadable, then the flat layout.
func preferred(a, b *vault.Key) bool {
	if (a.Err == nil) != (b.Err == nil) {
		return a.Err == nil
	}
	return a.Layout == vault.LayoutFlat && b.Layout != vault.LayoutFlat
}

func (s *snapshot) indexFiles() {
	for i := range s.keys {
		k := &s.keys[i]
		have, ok := s.files[k.ID]
		if !ok {
			s.files[k.ID] = k
			continue
		}
		if len(s.copies[k.ID]) == 0 {
			s.copies[k.ID] = []*vault.Key{have}
		}
		s.copies[k.ID] = append(s.copies[k.ID], k)
		if preferred(k, have) {
			s.files[k.ID] = k
		}
	}
}

// named reports whether metadata of gun names key id.
func (s *snapshot) named(id, gun string) bool {
	for _, u := range s.uses[id] {
		if u.gun == gun {
			return true
		}
	}
	return false
}

func (s *snapshot) buildRows() {
	byGUN := make(map[string]*repoRow, len(s.repos))
	for i := range s.repos {
		r := &s.repos[i]
		row := &repoRow{gun: r.GUN, repo: r}
		byGUN[r.GUN] = row
		s.rows = append(s.rows, row)
	}
	orphan := &repoRow{orphan: true}
	for i := range s.keys {
		k := &s.keys[i]
		if s.files[k.ID] != k && k.Err == nil {
			continue // another file of the same key stands for it
		}
		switch {
		case k.Err != nil:
			orphan.extra = append(orphan.extra, k)
		case k.GUN != "" && byGUN[k.GUN] != nil:
			// A key of a repository whose metadata does not name it
			// (rotated out, or not published yet).
			if !s.named(k.ID, k.GUN) {
				byGUN[k.GUN].extra = append(byGUN[k.GUN].extra, k)
			}
		case len(s.uses[k.ID]) == 0:
			// No metadata names it: a root or signer key not in use, or
			// a key of a repository whose metadata is not here.
			orphan.extra = append(orphan.extra, k)
		}
	}
	slices.SortFunc(s.rows, func(a, b *repoRow) int { return strings.Compare(a.gun, b.gun) })
	if len(orphan.extra) > 0 {
		s.rows = append(s.rows, orphan)
	}
	for _, row := range s.rows {
		s.summarise(row)
	}
}

// summarise fills a row's figures.
func (s *snapshot) summarise(row *repoRow) {
	if row.orphan {
		row.search = orphanTitle
	} else {
		row.search = strings.ToLower(row.gun)
	}
	if r := row.repo; r != nil {
		row.problems += len(r.Problems)
		seen := map[string]bool{}
		for _, ri := range r.Roles {
			row.kinds[ri.Kind] = true
			if ri.Kind == keyrole.Delegation {
				row.delegations++
			}
			if !ri.Expires.IsZero() && !serverRenewed(ri) {
				if !ri.Expires.After(s.now) {
					row.problems++
				}
				if row.expires.IsZero() || ri.Expires.Before(row.expires) {
					row.expires, row.expiresRole = ri.Expires, ri.Name
				}
			}
			for _, rk := range ri.Keys {
				// A key in several roles (a docker signer in
				// targets/<name> and targets/releases) counts once.
				if seen[rk.ID] {
					continue
				}
				seen[rk.ID] = true
				row.ids = append(row.ids, rk.ID)
				switch rk.Location {
				case vault.LocationFile, vault.LocationToken:
					row.here++
					if f := s.files[rk.ID]; f != nil && f.Encryption.Weak() {
						row.weak++
					}
				case vault.LocationServer:
					row.server++
				case vault.LocationDamaged:
					row.damaged++
					row.problems++
				default:
					row.missing++
					row.problems++
				}
			}
		}
	}
	defer func() {
		row.expShort, row.expUrgency = expiryIn(row.expires, s.now)
		if long, _ := expiryLong(row.expires, s.now); long != "" {
			row.expLong = long + " · " + row.expiresRole
		}
		row.notes = rowNotes(row)
		row.titleWidth, row.expLongWidth = textWidth(rowTitle(row)), textWidth(row.expLong)
	}()
	for _, k := range row.extra {
		row.ids = append(row.ids, k.ID)
		if k.Err != nil {
			row.problems++
			continue
		}
		row.here++
		row.kinds[k.Kind()] = true
		if k.Encryption.Weak() {
			row.weak++
		}
	}
}

func (s *snapshot) count() {
	c := &s.counts
	for _, row := range s.rows {
		if !row.orphan {
			c.repos++
		}
		c.problems += row.problems
	}
	for _, k := range s.files {
		if k.Err == nil && k.Encryption.Weak() {
			c.weak++
		}
	}
	c.keys = len(s.keys)
	if s.keysErr != nil {
		c.problems++
	}
	if s.reposErr != nil {
		c.problems++
	}
}

// setBackups works out each key file's backup state from the backup
// records and sums it up per row. It does no I/O.
func (s *snapshot) setBackups(records []vault.BackupRecord, err error) {
	s.records, s.backupsErr = records, err
	// Each key's own records: all of them for every key took minutes at
	// 100,000 keys each backed up to two drives. Only keys with records
	// are kept; a key without any has no copy (keyBackup): a state for
	// each of 100,000 keys was a twelfth of the view's time to its first
	// data.
	byKey := make(map[string][]vault.BackupRecord, len(records)/2)
	if err == nil {
		for _, r := range records {
			byKey[r.KeyID] = append(byKey[r.KeyID], r)
		}
	}
	s.backups = make(map[string]health.KeyBackup, len(byKey))
	for id, recs := range byKey {
		if f := s.files[id]; f != nil && f.Err == nil {
			s.backups[id] = health.KeyBackupState(*f, recs)
		}
	}
	for _, row := range s.rows {
		row.backup, row.backupUrgency = "", urgencyNone
		var states []health.BackupState
		local := 0
		for _, id := range row.ids {
			if f := s.files[id]; f == nil || f.Err != nil {
				continue
			}
			local++
			if b, ok := s.keyBackup(id); ok {
				states = append(states, b.State)
			}
		}
		switch {
		case local == 0:
		case err != nil:
			row.backup, row.backupUrgency = "unknown", urgencyWarn
		default:
			row.backup, row.backupUrgency = backupSummary(states)
		}
	}
}

// keyBackup is the backup state of the key file with this ID: false when
// there is no readable file, or the backup records could not be read.
func (s *snapshot) keyBackup(id string) (health.KeyBackup, bool) {
	if s.backupsErr != nil {
		return health.KeyBackup{}, false
	}
	if b, ok := s.backups[id]; ok {
		return b, true
	}
	f := s.files[id]
	if f == nil || f.Err != nil {
		return health.KeyBackup{}, false
	}
	return health.KeyBackupState(*f, nil), true
}

// backupSummary sums up the backup states of a row's keys; the weakest
// state colours it: "3/3 ✓" (each on two drives), "1 of 3 keys" (how many
// are on two drives), "1 of 3, older" (some key changed since its
// backups), "none" (no key has a verified copy).
func backupSummary(states []health.BackupState) (string, urgency) {
	if len(states) == 0 {
		return "", urgencyNone
	}
	two, weakest, some := 0, health.BackupTwo, false
	for _, st := range states {
		weakest = min(weakest, st)
		if st == health.BackupTwo {
			two++
		}
		if st != health.BackupNone {
			some = true
		}
	}
	n := len(states)
	switch {
	case weakest == health.BackupTwo:
		return fmt.Sprintf("%d/%d ✓", n, n), urgencyOK
	case !some:
		return "none", urgencyWarn
	case weakest == health.BackupOlder:
		return fmt.Sprintf("%d of %d, older", two, n), urgencyWarn
	default:
		return fmt.Sprintf("%d of %d keys", two, n), urgencyWarn
	}
}

// backupBrief is a key's backup state in a few words, for a key line.
func backupBrief(b health.KeyBackup) (string, urgency) {
	switch b.State {
	case health.BackupTwo:
		return fmt.Sprintf("%d backups ✓", b.Drives()), urgencyOK
	case health.BackupOne:
		return "1 backup", urgencyWarn
	case health.BackupOlder:
		return "backup older", urgencyWarn
	default:
		return "no backup", urgencyWarn
	}
}

// row finds a repository row by GUN, or the orphan row.
func (s *snapshot) row(gun string, orphan bool) *repoRow {
	for _, r := range s.rows {
		if r.orphan == orphan && r.gun == gun {
			return r
		}
	}
	return nil
}

// keyByPath finds a key file by path.
func (s *snapshot) keyByPath(path string) *vault.Key {
	for i := range s.keys {
		if s.keys[i].Path == path {
			return &s.keys[i]
		}
	}
	return nil
}

// empty reports whether there is nothing at all to show.
func (s *snapshot) empty() bool {
	return len(s.keys) == 0 && len(s.repos) == 0 && s.keysErr == nil && s.reposErr == nil
}

// serverRenewed reports whether only the notary server signs a role (the
// timestamp, and the snapshot when the server holds its key). The server
// renews that metadata itself, so its cached expiry asks nothing of the
// person and does not count as the repository's nearest expiry.
func serverRenewed(ri vault.RoleInfo) bool {
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

// algorithm names a key's algorithm: from its file when the file shows it,
// else from the key type metadata gives ("ecdsa-x509" is "ecdsa").
func algorithm(file *vault.Key, keyType string) string {
	if file != nil && file.Algorithm != "" {
		return file.Algorithm
	}
	return strings.TrimSuffix(keyType, "-x509")
}

// locationText says where a key's private part is, in the words a person
// uses.
func locationText(l vault.Location) string {
	switch l {
	case vault.LocationFile:
		return "this disk"
	case vault.LocationToken:
		return "token"
	case vault.LocationServer:
		return "signing server"
	case vault.LocationDamaged:
		return "damaged"
	default:
		return "missing"
	}
}
