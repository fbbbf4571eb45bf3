//go:build !linux && !darwin

package hardware

import (
	"errors"
	"fmt"
	"runtime"
)

// NewDetector is the detector for this system: none outside Linux and macOS.
func NewDetector() Detector { return unsupported{} }

type unsupported struct{}

func (unsupported) Drives() ([]Drive, error) {
	return nil, fmt.Errorf("drive detection on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func (unsupported) Locate(string) (Drive, error) {
	return Drive{}, fmt.Errorf("drive detection on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
