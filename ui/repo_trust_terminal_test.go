package ui

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminalSignedTagsPull runs the built binary in tmux against a real
// notary-server (the server from DOCKER_CONTENT_TRUST_SERVER, its CA
// through SSL_CERT_FILE, as a person's shell would give them): the signed
// tags tab lists what the notary CLI published, and after the notary CLI
// publishes another tag, P pulls it with real key presses and the screen
// says it is new and lists it.
func TestTerminalSignedTagsPull(t *testing.T) {
	bin := tools.Trustvault(t)
	rig := remotetest.Start(t, remotetest.Options{})
	n := publishRigRepo(t, rig)
	trustDir := filepath.Join(t.TempDir(), "trust")
	if _, err := remote.Pull(context.Background(), remote.Options{GUN: rigGUN, Server: rig.URL, CAFile: rig.CAFile, TrustDir: trustDir}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	tm := tools.StartTmux(t, 160, 45, "env", "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"),
		"DOCKER_CONTENT_TRUST_SERVER="+rig.URL, "SSL_CERT_FILE="+rig.CAFile, bin, "--trust-dir", trustDir)
	tm.WaitFor("repositories", rigGUN)
	tm.Send("Enter")
	tm.WaitFor("repository", "Repositories › "+rigGUN, "ROOT")
	tm.Send("t")
	want := []string{"SIGNED TAGS  4 tags", "P pulls it from " + rig.URL + " (DOCKER_CONTENT_TRUST_SERVER)"}
	for _, tag := range n.List(rigGUN, "") {
		want = append(want, tag.Name+" ")
	}
	tm.WaitFor("signed tags", want...)

	v9 := n.AddTag(rigGUN, "v9", []byte("image nine"))
	tm.Send("P")
	tm.WaitFor("pulled", "PULLED", "new tag v9 in targets: sha256:"+v9.SHA256, "SIGNED TAGS  5 tags", "v9 ")
	tm.Send("q")
	tm.WaitFor("back to the repositories", "REPOSITORY", rigGUN)
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
