package remotetest

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// signedTags flattens docker's SignedTags to "tag digest signer,signer".
func signedTags(v TrustInspect) []string {
	var out []string
	for _, s := range v.SignedTags {
		out = append(out, s.SignedTag+" "+s.Digest+" "+strings.Join(s.Signers, ","))
	}
	sort.Strings(out)
	return out
}

// signers flattens docker's Signers or AdministrativeKeys to "name id,id".
func signers(list []Signer) []string {
	var out []string
	for _, s := range list {
		var ids []string
		for _, k := range s.Keys {
			ids = append(ids, k.ID)
		}
		sort.Strings(ids)
		out = append(out, s.Name+" "+strings.Join(ids, ","))
	}
	sort.Strings(out)
	return out
}

// TestDockerTrustInspect reads the rig's repository with the real docker
// CLI (no daemon), as the people leaving docker trust still do, and pins
// down how docker names signers.
func TestDockerTrustInspect(t *testing.T) {
	rig := Start(t, Options{})
	d := rig.NewDocker(t)
	n := rig.NewNotary(t)
	tags := publishDelegated(t, rig, n)
	alice, err := NewDelegationKey(t.TempDir(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	// A signer as `docker trust signer add alice` makes one: the key in
	// targets/alice and in targets/releases. With the snapshot key on the
	// server, alice's own client, holding her key alone, signs a release
	// into both roles, as docker trust sign does.
	n.AddDelegation(gun, "targets/alice", alice, nil)
	n.Run("delegation", "add", gun, "targets/releases", alice.CertFile, "--all-paths", "--publish")
	n.Rotate(gun, "snapshot", true)
	aliceClient := rig.NewNotary(t)
	aliceClient.Run("key", "import", alice.KeyFile, "--role", "alice")
	av1 := aliceClient.AddTag(gun, "alice-v1", []byte("signed by alice\n"), "targets/releases", "targets/alice")

	got := d.TrustInspect(gun)
	if len(got) != 1 || got[0].Name != gun {
		t.Fatalf("docker trust inspect: %+v", got)
	}
	// docker shows the tags of targets and targets/releases only. A tag's
	// signers are the other delegations of targets (nested ones too) whose metadata
	// hold the same target (targets/alice: "alice"); with none, the
	// signer is "Repo Admin". The nested targets/releases/team
	// tag is not shown, though its role is listed as a signer.
	want := []string{
		tags[0].Name + " " + tags[0].SHA256 + " Repo Admin",
		tags[1].Name + " " + tags[1].SHA256 + " Repo Admin",
		av1.Name + " " + av1.SHA256 + " alice",
	}
	sort.Strings(want)
	if g := signedTags(got[0]); !reflect.DeepEqual(g, want) {
		t.Errorf("SignedTags:\n got %q\nwant %q", g, want)
	}
	// Signer keys are the canonical IDs of the delegation keys (what
	// notary key list prints), not the certificate key IDs in the metadata.
	ids := n.KeyIDs()
	wantSigners := []string{"alice " + strings.Join(ids["targets/alice"], ","),
		"releases/team " + strings.Join(ids["targets/releases/team"], ",")}
	if g := signers(got[0].Signers); !reflect.DeepEqual(g, wantSigners) {
		t.Errorf("Signers:\n got %q\nwant %q", g, wantSigners)
	}
	// Administrative keys: root by the certificate key ID root.json
	// lists, Repository by the targets key ID.
	root, _ := getMeta(t, rig, gun, "root.json")
	wantAdmin := []string{"Repository " + strings.Join(root.Signed.Roles["targets"].KeyIDs, ","),
		"Root " + strings.Join(root.Signed.Roles["root"].KeyIDs, ",")}
	if g := signers(got[0].AdministrativeKeys); !reflect.DeepEqual(g, wantAdmin) {
		t.Errorf("AdministrativeKeys:\n got %q\nwant %q", g, wantAdmin)
	}
	if ids["root"][0] == root.Signed.Roles["root"].KeyIDs[0] {
		t.Errorf("root key: canonical and certificate IDs coincide (%s); the test above proves nothing", ids["root"][0])
	}
}
