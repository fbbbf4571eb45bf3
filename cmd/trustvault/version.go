package main

import "runtime/debug"

// version is set at link time by make build and make package
// (-ldflags "-X main.version=..."); a plain go build or go install falls
// back to the module version the toolchain records.
var version string

// versionString is what --version prints after "trustvault version ".
func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" {
		return "(devel)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 && v == "(devel)" {
			v += " " + s.Value[:12]
		}
	}
	return v
}
