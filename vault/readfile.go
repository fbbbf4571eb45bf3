package vault

import (
	"errors"
	"io/fs"
	"time"
)

// fileStat is what listing needs of a file's metadata.
type fileStat struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
}

var errNotRegular = errors.New("not a regular file")
