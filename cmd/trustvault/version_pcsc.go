//go:build cgo && (linux || darwin || freebsd || openbsd)

package main

// yubikeySupport says this build reaches tokens through PC/SC. The build
// constraint is the one of the hardware package's PC/SC code.
const yubikeySupport = true
