package tools

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Cosign is the cosign v3 CLI: $TRUSTVAULT_COSIGN, else cosign in
// .tools/bin or on PATH (.ci/setup installs v3.1.3). A cosign that is not
// v3 fails the test: the flags the tests use are v3's.
func Cosign(t testing.TB) string {
	t.Helper()
	p := os.Getenv("TRUSTVAULT_COSIGN")
	if p == "" {
		var err error
		p, err = Look("cosign")
		Require(t, "cosign v3 (.ci/setup installs v3.1.3 into .tools/bin; or set TRUSTVAULT_COSIGN)", err)
	}
	out, err := exec.Command(p, "version").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("v3.")) {
		t.Fatalf("%s is not cosign v3 (the flags used are v3's): %v\n%s", p, err, out)
	}
	return p
}
