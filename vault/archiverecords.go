package vault

// Archive records are trustvault's account of the trust archives it has
// written (trustvault archive, delete --remote, the interactive view):
// which repositories each holds, as of which timestamp version, where the
// file was put and its digest. They live in <trust dir>/trustvault/
// archives.json beside the backup records. A record says an archive was
// written and read back then; whether the file is still there is a
// question for the file, which ArchiveRecord.Check answers.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// archiveRecordsFile is the records' file name in the state directory.
const archiveRecordsFile = "archives.json"

// maxArchiveRecords is how many archives the records keep (the newest).
const maxArchiveRecords = 200

// MaxArchiveRecordsSize bounds archives.json.
const MaxArchiveRecordsSize = 4 << 20

// ArchiveRecord is one trust archive trustvault wrote.
type ArchiveRecord struct {
	// Path is the archive's absolute path when it was written.
	Path    string    `json:"path"`
	SHA256  string    `json:"sha256"`
	Size    int64     `json:"size"`
	Created time.Time `json:"created"`
	// Repositories are what it holds, as they verified when archived.
	Repositories []ArchivedRepository `json:"repositories"`
}

// ArchivedRepository is one repository in an archive record.
type ArchivedRepository struct {
	GUN              string    `json:"gun"`
	Server           string    `json:"server,omitempty"`
	TimestampVersion int       `json:"timestamp_version"`
	TimestampExpires time.Time `json:"timestamp_expires"`
}

// Check's outcomes a caller branches on: the archive is not where it was
// written, or its bytes differ from what was recorded.
var (
	ErrArchiveGone    = errors.New("is no longer there")
	ErrArchiveChanged = errors.New("has changed since it was written")
)

type archiveRecords struct {
	Version  int             `json:"version"`
	Archives []ArchiveRecord `json:"archives"`
}

// Holds reports whether the record's archive holds gun.
func (r ArchiveRecord) Holds(gun string) bool {
	for _, ar := range r.Repositories {
		if ar.GUN == gun {
			return true
		}
	}
	return false
}

// Check reports whether the archive is still where it was written with
// the digest it had: nil when it is, else an error that says what
// changed (ErrArchiveGone, ErrArchiveChanged, or why it cannot be
// read). It reads the whole file (bounded as archives are).
func (r ArchiveRecord) Check() error {
	data, err := archive.ReadFile(r.Path, archive.MaxArchiveSize)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s %w", r.Path, ErrArchiveGone)
	}
	if err != nil {
		return err
	}
	if sum := archive.SHA256(data); sum != r.SHA256 {
		return fmt.Errorf("%s %w (sha256 %s, was %s)", r.Path, ErrArchiveChanged, ShortID(sum), ShortID(r.SHA256))
	}
	return nil
}

// RecordArchive adds a trust archive just written and read back (as
// WriteTrustArchive returns it) to the store's archive records.
func (s *Store) RecordArchive(ta *TrustArchive, now time.Time) error {
	if ta == nil {
		return errors.New("record archive: no archive")
	}
	p, err := filepath.Abs(ta.Path)
	if err != nil {
		return fmt.Errorf("record archive %s: %w", ta.Path, err)
	}
	rec := ArchiveRecord{Path: p, SHA256: ta.SHA256, Size: ta.Size, Created: now.UTC().Truncate(time.Second)}
	for _, b := range ta.Bundles {
		rec.Repositories = append(rec.Repositories, ArchivedRepository{GUN: b.GUN, Server: b.Server,
			TimestampVersion: b.TimestampVersion, TimestampExpires: b.TimestampExpires})
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	r, err := s.readArchiveRecords()
	if err != nil {
		return err
	}
	r.Archives = append(r.Archives, rec)
	if len(r.Archives) > maxArchiveRecords {
		r.Archives = r.Archives[len(r.Archives)-maxArchiveRecords:]
	}
	data, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	root, err := s.stateRoot(true)
	if err != nil {
		return fmt.Errorf("write archive records: %w", err)
	}
	defer root.Close()
	if err := atomicfile.WriteIn(root, archiveRecordsFile, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write archive records: %w", err)
	}
	return nil
}

// ArchiveRecords are the trust archives trustvault wrote, oldest first;
// none is (nil, nil).
func (s *Store) ArchiveRecords() ([]ArchiveRecord, error) {
	r, err := s.readArchiveRecords()
	if err != nil {
		return nil, err
	}
	return r.Archives, nil
}

// LastArchiveOf is the newest archive record that holds gun (false when
// none does).
func (s *Store) LastArchiveOf(gun string) (ArchiveRecord, bool, error) {
	recs, err := s.ArchiveRecords()
	if err != nil {
		return ArchiveRecord{}, false, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Holds(gun) {
			return recs[i], true, nil
		}
	}
	return ArchiveRecord{}, false, nil
}

func (s *Store) archiveRecordsPath() string {
	return filepath.Join(s.dir, recordsDir, archiveRecordsFile)
}

func (s *Store) readArchiveRecords() (*archiveRecords, error) {
	root, err := s.stateRoot(false)
	if errors.Is(err, errNoState) {
		return &archiveRecords{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive records: %w", err)
	}
	defer root.Close()
	data, err := fsread.InRoot(root, archiveRecordsFile, s.archiveRecordsPath(), MaxArchiveRecordsSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &archiveRecords{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive records: %w", err)
	}
	var r archiveRecords
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("archive records %s: %w: move it aside and archive again (trustvault archive GUN -o FILE)", s.archiveRecordsPath(), err)
	}
	return &r, nil
}
