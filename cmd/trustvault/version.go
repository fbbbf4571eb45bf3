package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/token"
)

// versionText is what --version prints: the module version (as backup
// manifests record it), the commit the build came from, the Go version and
// platform, and whether this build can reach Yubikeys.
func versionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "trustvault %s\n", vault.Version())
	commit, when, dirty := "unknown (the build recorded no version control information)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if when != "" {
		commit += " (" + when + ")"
	}
	if dirty {
		commit += ", with uncommitted changes"
	}
	fmt.Fprintf(&b, "commit:  %s\n", commit)
	fmt.Fprintf(&b, "go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if token.Built {
		b.WriteString("yubikey: yes (built with cgo and PC/SC; needs pcscd running)\n")
	} else {
		b.WriteString("yubikey: no (built without cgo: rebuild with CGO_ENABLED=1 and libpcsclite to use Yubikeys)\n")
	}
	return b.String()
}
