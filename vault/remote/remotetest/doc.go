// Package remotetest runs a real notary-server v0.7.0 for tests.
package remotetest
