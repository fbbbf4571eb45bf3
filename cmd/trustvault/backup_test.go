package main

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/trustvault/trustvault/hardware/drivetest"
)

// TestBackupScripts runs testdata/backup/*.txtar: backup, verify, restore,
// drill and devices on plain directories that a fake sysfs
// (TRUSTVAULT_SYSROOT) presents as USB sticks.
func TestBackupScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/backup",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, ".docker"))
			setPCSCSocket(env)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"filemode":   cmdFileMode,
			"jsonget":    cmdJSONGet,
			"jsonlen":    cmdJSONLen,
			"fakedrives": cmdFakeDrives,
			"exitcode":   cmdExitCode,
		},
	})
}

// cmdFakeDrives builds a fake machine: fakedrives SYSROOT MOUNT... makes
// an internal disk at / and one USB stick per mount point (directories
// that must exist), and sets TRUSTVAULT_SYSROOT.
func cmdFakeDrives(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: fakedrives SYSROOT MOUNT...")
	}
	var mounts []string
	for _, m := range args[1:] {
		mounts = append(mounts, ts.MkAbs(m))
	}
	root := ts.MkAbs(args[0])
	if _, err := drivetest.FakeMachine(root, mounts...); err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv(envSysroot, root)
}
