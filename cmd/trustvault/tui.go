package main

// The hook from the command line to the interactive view (package ui).

import (
	"context"
	"os"

	"golang.org/x/term"

	"github.com/trustvault/trustvault/ui"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
)

// openTUI shows the interactive view on dir until the person quits. When
// standard input or output is not a terminal (a script, a pipe) it returns
// errNoTUI and the caller prints instead.
func (a *app) openTUI(dir string) error {
	in, inOK := a.stdin.(*os.File)
	out, outOK := a.rawStdout.(*os.File)
	if !inOK || !outOK || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return errNoTUI
	}
	s, err := vault.Open(dir)
	if err != nil {
		return fail("open", err)
	}
	opts := ui.Options{Store: s, Input: in, Output: out, Env: remote.EnvList(a.env), Tokens: token.List}
	// The servers as pull and sign find them: DOCKER_CONTENT_TRUST_SERVER,
	// ~/.docker/config.json's credentials, docker's own choice.
	if rs, err := remote.NewSetup(remote.SetupInput{TrustDir: s.Dir(), Getenv: a.getenv, Env: remote.EnvList(a.env)}); err == nil {
		opts.Remote = rs
	}
	if a.demo {
		opts.Demo, opts.DemoPassphrase = true, demo.Passphrase
	}
	if d, err := a.drives(); err == nil {
		opts.Drives = d
	}
	if err := ui.Run(context.Background(), opts); err != nil {
		return fail("interactive view", err)
	}
	return nil
}
