// Package hardware owns what is plugged in: PIV tokens (Yubikey 4 and
// later, through piv-go) and removable drives, with the physical identity
// of the device behind each mount.
//
// Drives: on Linux a Sysfs detector reads /proc/self/mountinfo and /sys
// (both roots injectable, so that tests run on fake trees); on macOS a
// Diskutil detector reads `diskutil ... -plist` output through a Runner (so
// that its parser is tested on recorded plists anywhere). A drive's
// Identity is the physical device: the USB device node for a USB stick or
// card reader (two partitions, or two card slots, are one identity; two
// sticks with the same serial are two), the whole disk otherwise, found by
// following loop, dm-crypt and md devices down to the disk. The rules of a
// backup built on it (two targets, two identities; never the device of the
// trust directory) are applied by the caller with Identity.Same.
//
// hardware imports nothing from the project; vault gives it meaning.
package hardware
