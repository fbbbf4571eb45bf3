package ui

import (
	"os"
	"testing"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestMain runs the tests with the PIV test rig's private pcscd when it can
// run here (pivtest.M), and removes the binary the terminal tests build
// (tools.M).
func TestMain(m *testing.M) { os.Exit(tools.M(pivtest.M(m)).Run()) }
