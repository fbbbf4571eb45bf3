package health_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestLostKeyGuidesFill(t *testing.T) {
	for _, kind := range keyrole.Kinds() {
		for _, d := range []health.GuideData{
			{Kind: kind},
			{Kind: kind, GUN: "registry.example.com/acme/web", KeyID: strings.Repeat("ab", 32), Signer: "alice",
				TrustDir: "/home/a/.docker/trust", Repositories: []string{"x/a", "x/b"}, RootExpires: "2030-01-01", TargetsExpires: "2029-01-01"},
		} {
			text, err := health.LostKeyGuide(d)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			if strings.Contains(text, "<no value>") || strings.Contains(text, "{{") {
				t.Errorf("%s guide is not filled:\n%s", kind, text)
			}
			if d.GUN != "" && !strings.Contains(text, d.GUN) {
				t.Errorf("%s guide does not name the repository %s", kind, d.GUN)
			}
			if d.GUN == "" && !strings.Contains(text, " GUN") {
				t.Errorf("%s guide without a repository has no GUN placeholder", kind)
			}
		}
	}
}

func TestGuideFor(t *testing.T) {
	info, s := vaulttest.Demo(t)
	cases := []struct {
		name, subject, gun string
		kind               keyrole.Kind
		wantGUN, wantKey   string
		contains           []string
	}{
		{name: "missing signer key", subject: vault.ShortID(info.Missing.ID), kind: keyrole.Delegation,
			wantGUN: info.Missing.GUN, wantKey: info.Missing.ID,
			contains: []string{"docker trust signer remove bob " + info.Missing.GUN, "delegation remove --publish " + info.Missing.GUN + " targets/bob " + info.Missing.ID}},
		{name: "shared root key", subject: info.RootKeys[0], kind: keyrole.Root, wantKey: info.RootKeys[0],
			contains: []string{"This one key is the root of 3 repositories", "- registry.example.com/acme/web", "delete ", "trustvault delete ", " --remote", "trustvault init "}},
		{name: "legacy targets key", subject: info.Legacy.ID[:10], kind: keyrole.Targets,
			wantGUN: "docker.io/acme/tools", wantKey: info.Legacy.ID,
			contains: []string{"key rotate docker.io/acme/tools targets", "trustvault rotate docker.io/acme/tools targets", "2026-12-03"}},
		{name: "targets by role", subject: "targets", gun: "registry.example.com/acme/web", kind: keyrole.Targets,
			wantGUN: "registry.example.com/acme/web", contains: []string{"witness --publish registry.example.com/acme/web targets"}},
		{name: "timestamp by role", subject: "timestamp", gun: "registry.example.com/acme/api", kind: keyrole.Timestamp,
			wantGUN: "registry.example.com/acme/api", contains: []string{"key rotate registry.example.com/acme/api timestamp -r", "trustvault rotate registry.example.com/acme/api timestamp --server-managed"}},
		{name: "delegation role", subject: "targets/alice", gun: "registry.example.com/acme/web", kind: keyrole.Delegation,
			wantGUN: "registry.example.com/acme/web", contains: []string{"docker trust key generate alice", "trustvault signer add alice registry.example.com/acme/web --key NEWKEYID"}},
		{name: "orphan key", subject: info.Orphan.ID, kind: keyrole.Targets, wantGUN: info.Orphan.GUN, wantKey: info.Orphan.ID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := health.StoreGuide(s, tc.subject, tc.gun, "")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tc.kind {
				t.Errorf("kind %s, want %s", d.Kind, tc.kind)
			}
			if tc.wantGUN != "" && d.GUN != tc.wantGUN {
				t.Errorf("GUN %q, want %q", d.GUN, tc.wantGUN)
			}
			if tc.wantKey != "" && d.KeyID != tc.wantKey {
				t.Errorf("key %s, want %s", d.KeyID, tc.wantKey)
			}
			if d.TrustDir != s.Dir() {
				t.Errorf("trust dir %q", d.TrustDir)
			}
			text, err := health.LostKeyGuide(d)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(text, c) {
					t.Errorf("guide does not contain %q:\n%s", c, text)
				}
			}
		})
	}
	for _, bad := range []string{"nonsense", "abc", strings.Repeat("f", 64)} {
		if _, err := health.StoreGuide(s, bad, "", ""); err == nil {
			t.Errorf("GuideFor(%q) did not fail", bad)
		}
	}
	d, _ := health.StoreGuide(s, info.RootKeys[0], "", "")
	if !slices.Contains(d.Repositories, "docker.io/acme/tools") {
		t.Errorf("root repositories %q", d.Repositories)
	}
}
