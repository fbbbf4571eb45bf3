package main

import (
	"errors"
	"strings"

	"github.com/trustvault/trustvault/vault"
)

// opError is a command that ran and failed. run prints it as one line:
// "trustvault: <op>: <reason>; <what to do next>".
type opError struct {
	op  string // the command, e.g. "passwd"; empty when err names it
	err error
	// atomic says the command changes nothing unless it succeeds, so a
	// failure can promise that nothing was changed.
	atomic bool
}

func (e *opError) Error() string { return withOp(e.op, e.err.Error()) }
func (e *opError) Unwrap() error { return e.err }

// fail wraps err for run; op names the command and its subject.
func fail(op string, err error) error { return &opError{op: op, err: err} }

// failAtomic is fail for commands that write nothing when they fail.
func failAtomic(op string, err error) error { return &opError{op: op, err: err, atomic: true} }

// explain is the line run prints; a names the trust directory in use in
// the commands it suggests.
func (e *opError) explain(a *app) string {
	msg := e.Error()
	for _, h := range hints(a, e.err, e.atomic) {
		if !strings.Contains(msg, h.unless) {
			msg += "; " + h.text
		}
	}
	return msg
}

// withOp prefixes msg with the command, unless the engine's message
// already starts with the command's verb ("generate: ...", "verify FILE:
// ...", "export key 3e3e69b: ..."): one name of the operation, not
// "generate: generate:".
func withOp(op, msg string) string {
	if op == "" {
		return msg
	}
	verb, _, _ := strings.Cut(op, " ")
	if rest, ok := strings.CutPrefix(msg, verb); ok && (strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, " ")) {
		return msg
	}
	return op + ": " + msg
}

// hint is advice added to an error line unless the line already contains
// unless (the engine often says it already).
type hint struct{ text, unless string }

// hints says what to do next after err.
func hints(a *app, err error, atomic bool) []hint {
	var hs []hint
	var np *noPassphraseError
	var ep *envPassphraseError
	switch {
	case errors.As(err, &np), errors.As(err, &ep):
		// The message names the variables to set or to correct.
	case errors.Is(err, vault.ErrWrongPassphrase):
		hs = append(hs, hint{"check the passphrase and try again", "try again"})
	case errors.Is(err, vault.ErrKeyNotFound):
		list := a.command("list")
		hs = append(hs, hint{"run " + list + " to see the key IDs", list})
	case errors.Is(err, vault.ErrLocked):
		hs = append(hs, hint{"wait for the other trustvault to finish, then try again", "wait for"})
	}
	if atomic {
		hs = append(hs, hint{"nothing was changed", "nothing was"})
	}
	return hs
}
