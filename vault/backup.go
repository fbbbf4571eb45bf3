package vault

// The backup flow: one archive of private/ and the metadata cache, built
// once (and encrypted once), written durably to two drives on two
// physical devices, each read back from the device and checked, each
// verified copy recorded.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/tuf"
)

// BackupTarget is one directory a backup goes to and the drive under it.
type BackupTarget struct {
	Dir   string
	Drive Drive
}

// Name names the target for a person: "KEYS-A (/media/alice/KEYS-A)".
func (t BackupTarget) Name() string {
	if t.Drive.Label != "" && t.Drive.Label != filepath.Base(t.Dir) {
		return t.Drive.Label + " (" + t.Dir + ")"
	}
	return t.Dir
}

// BackupPlan is a checked choice of targets.
type BackupPlan struct {
	Targets []BackupTarget
	// Warnings are worth saying but allowed: two devices with one serial,
	// a target that is not a removable drive.
	Warnings []string
	drives   *Drives
}

// PlanBackup checks the targets: at least two, each a writable directory
// on an identified device, no two on one physical device, none on the
// device of the trust directory.
func (s *Store) PlanBackup(d *Drives, dirs []string) (*BackupPlan, error) {
	if len(dirs) < 2 {
		return nil, errors.New("backup: give two drives (--to DIR --to DIR): one copy is lost with its drive")
	}
	plan := &BackupPlan{drives: d}
	home, homeErr := d.Locate(s.dir)
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("backup to %s: %w", dir, err)
		}
		if fi, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("backup to %s: %w", dir, err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("backup to %s: not a directory", dir)
		}
		dr, err := d.Locate(abs)
		if err != nil {
			return nil, fmt.Errorf("backup to %s: %w", dir, err)
		}
		t := BackupTarget{Dir: abs, Drive: dr}
		switch {
		case dr.Stale:
			return nil, fmt.Errorf("backup to %s: %s", t.Name(), hardwareReason(dr))
		case !dr.Identity.Known:
			return nil, fmt.Errorf("backup to %s: %s, so trustvault cannot check that the two copies are on two devices", t.Name(), hardwareReason(dr))
		case dr.ReadOnly:
			return nil, fmt.Errorf("backup to %s: %s", t.Name(), hardwareReason(dr))
		case homeErr == nil && sameDevice(dr, home):
			return nil, fmt.Errorf("backup to %s: it is %w (%s): a copy there is lost with the keys", t.Name(), ErrTrustDevice, dr.Identity)
		}
		for _, o := range plan.Targets {
			if sameDevice(o.Drive, dr) {
				return nil, fmt.Errorf("backup to %s and %s: both are on one device (%s): %w; use two drives", o.Name(), t.Name(), dr.Identity, ErrSameDevice)
			}
		}
		if !dr.Eligible && dr.Reason != "" {
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s is not a removable drive (%s); it is used because it was named", t.Name(), dr.Reason))
		}
		plan.Warnings = append(plan.Warnings, dr.Warnings...)
		plan.Targets = append(plan.Targets, t)
	}
	return plan, nil
}

func hardwareReason(d Drive) string {
	if d.Reason != "" {
		return d.Reason
	}
	if d.ReadOnly {
		return "mounted read-only"
	}
	return "not usable"
}

// BackupOptions shape Backup.
type BackupOptions struct {
	// Passphrase encrypts the archive with age; nil writes a plain
	// tar.gz (docker's own restore command reads it). The caller zeroes it.
	Passphrase []byte
	// WorkFactor is age's scrypt work factor (0: age's default).
	WorkFactor int
	// Progress, if set, is called as each copy is written and verified.
	Progress func(BackupProgress)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// BackupProgress is one step of one copy.
type BackupProgress struct {
	Target      int // index in the plan
	Stage       CopyStage
	Done, Total int64
}

// BackupCopy is the outcome on one target.
type BackupCopy struct {
	Target  BackupTarget
	Written CopyWritten
	// Err is set when this copy failed; the other copy is unaffected.
	Err error
}

// BackupResult is what Backup did.
type BackupResult struct {
	Archive   string // file name on each drive
	SHA256    string
	Size      int64
	Encrypted bool
	Keys      []RecordKey
	Files     int
	Copies    []BackupCopy
	// Skipped are files below private/ and tuf/ that are not backed up,
	// each with the reason: symbolic links, FIFOs and other non-regular
	// files, files larger than a key or metadata file may be, files in no
	// trust-directory layout (a restore would refuse them).
	Skipped []string
}

// Failed counts the failed copies.
func (r *BackupResult) Failed() int {
	n := 0
	for _, c := range r.Copies {
		if c.Err != nil {
			n++
		}
	}
	return n
}

// BackupError says that some copies failed; the result says which.
type BackupError struct{ Result *BackupResult }

func (e *BackupError) Error() string {
	var parts []string
	for _, c := range e.Result.Copies {
		if c.Err != nil {
			parts = append(parts, c.Err.Error())
		}
	}
	ok := len(e.Result.Copies) - e.Result.Failed()
	return fmt.Sprintf("%s; %d of %d copies verified", strings.Join(parts, "; "), ok, len(e.Result.Copies))
}

// Backup builds the archive once and writes it to every target of the
// plan, then reads each copy back and records the verified ones. A
// failure on one target leaves the others' verified copies in place.
func (s *Store) Backup(plan *BackupPlan, opts BackupOptions) (*BackupResult, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	created := now().UTC().Truncate(time.Second)
	files, keys, skipped, err := s.collect()
	if err != nil {
		return nil, err
	}
	akeys := make([]archive.Key, len(keys))
	rkeys := make([]RecordKey, len(keys))
	for i, k := range keys {
		rel, _ := filepath.Rel(s.PrivateDir(), k.Path)
		akeys[i] = archive.Key{ID: k.ID, Role: k.Role, GUN: k.GUN, Entry: keyEntry(rel)}
		rkeys[i] = RecordKey{ID: k.ID, Role: k.Role, GUN: k.GUN, Modified: k.ModTime.UTC()}
	}
	data, _, err := archive.Build(files, archive.BuildOptions{Version: Version(), Created: created, Keys: akeys, UID: os.Getuid(), GID: os.Getgid()})
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	ext := ".tar.gz"
	var pass archive.PassphraseFunc
	if opts.Passphrase != nil {
		if data, err = archive.Encrypt(data, opts.Passphrase, opts.WorkFactor); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		ext += ".age"
		p := opts.Passphrase
		pass = func() ([]byte, error) { return append([]byte(nil), p...), nil }
	}
	name := uniqueName(plan, "keys-backup-"+created.Format("20060102T150405Z"), ext)
	res := &BackupResult{Archive: name, SHA256: archive.SHA256(data), Size: int64(len(data)), Encrypted: opts.Passphrase != nil,
		Keys: rkeys, Files: len(files), Skipped: skipped}
	run := BackupRun{Archive: name, SHA256: res.SHA256, Size: res.Size, Encrypted: res.Encrypted, Created: created, Keys: rkeys}
	// The drives are written at once: two devices, two queues. Progress
	// may come from both goroutines; the caller's func is serialised.
	progress := opts.Progress
	if progress != nil {
		var mu sync.Mutex
		progress = func(p BackupProgress) {
			mu.Lock()
			defer mu.Unlock()
			opts.Progress(p)
		}
	}
	res.Copies = make([]BackupCopy, len(plan.Targets))
	check := archiveCheck(data, pass)
	var wg sync.WaitGroup
	for i, t := range plan.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := BackupCopy{Target: t}
			c.Written, c.Err = s.writeCopy(plan, i, name, data, check, progress)
			res.Copies[i] = c
		}()
	}
	wg.Wait()
	for _, c := range res.Copies {
		if c.Err == nil {
			t := c.Target
			run.Copies = append(run.Copies, RecordCopy{
				Identity: t.Drive.Identity.Key, Device: t.Drive.Identity.String(), Label: t.Drive.Label,
				Mount: t.Drive.Mount, Path: c.Written.Path, VerifiedAt: c.Written.VerifiedAt,
			})
		}
	}
	if len(run.Copies) > 0 {
		if err := s.updateRecords(func(r *Records) { r.Backups = append(r.Backups, run) }); err != nil {
			return res, fmt.Errorf("backup: the copies are verified but could not be recorded: %w", err)
		}
	}
	if res.Failed() > 0 {
		return res, &BackupError{Result: res}
	}
	return res, nil
}

// writeCopy checks that the target is still the drive chosen, then
// writes and verifies one copy.
func (s *Store) writeCopy(plan *BackupPlan, i int, name string, data []byte, check func([]byte) error, progress func(BackupProgress)) (CopyWritten, error) {
	t := plan.Targets[i]
	if plan.drives != nil {
		now, err := plan.drives.Locate(t.Dir)
		if err != nil || !now.Identity.Same(t.Drive.Identity) || now.Stale {
			return CopyWritten{}, fmt.Errorf("backup to %s: %w: it is not the drive chosen any more (unplugged or replaced?)", t.Name(), archive.ErrDisconnected)
		}
	}
	opts := archive.WriteOptions{Check: check}
	if progress != nil {
		opts.Progress = func(st archive.Stage, done, total int64) {
			progress(BackupProgress{Target: i, Stage: copyStage(st), Done: done, Total: total})
		}
	}
	w, err := archive.WriteVerified(t.Dir, name, data, opts)
	if err != nil {
		return CopyWritten(w), fmt.Errorf("backup to %s: %w", t.Name(), err)
	}
	return CopyWritten(w), nil
}

// archiveCheck is the check of each copy read back from its drive: the
// copy must be data byte for byte, and data must open as a restore opens
// it (decrypted, every entry and every key checked against the manifest).
// Copies equal to data open alike, so data is opened once, for all of
// them, and at once, while the drives are written.
func archiveCheck(data []byte, pass archive.PassphraseFunc) func(back []byte) error {
	opened := make(chan error, 1)
	go func() {
		_, err := archive.Open(data, pass, archive.DefaultLimits())
		opened <- err
	}()
	result := sync.OnceValue(func() error { return <-opened })
	return func(back []byte) error {
		if !bytes.Equal(back, data) {
			return errors.New("the copy read back is not the archive written")
		}
		return result()
	}
}

// collect reads the files a restore would accept (key files in the
// flat and legacy layouts below private/, each at most MaxKeyFileSize;
// metadata and changelists below tuf/, each at most tuf.MaxMetadataSize),
// and lists the keys. Everything else is skipped and reported with the
// reason: symbolic links, FIFOs and other non-regular files, files too
// large, and files in no trust-directory layout. Nothing is opened that
// could block, and nothing larger than its limit is read.
func (s *Store) collect() (files []archive.File, keys []Key, skipped []string, err error) {
	var stats []fileStat
	if files, stats, skipped, err = s.collectDir(s.PrivateDir(), privateDir, maxKeyFile); err != nil {
		return nil, nil, nil, fmt.Errorf("backup: read %s: %w", s.PrivateDir(), err)
	}
	keys = s.keysOf(files, stats)
	if len(files) == 0 {
		return nil, nil, skipped, fmt.Errorf("backup: nothing to back up: no key files in %s", s.PrivateDir())
	}
	meta, _, skippedMeta, err := s.collectDir(filepath.Join(s.dir, tufDir), tufDir, tuf.MaxMetadataSize)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("backup: read the metadata cache: %w", err)
	}
	return append(files, meta...), keys, append(skipped, skippedMeta...), nil
}

// keysOf lists the key files among the files collected below private/, as
// Keys lists them (sorted by ID, then path), from the bytes already read:
// the archive holds exactly the files the listing saw.
func (s *Store) keysOf(files []archive.File, stats []fileStat) []Key {
	keys := make([]Key, len(files))
	isKey := make([]bool, len(files))
	parallel(len(files), func(i int) {
		rel := keyEntryRel(files[i].Name)
		if !strings.HasSuffix(rel, keyExt) {
			return
		}
		keys[i] = readKeyWith(joinClean(s.PrivateDir(), rel), rel, func() (fileStat, []byte, error) {
			return stats[i], files[i].Data, nil
		})
		isKey[i] = true
	})
	out := keys[:0]
	for i := range keys {
		if isKey[i] {
			out = append(out, keys[i])
		}
	}
	slices.SortFunc(out, func(a, b Key) int {
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out
}

// collectDir reads the files below root that fit a trust directory's
// layout, naming them prefix/..., with what each file's stat said;
// skipped says what was left and why.
func (s *Store) collectDir(root, prefix string, limit int64) (files []archive.File, stats []fileStat, skipped []string, err error) {
	var rels, names []string
	walkRoot := root
	if r, err := filepath.EvalSymlinks(root); err == nil {
		walkRoot = r
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, nil
	}
	err = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(walkRoot, p)
		name := prefix + "/" + filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case atomicfile.IsTemp(d.Name()) || strings.HasPrefix(d.Name(), ".tmp-restore-"):
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			skipped = append(skipped, name+" (a symbolic link)")
			return nil
		case !d.Type().IsRegular():
			skipped = append(skipped, name+" ("+fsread.Describe(d.Type())+", not a regular file)")
			return nil
		}
		if err := checkLayout(name, false); err != nil {
			skipped = append(skipped, name+" (not a file a trust directory keeps there: a restore would refuse it)")
			return nil
		}
		rels, names = append(rels, filepath.ToSlash(rel)), append(names, name)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	read := make([]archive.File, len(rels))
	sts := make([]fileStat, len(rels))
	errs := make([]error, len(rels))
	// Each worker reads a run of files in walk order, opening each
	// relative to its directory (one name for the kernel to resolve, not
	// the whole path).
	parallelChunks(len(rels), func(lo, hi int) {
		files := newDirFiles(walkRoot)
		defer files.close()
		for i := lo; i < hi; i++ {
			st, data, err := files.read(rels[i], limit)
			read[i] = archive.File{Name: names[i], Data: data, ModTime: st.ModTime}
			sts[i], errs[i] = st, err
		}
	})
	for i, err := range errs {
		switch {
		case err == nil:
			files, stats = append(files, read[i]), append(stats, sts[i])
		case errors.Is(err, fsread.ErrTooLarge):
			var fe *fsread.Error
			errors.As(err, &fe)
			skipped = append(skipped, fmt.Sprintf("%s (%d bytes, more than the %d a file there may be)", names[i], fe.Size, limit))
		case errors.Is(err, fsread.ErrNotRegular):
			skipped = append(skipped, names[i]+" (not a regular file)")
		default:
			return nil, nil, nil, err
		}
	}
	return files, stats, skipped, nil
}

// buildVersion is the version a release build stamps in
// (-ldflags "-X github.com/trustvault/trustvault/vault.buildVersion=1.2.3",
// as make package does); empty otherwise.
var buildVersion string

// Version is trustvault's version: the one stamped in by a release build,
// else the module version the build records, else "devel".
func Version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// uniqueName is stem+ext, or stem-2+ext and so on when a target already
// holds that name (two backups in one second): a backup never replaces
// another.
func uniqueName(plan *BackupPlan, stem, ext string) string {
	for n := 1; ; n++ {
		name := stem + ext
		if n > 1 {
			name = fmt.Sprintf("%s-%d%s", stem, n, ext)
		}
		free := true
		for _, t := range plan.Targets {
			if _, err := os.Lstat(filepath.Join(t.Dir, name)); err == nil {
				free = false
			}
		}
		if free {
			return name
		}
	}
}
