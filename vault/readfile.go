package vault

import (
	"errors"
	"fmt"

	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// fileStat is what listing needs of a file's metadata.
type fileStat = fsread.Info

// Limits of what the engine reads from the trust directory. A real key
// file is under 4 KiB (RSA 4096 is about 3.3 KiB); metadata files have
// their own limit (tuf.MaxMetadataSize).
const (
	// MaxKeyFileSize is the most bytes of one file below private/. A
	// larger one is listed as unreadable, left out of a backup with a
	// finding, and refused in an archive.
	MaxKeyFileSize = 64 << 10
	// MaxRecordsSize bounds trustvault/backups.json, about 190 bytes a
	// key for every backup kept: the newest backups that fit are kept (17
	// of 20,000 keys, 3 of 100,000), and one backup of more than about
	// 350,000 keys cannot be recorded (ErrRecordsFull).
	MaxRecordsSize = 64 << 20
	// MaxImportSize bounds one import input (a notary export of ten
	// thousand keys fits).
	MaxImportSize = 16 << 20
)

// maxKeyFile is MaxKeyFileSize, by its older name.
const maxKeyFile = MaxKeyFileSize

// readSmall reads a small regular file without following a symbolic link
// and without blocking on a FIFO. Info is filled whenever fstat ran.
func readSmall(path string, limit int64) (fileStat, []byte, error) {
	return fsread.NoFollow(path, limit)
}

// readKeyBytes reads a listed key file for use (unlock, passwd, export).
func readKeyBytes(path string) ([]byte, error) {
	_, data, err := fsread.NoFollow(path, maxKeyFile)
	return data, err
}

// ReadInput reads an import input or other file a person names: a
// regular file (a FIFO or device is refused at once, never waited on) of
// at most MaxImportSize bytes. Symbolic links are followed: the person
// named the file.
func ReadInput(path string) ([]byte, error) {
	return fsread.File(path, MaxImportSize)
}

// unreadable says why a listed file could not be read, for Key.Err.
func unreadable(err error) error {
	var fe *fsread.Error
	if errors.As(err, &fe) {
		switch {
		case errors.Is(err, fsread.ErrNotRegular):
			return fmt.Errorf("%s, not a regular file: trustvault does not open it", fsread.Describe(fe.Mode))
		case errors.Is(err, fsread.ErrTooLarge):
			return fmt.Errorf("%s is %d bytes, more than the %d a key file may be (MaxKeyFileSize): not read; move it out of private/", fe.Path, fe.Size, fe.Limit)
		}
	}
	return err
}
