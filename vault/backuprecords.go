package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// Backup records are trustvault's own account of the verified copies of
// each key: which keys a backup holds, on which drive (its physical
// identity and label), the archive's digest, and when each copy was last
// read back and checked. They live in <trust dir>/trustvault/backups.json,
// beside the keys and never inside private/.

// recordsFile is the records' file name in recordsDir.
const recordsFile = "backups.json"

// maxRecords is how many backups the records keep (the newest).
const maxRecords = 20

// BackupRecord is one verified copy of one key outside the trust
// directory, as health counts them.
type BackupRecord struct {
	// KeyID is the canonical ID of the key the copy holds.
	KeyID string
	// Where names the copy for a person: a drive's label and device.
	Where string
	// VerifiedAt is when the copy was last read back and checked; zero
	// means never, and such a copy does not count.
	VerifiedAt time.Time
	// Drive is the physical identity of the drive: copies on one drive
	// count once.
	Drive string
	// KeyModTime is the key file's modification time when it was backed
	// up; a key changed after it (a new passphrase) makes the copy older
	// than the key. Zero when not known.
	KeyModTime time.Time
	// Archive is the archive's file name.
	Archive string
}

// BackupLedger reads backup records.
type BackupLedger interface {
	// BackupRecords returns every record. No records is (nil, nil).
	BackupRecords() ([]BackupRecord, error)
}

// Records is the file's content.
type Records struct {
	Version int         `json:"version"`
	Backups []BackupRun `json:"backups"`
}

// BackupRun is one backup run: one archive, its keys, its copies.
type BackupRun struct {
	Archive   string       `json:"archive"`
	SHA256    string       `json:"sha256"`
	Size      int64        `json:"size"`
	Encrypted bool         `json:"encrypted"`
	Created   time.Time    `json:"created"`
	Keys      []RecordKey  `json:"keys"`
	Copies    []RecordCopy `json:"copies"`
}

// RecordKey is a key in a backup.
type RecordKey struct {
	ID       string    `json:"id"`
	Role     string    `json:"role,omitempty"`
	GUN      string    `json:"gun,omitempty"`
	Modified time.Time `json:"modified"`
}

// RecordCopy is one copy of a backup on a drive.
type RecordCopy struct {
	Identity     string    `json:"identity"`
	Device       string    `json:"device"` // for people: vendor, product, serial, bus
	Label        string    `json:"label"`
	Mount        string    `json:"mount"`
	Path         string    `json:"path"`
	VerifiedAt   time.Time `json:"verified_at"`
	ReverifiedAt time.Time `json:"reverified_at,omitzero"`
}

// Where names the copy for a person.
func (c RecordCopy) Where() string {
	if c.Device != "" {
		return c.Label + " (" + c.Device + ")"
	}
	return c.Label
}

// recordLedger reads the store's records file.
type recordLedger struct{ s *Store }

var _ BackupLedger = recordLedger{}

// BackupLedger returns the store's backup records.
func (s *Store) BackupLedger() BackupLedger { return recordLedger{s} }

func (s *Store) recordsPath() string { return filepath.Join(s.dir, recordsDir, recordsFile) }

// ReadRecords reads the backup records; none is an empty Records.
func (s *Store) ReadRecords() (*Records, error) {
	root, err := s.stateRoot(false)
	if errors.Is(err, errNoState) {
		return &Records{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup records: %w", err)
	}
	defer root.Close()
	data, err := fsread.InRoot(root, recordsFile, s.recordsPath(), MaxRecordsSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &Records{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup records: %w", err)
	}
	var r Records
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("backup records %s: %w", s.recordsPath(), err)
	}
	return &r, nil
}

// updateRecords changes the records under the store's lock.
func (s *Store) updateRecords(change func(*Records)) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	r, err := s.ReadRecords()
	if err != nil {
		return err
	}
	change(r)
	if len(r.Backups) > maxRecords {
		r.Backups = r.Backups[len(r.Backups)-maxRecords:]
	}
	data, err := encodeRecords(r, MaxRecordsSize)
	if err != nil {
		return err
	}
	root, err := s.stateRoot(true)
	if err != nil {
		return fmt.Errorf("write backup records: %w", err)
	}
	defer root.Close()
	if err := atomicfile.WriteIn(root, recordsFile, data, 0o600); err != nil {
		return fmt.Errorf("write backup records: %w", err)
	}
	return nil
}

// ErrRecordsFull: one backup's record is larger than the records file
// may be (MaxRecordsSize), so it cannot be kept.
var ErrRecordsFull = errors.New("too many keys for the backup records")

// encodeRecords is r as compact JSON, at most limit bytes with its final
// newline: the oldest runs are left out until the rest fits (the newest
// must). The file was indented, at about 220 bytes a key for every run
// kept: eight backups of 10,000 keys made it larger than trustvault reads
// back, and every later backup then failed to be recorded. Compact, it is
// about 190 bytes a key, and the runs kept are as many as fit.
func encodeRecords(r *Records, limit int) ([]byte, error) {
	runs := make([][]byte, len(r.Backups))
	for i := range r.Backups {
		b, err := json.Marshal(&r.Backups[i])
		if err != nil {
			return nil, err
		}
		runs[i] = b
	}
	head, err := json.Marshal(&Records{Version: r.Version, Backups: []BackupRun{}})
	if err != nil {
		return nil, err
	}
	head = head[:len(head)-2] // {"version":1,"backups":[
	size, first := len(head)+len("]}\n"), len(runs)
	for first > 0 && size+len(runs[first-1])+1 <= limit {
		first--
		size += len(runs[first]) + 1
	}
	if first == len(runs) && len(runs) > 0 {
		return nil, fmt.Errorf("%w: the record of this backup (%d keys) would be %s, more than the %s %s may hold",
			ErrRecordsFull, len(r.Backups[len(runs)-1].Keys), SizeString(uint64(len(runs[len(runs)-1]))), SizeString(uint64(limit)), recordsFile)
	}
	r.Backups = r.Backups[first:]
	out := append(make([]byte, 0, size), head...)
	for i, b := range runs[first:] {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	return append(out, "]}\n"...), nil
}

// BackupRecords flattens the records to one record per key and drive:
// the newest verified copy of that key on that drive.
func (l recordLedger) BackupRecords() ([]BackupRecord, error) {
	r, err := l.s.ReadRecords()
	if err != nil {
		return nil, err
	}
	return flatten(r), nil
}

func flatten(r *Records) []BackupRecord {
	type slot struct{ key, drive string }
	best := map[slot]BackupRecord{}
	created := map[slot]time.Time{}
	var order []slot
	for _, b := range r.Backups {
		for _, c := range b.Copies {
			at := c.VerifiedAt
			if c.ReverifiedAt.After(at) {
				at = c.ReverifiedAt
			}
			for _, k := range b.Keys {
				rec := BackupRecord{KeyID: k.ID, Where: c.Where(), VerifiedAt: at, Drive: c.Identity, KeyModTime: k.Modified, Archive: b.Archive}
				sl := slot{k.ID, c.Identity}
				_, ok := best[sl]
				if !ok {
					order = append(order, sl)
				}
				// The newest backup on the drive is what it holds now.
				if !ok || !b.Created.Before(created[sl]) {
					best[sl], created[sl] = rec, b.Created
				}
			}
		}
	}
	out := make([]BackupRecord, 0, len(order))
	for _, sl := range order {
		out = append(out, best[sl])
	}
	slices.SortStableFunc(out, func(a, b BackupRecord) int { return a.VerifiedAt.Compare(b.VerifiedAt) })
	return out
}

// OlderThan reports whether the record holds an older version of the key
// than k's file (the file changed after it was backed up). Times are
// compared to the second, as archives keep them; an unknown time is
// never older.
func (r BackupRecord) OlderThan(k Key) bool {
	return !r.KeyModTime.IsZero() && k.ModTime.Truncate(time.Second).After(r.KeyModTime.Truncate(time.Second))
}
