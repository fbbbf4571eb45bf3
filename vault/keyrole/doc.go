// Package keyrole names the five kinds of key a Docker Content Trust
// publisher holds (root, targets, snapshot, timestamp, delegation) and
// classifies role strings as PEM headers and TUF metadata carry them.
//
// It sits below every other engine package so that passphrase policy, TUF
// metadata and the key store can share one notion of a role. It imports the
// standard library only.
package keyrole
