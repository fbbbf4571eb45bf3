package remote_test

import (
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

// TestUpdateLines pins the words of a pull's report, which trustvault pull
// prints and the interactive view shows (the expected text is what the
// CLI printed before the words moved here).
func TestUpdateLines(t *testing.T) {
	exp := time.Date(2026, 12, 9, 1, 2, 3, 0, time.UTC)
	root := &tuf.Metadata{Version: 3, Roles: map[string]tuf.Role{"root": {KeyIDs: []string{"aaa", "bbb"}}}}
	repo := &tuf.Repo{GUN: "r/x", Root: root, Timestamp: &tuf.Metadata{Version: 7, Expires: exp},
		Roles: []tuf.DelegatedRole{{Name: "targets/a"}}, Delegations: map[string]*tuf.Metadata{}}
	changed := &remote.Update{GUN: "r/x", Server: "https://s", TrustDir: "/t", Repo: repo,
		Versions:         []remote.VersionChange{{Role: "targets", Old: 1, New: 2}, {Role: "x", Old: 0, New: 1}},
		RotatedKeys:      []remote.KeyChange{{Role: "targets", Old: []string{"0123456789abcdef"}}},
		AddedDelegations: []string{"targets/a", "targets/b"}, RemovedDelegations: []string{"targets/c"},
		Tags: []remote.TagChange{{Role: "targets", Tag: "v1", New: "ab"}, {Role: "targets", Tag: "v2", Old: "cd"},
			{Role: "targets/a", Tag: "v3", Old: "ef", New: "01"}},
		Skipped: map[string]string{"targets/z": "expired"}, Warnings: []string{"w1"}, Written: []string{"x"}, Removed: []string{"y"}}
	cases := []struct {
		name string
		u    *remote.Update
		pin  bool
		want string
	}{
		{"first", &remote.Update{GUN: "r/x", Server: "https://s", TrustDir: "/t", First: true, Repo: repo, Written: []string{"a", "b"}}, false,
			`r/x: first pull from https://s; its root (version 3, root key aaa, bbb) was trusted on first use
  1 delegation, 0 signed tags, timestamp version 7 fresh until 2026-12-09T01:02:03Z
  cache: 2 files written, 0 removed in /t/tuf/r/x/metadata`},
		{"first-pinned", &remote.Update{GUN: "r/x", Server: "https://s", TrustDir: "/t", First: true, Repo: repo}, true,
			`r/x: first pull from https://s; its root (version 3, root key aaa, bbb) was checked against the config's trust_pinning
  1 delegation, 0 signed tags, timestamp version 7 fresh until 2026-12-09T01:02:03Z`},
		{"up-to-date", &remote.Update{GUN: "r/x", Server: "https://s", TrustDir: "/t", Repo: repo}, false,
			`r/x: up to date with https://s (timestamp version 7, fresh until 2026-12-09T01:02:03Z)`},
		{"changed", changed, false,
			`r/x: updated from https://s (timestamp version 7, fresh until 2026-12-09T01:02:03Z)
  new versions: targets 1 → 2, x 0 → 1
  rotated keys of targets: 0123456789ab → (none)
  new delegations: targets/a, targets/b
  removed delegations: targets/c
  new tag v1 in targets: sha256:ab
  removed tag v2 from targets (was sha256:cd)
  changed tag v3 in targets/a: sha256:ef → sha256:01
  left out, as notary leaves it out: targets/z (expired)
  warning: w1
  cache: 1 file written, 1 removed in /t/tuf/r/x/metadata`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(tc.u.Lines(tc.pin), "\n"); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestFreshness pins what a verification says about its time: now or as
// of another time, and whether the server's word is still fresh.
func TestFreshness(t *testing.T) {
	exp := time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)
	ts := &tuf.Metadata{Version: 4, Expires: exp}
	before, after := exp.Add(-time.Hour), exp.Add(time.Hour)
	cases := []struct {
		name   string
		repo   *tuf.Repo
		why    string
		online bool
		now    time.Time
		want   string
	}{
		{"online", &tuf.Repo{Timestamp: ts, At: before}, "", true, before,
			"Verified from S at 2026-12-08 23:00:00 UTC (now); the server's timestamp (version 4) is fresh until 2026-12-09 00:00:00 UTC."},
		{"offline-fresh", &tuf.Repo{Timestamp: ts, At: before}, "", false, before,
			"Verified from S at 2026-12-08 23:00:00 UTC (now); the server was not asked: its timestamp (version 4) is fresh until 2026-12-09 00:00:00 UTC, but what it signed after this copy was taken is not shown."},
		{"offline-expired-at", &tuf.Repo{Timestamp: ts, At: before}, "--at", false, after,
			"Verified from S as of 2026-12-08 23:00:00 UTC (--at), not now (2026-12-09 01:00:00 UTC): the server's word is no longer fresh: its timestamp (version 4) expired 2026-12-09 00:00:00 UTC. This shows what was signed as of 2026-12-08 23:00:00 UTC, not what is signed today."},
		{"no-timestamp", &tuf.Repo{At: before}, "", false, before, "Verified from S at 2026-12-08 23:00:00 UTC (now)."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := remote.Freshness("from S", tc.repo, tc.why, tc.online, tc.now); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestPullTarget: docker pulls a tag only from targets/releases or
// targets; a tag that only a delegation below them signs has no trust data
// for docker, though notary's lookup through targets finds it.
func TestPullTarget(t *testing.T) {
	meta := func(targets ...string) *tuf.Metadata {
		m := &tuf.Metadata{Targets: map[string]tuf.FileMeta{}}
		for _, n := range targets {
			m.Targets[n] = tuf.FileMeta{Length: 1, Hashes: map[string][]byte{"sha256": []byte(n)}}
		}
		return m
	}
	repo := &tuf.Repo{Targets: meta("v1"),
		Roles: []tuf.DelegatedRole{{Name: "targets/releases", Parent: "targets", Paths: []string{""}},
			{Name: "targets/ci", Parent: "targets", Paths: []string{""}}},
		Delegations: map[string]*tuf.Metadata{"targets/releases": meta("v2"), "targets/ci": meta("ci-7", "v2")}}
	for tag, want := range map[string]string{"v1": "targets", "v2": "targets/releases", "ci-7": "", "nosuch": ""} {
		ref, ok := remote.PullTarget(repo, tag)
		if ok != (want != "") || ref.Role.Name != want {
			t.Errorf("%s: %v from %q, want %q", tag, ok, ref.Role.Name, want)
		}
		if _, found := repo.Lookup(tag, "targets/releases", "targets"); tag == "ci-7" && !found {
			t.Error("the lookup does not find ci-7 through targets: the case tests nothing")
		}
	}
}
