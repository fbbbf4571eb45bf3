package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/token"
)

// publisher opens the store and builds the publisher for one command:
// passphrases as the other commands take them, the PIN from
// TRUSTVAULT_PIV_PIN or a prompt, "touch the Yubikey" on standard error.
//
// gun is checked, and so is every check the command ran on its other
// arguments (publish.CheckRotation and the like), before anything else:
// a bad argument is a usage error, found without asking the server.
func (a *app) publisher(f *serverFlags, gun string, checks ...error) (*publish.Publisher, error) {
	if err := checkNames([]string{gun}, false); err != nil {
		return nil, usage("%v", err)
	}
	for _, err := range checks {
		if err != nil {
			return nil, usage("%s: %v", gun, err)
		}
	}
	rs, err := a.remoteSetup(*f)
	if err != nil {
		return nil, err
	}
	s, err := a.openStore()
	if err != nil {
		return nil, err
	}
	return publish.New(s, rs, a.passphrases().get, token.Auth{
		PIN: func(ref vault.TokenRef) ([]byte, error) {
			return a.secret(envPIVPIN, "PIN", "the PIN of "+ref.Name())
		},
		Touch: a.touchPrompt,
	})
}

// signFlags are the flags of a command that may sign with a Yubikey: the
// server's, and --serial to choose among several Yubikeys.
type signFlags struct {
	serverFlags
	serialFlag
}

func (f *signFlags) add(cmd *cobra.Command) {
	f.serverFlags.add(cmd, true)
	f.serialFlag.add(cmd)
}

// signingPublisher is publisher with the Yubikey chosen by --serial.
func (a *app) signingPublisher(f *signFlags, gun string, checks ...error) (*publish.Publisher, error) {
	p, err := a.publisher(&f.serverFlags, gun, checks...)
	if err != nil {
		return nil, err
	}
	p.Serial = f.serial
	return p, nil
}

// published prints what a change published and which keys signed it, or
// turns its failure into the command's error: what was not published, and
// that the cache and keys are unchanged (publish.PublishError says so).
func (a *app) published(op string, res *publish.Result, err error) error {
	if res != nil {
		a.printResult(res)
	}
	if err == nil {
		return nil
	}
	var pe *publish.PublishError
	if errors.As(err, &pe) {
		if pe.Uncertain {
			return fail(op, err)
		}
		return failAtomic(op, err)
	}
	if res != nil {
		// Published, but the pull that checks it failed.
		return fail(op, err)
	}
	// Failed before anything was signed or sent (the pull, a key, a
	// passphrase): nothing was published, nothing changed.
	return failAtomic(op, fmt.Errorf("%w; nothing was published, the metadata cache and the key store are unchanged", err))
}

// addDryRun adds --dry-run: print the engine's plan, publish nothing.
func addDryRun(cmd *cobra.Command, dryRun *bool) {
	cmd.Flags().BoolVar(dryRun, "dry-run", false, "say what would be published and which keys would sign; unlock, make and send nothing (the pull before it updates the cache, as trustvault pull does)")
}

// planned prints what a change would publish and which keys would sign
// it, or why it could not be worked out.
func (a *app) planned(op string, pl *publish.Plan, err error) error {
	var pe *publish.PublishError
	switch {
	case errors.As(err, &pe):
		return failAtomic(op, err) // it says what was not published
	case err != nil:
		return failAtomic(op, fmt.Errorf("%w; nothing was published (dry run)", err))
	}
	fmt.Fprintf(a.stdout, "%s on %s (dry run, nothing sent):\n", pl.GUN, pl.Server)
	for _, l := range pl.Lines() {
		fmt.Fprintf(a.stdout, "  %s\n", l)
	}
	return nil
}

func (a *app) printResult(res *publish.Result) {
	w := a.stdout
	fmt.Fprintf(w, "%s: published %s", res.GUN, strings.Join(res.Published, ", "))
	if len(res.ServerSigned) > 0 {
		fmt.Fprintf(w, " (the server signed %s)", strings.Join(res.ServerSigned, ", "))
	}
	fmt.Fprintln(w)
	for _, s := range res.SignedBy {
		fmt.Fprintf(w, "  signed by %s\n", s)
	}
	for _, k := range res.NewKeys {
		fmt.Fprintf(w, "  new %s key %s in %s\n", k.Role, k.ID, k.Path)
	}
	if res.TokenKey != nil {
		fmt.Fprintf(w, "  root key %s on %s\n", vault.ShortID(res.TokenKey.ID), res.TokenKey.Token.Name())
	}
	if res.Update != nil {
		fmt.Fprintln(w, "  pulled back and verified; the cache is up to date")
	}
}

// splitTag splits GUN:TAG at the last colon after the last slash (a
// registry host may carry a port: "host:5000/app:v1").
func splitTag(arg string) (gun, tag string, err error) {
	i := strings.LastIndex(arg, ":")
	if i <= strings.LastIndex(arg, "/") || i == len(arg)-1 {
		return "", "", fmt.Errorf("%.200q is not GUN:TAG (e.g. registry.example/team/app:v1)", arg)
	}
	return arg[:i], arg[i+1:], nil
}

// keySource reads --key: a file when it names one, else a key ID.
func keySource(v string) publish.KeySource { return publish.KeySourceOf(v) }

func keySources(vs []string) []publish.KeySource {
	out := make([]publish.KeySource, 0, len(vs))
	for _, v := range vs {
		out = append(out, keySource(v))
	}
	return out
}
