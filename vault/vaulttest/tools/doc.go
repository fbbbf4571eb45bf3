// Package tools is the part of trustvault's test kit that drives real
// programs: it finds the notary and docker CLIs, tmux, GNU tar and age,
// builds the trustvault binary once per test binary, runs programs in a
// tmux session, and decides whether a missing program skips a test or
// fails it (TRUSTVAULT_REQUIRE_INTEROP, see Require).
//
// It is imported only by tests and test kits. It imports nothing of the
// project (only the standard library), so that the tests of the leaves
// (hardware, archive, assets), which must not import vault, may use it
// too.
package tools
