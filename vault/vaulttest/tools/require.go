package tools

import (
	"fmt"
	"os"
	"testing"
)

// RequireEnv names the variable that says the real parts must be there.
// `make test` sets it to 1.
const RequireEnv = "TRUSTVAULT_REQUIRE_INTEROP"

// Required reports whether a missing real part fails a test rather than
// skipping it: RequireEnv is set to anything but "" or "0".
func Required() bool {
	v := os.Getenv(RequireEnv)
	return v != "" && v != "0"
}

// Require does nothing when err is nil. Otherwise it stops the test: it
// fails it when Required, and skips it when not. what names the part and
// how to install it, e.g. "tmux (Debian package tmux; .ci/setup test
// installs it)"; err says what went wrong looking for it.
func Require(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if Required() {
		t.Fatalf("%s is needed: %v (%s=%s makes this a failure)", what, err, RequireEnv, os.Getenv(RequireEnv))
		return
	}
	t.Skip(fmt.Sprintf("%s is needed: %v (set %s=1 to make this a failure)", what, err, RequireEnv))
}
