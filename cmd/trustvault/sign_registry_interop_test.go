package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/remote/remotetest"
)

// TestSignReadsTheManifestFromTheRegistry: with token auth on both the
// real notary-server and a real registry (Debian's docker-registry), an
// image pushed to the registry is signed by `trustvault sign GUN:TAG`
// without --digest and --size: the manifest's sha256 and size are read
// from the registry with config.json's credentials, and a fresh notary CLI
// lists exactly those. A tag the registry does not have is refused before
// anything is published.
func TestSignReadsTheManifestFromTheRegistry(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{Auth: remotetest.TokenAuth})
	reg := rig.StartRegistry(t)
	const gun = "registry.test/team/signed"
	img := reg.PushImage(t, "team/signed", "v1", []byte("layer bytes of v1"))

	c := newPubCLI(t, rig)
	auth := base64.StdEncoding.EncodeToString([]byte(remotetest.DefaultUser.Name + ":" + remotetest.DefaultUser.Password))
	cfg := `{"auths":{"registry.test":{"auth":"` + auth + `"}}}`
	dockerDir := filepath.Join(filepath.Dir(c.trust))
	if err := os.MkdirAll(dockerDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dockerDir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := "--tlscacert=" + rig.CAFile
	regFlags := []string{"--registry", reg.URL, "--registry-cacert", rig.CAFile}
	c.ok([]string{"published root, targets"}, "init", gun, ca)

	before := treeSums(t, c.trust)
	code, out, errs := c.run(append([]string{"sign", gun + ":v9", ca}, regFlags...)...)
	if code != 1 || !strings.Contains(errs, "no such manifest in the registry") || !strings.Contains(errs, "push the image first") {
		t.Errorf("a tag the registry lacks: status %d\n%s%s", code, out, errs)
	}
	if diff := sumsDiff(before, treeSums(t, c.trust)); diff != "" {
		t.Errorf("a refused sign changed the trust directory:\n%s", diff)
	}

	out = c.ok([]string{"sha256:" + img.Digest, "published targets"}, append([]string{"sign", gun + ":v1", ca}, regFlags...)...)
	n := rig.NewNotary(t)
	n.Login(remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	var found bool
	for _, tg := range n.List(gun, "") {
		if tg.Name == "v1" {
			found = true
			if tg.SHA256 != img.Digest || tg.Size != img.Size {
				t.Errorf("notary lists v1 as sha256:%s (%d bytes); the registry holds sha256:%s (%d bytes)", tg.SHA256, tg.Size, img.Digest, img.Size)
			}
		}
	}
	if !found {
		t.Errorf("a fresh notary does not list v1 after:\n%s", out)
	}

	// Half the pair is a usage error.
	if code, _, errs := c.run("sign", gun+":v1", "--digest", "sha256:"+img.Digest, ca); code != 2 || !strings.Contains(errs, "both --digest and --size") {
		t.Errorf("--digest alone: status %d\n%s", code, errs)
	}
}

// sumsDiff says which files were added, removed or changed between two
// treeSums ("" when none).
func sumsDiff(before, after map[string]string) string {
	var b strings.Builder
	for p, s := range before {
		switch a, ok := after[p]; {
		case !ok:
			b.WriteString("removed " + p + "\n")
		case a != s:
			b.WriteString("changed " + p + "\n")
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			b.WriteString("added " + p + "\n")
		}
	}
	return b.String()
}
