//go:build !linux && !darwin

package archive

import (
	"errors"
	"os"
)

func statfs(string) (uint64, bool, error) { return 0, false, errors.ErrUnsupported }
func devOf(string) (uint64, error)        { return 0, errors.ErrUnsupported }
func dropCache(*os.File) error            { return nil }
