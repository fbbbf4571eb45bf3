//go:build !cgo

package pivtest

import (
	"errors"
	"os"
	"testing"
)

// Without cgo there is no PC/SC and no rig; Main and M only run the tests.

// Main runs the tests.
func Main(m *testing.M) { os.Exit(m.Run()) }

// M returns m.
func M(m *testing.M) interface{ Run() int } { return m }

// Available says the rig needs cgo.
func Available() error { return errors.New("the PIV test rig needs cgo") }
