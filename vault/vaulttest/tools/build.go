package tools

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// trustvaultPkg is the command Trustvault builds.
const trustvaultPkg = "github.com/trustvault/trustvault/cmd/trustvault"

// Runner is what a TestMain runs: *testing.M, or a wrapper of it such as
// pivtest.M's.
type Runner interface{ Run() int }

// build is the state of one test binary's builds.
var build struct {
	mu      sync.Mutex
	wrapped bool   // M's Run is running the tests
	dir     string // where binaries are built; removed when Run ends
	once    sync.Once
	bin     string
	err     error
}

// M wraps a TestMain's runner so that the binaries the kit builds for the
// run are removed when the tests end. A package whose tests call
// Trustvault runs them through it:
//
//	func TestMain(m *testing.M) { os.Exit(tools.M(m).Run()) }
func M(r Runner) Runner { return runner{r} }

type runner struct{ r Runner }

func (w runner) Run() int {
	build.mu.Lock()
	build.wrapped = true
	build.mu.Unlock()
	defer func() {
		build.mu.Lock()
		defer build.mu.Unlock()
		if build.dir != "" {
			os.RemoveAll(build.dir)
		}
	}()
	return w.r.Run()
}

// Trustvault builds cmd/trustvault once per test binary and returns the
// binary's path. Tests that run it in a terminal, kill it, or hand its
// files to other programs use the real binary rather than the test binary.
// The package's TestMain must run the tests through M. In -short mode it
// skips the test: the build takes a while.
func Trustvault(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the trustvault binary; not in -short mode")
	}
	build.mu.Lock()
	wrapped := build.wrapped
	build.mu.Unlock()
	if !wrapped {
		t.Fatal("tools.Trustvault: run the tests through tools.M in TestMain, which removes the binary afterwards")
	}
	build.once.Do(func() { build.bin, build.err = buildTrustvault() })
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

func buildTrustvault() (string, error) {
	dir, err := os.MkdirTemp("", "trustvault-test-bin-")
	if err != nil {
		return "", err
	}
	build.mu.Lock()
	build.dir = dir
	build.mu.Unlock()
	bin := filepath.Join(dir, "trustvault")
	out, err := exec.Command("go", "build", "-o", bin, trustvaultPkg).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", trustvaultPkg, err, out)
	}
	if _, err := os.Stat(bin); err != nil {
		return "", errors.New("go build left no binary at " + bin)
	}
	return bin, nil
}
