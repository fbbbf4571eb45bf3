//go:build !unix

package fsread

import (
	"io"
	"io/fs"
	"os"
)

const atCWD = 0

func read(_ int, name, path string, limit int64, noFollow bool) (Info, []byte, error) {
	if noFollow {
		if fi, err := os.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return Info{Mode: fs.ModeSymlink}, nil, &Error{Path: path, Mode: fs.ModeSymlink, Err: ErrNotRegular}
		}
	}
	f, err := os.Open(name)
	if err != nil {
		return Info{}, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Info{}, nil, err
	}
	info := Info{Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
	if !fi.Mode().IsRegular() {
		return info, nil, &Error{Path: path, Mode: fi.Mode(), Err: ErrNotRegular}
	}
	if fi.Size() > limit {
		return info, nil, &Error{Path: path, Size: fi.Size(), Limit: limit, Err: ErrTooLarge}
	}
	data, err := io.ReadAll(io.LimitReader(f, fi.Size()+1))
	if err != nil {
		return info, nil, err
	}
	if int64(len(data)) > fi.Size() {
		return info, nil, &Error{Path: path, Size: int64(len(data)), Limit: fi.Size(), Err: errGrew}
	}
	return info, data, nil
}

const oNoFollow = 0
