//go:build !cgo || !(linux || darwin || freebsd || openbsd)

package main

// yubikeySupport says this build reaches tokens through PC/SC: not
// without cgo (the hardware package's stub answers instead).
const yubikeySupport = false
