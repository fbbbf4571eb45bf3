package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// The passphrase policy on the command line's new-passphrase path.
//
// Every new passphrase (generate, passwd, import of an unencrypted key,
// harden --new-passphrase) must reach vault.DefaultPolicy's minimum for its
// kind of key: 80 bits for root keys, 64 for the others, as zxcvbn estimates
// it. A passphrase typed at the prompt that falls short is refused with the
// reason and asked for again. One from a variable is refused and the command
// fails, unlike docker and notary, which take any variable as it is: a weak
// passphrase in CI is exactly the case the policy is for. --allow-weak turns
// both refusals into warnings.

// policy is the passphrase policy of this run.
func (a *app) policy() *passphrase.Policy {
	p := passphrase.DefaultPolicy()
	return &p
}

// weakEnvError is a new passphrase from a variable below the policy.
type weakEnvError struct {
	name string
	weak *passphrase.WeakError
}

func (e *weakEnvError) Error() string {
	return fmt.Sprintf("%s: %v; %s, or give --allow-weak to accept it", e.name, e.weak, weakAdvice(e.weak))
}

func (e *weakEnvError) Unwrap() error { return e.weak }

// weakAdvice says how to get a passphrase that passes.
func weakAdvice(w *passphrase.WeakError) string {
	return fmt.Sprintf("use `trustvault passphrase --words %d` or a longer one", w.Words())
}

// checkNew applies the policy to a new passphrase; from names the variable
// it came from, "" when typed. It returns nil to accept. With --allow-weak
// a weak passphrase is accepted with a warning on p.out.
func (p *passphrases) checkNew(req vault.PassphraseRequest, pass []byte, from string) error {
	if p.policy == nil {
		return nil
	}
	var weak *passphrase.WeakError
	if !errors.As(p.policy.CheckTyped(req.Role, "", pass), &weak) {
		return nil
	}
	if p.allowWeak {
		what := "the new passphrase"
		if from != "" {
			what = "the passphrase in " + from
		}
		fmt.Fprintf(p.out, "trustvault: warning: %s is %s; accepted because of --allow-weak\n", what, strings.TrimPrefix(weak.Error(), "passphrase "))
		return nil
	}
	if from != "" {
		return &weakEnvError{name: from, weak: weak}
	}
	return weak
}

// typedRefusal is what the prompt says when a typed passphrase is refused.
func typedRefusal(err error) string {
	var weak *passphrase.WeakError
	if errors.As(err, &weak) {
		msg := weak.Error()
		return strings.ToUpper(msg[:1]) + msg[1:] + "; " + weakAdvice(weak) + "."
	}
	return err.Error()
}
