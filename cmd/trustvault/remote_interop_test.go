package main

// pull, inspect and archive against a real notary-server v0.7.0 (with a
// real notary-signer) started by vault/remote/remotetest, with metadata
// published by the real notary CLI, compared with the real docker CLI's
// `docker trust inspect` and read back with GNU tar.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/drivetest"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/migrate"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
)

const rigGUN = "registry.test/team/app"

// tv runs trustvault in-process with env (a list of NAME=value on top of
// a clean environment) and returns the exit status and outputs.
type tvRun struct {
	env []string
}

func (r tvRun) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(""), &o, &e, r.env)
	return code, o.String(), e.String()
}

// must runs trustvault and fails the test unless it exits with want.
func (r tvRun) must(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	code, o, e := r.run(t, args...)
	if code != want {
		t.Fatalf("trustvault %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, o, e)
	}
	return o, e
}

func newTV(t *testing.T, extra ...string) tvRun {
	home := t.TempDir()
	return tvRun{env: append([]string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker"), "PATH=" + os.Getenv("PATH")}, extra...)}
}

// publishRig publishes a repository with tags in targets, in
// targets/releases and in nested delegations.
func publishRig(t *testing.T, rig *remotetest.Rig) (*remotetest.Notary, map[string]remotetest.Target) {
	t.Helper()
	n := rig.NewNotary(t)
	n.Init(rigGUN)
	tags := map[string]remotetest.Target{}
	tags["v1"] = n.AddTag(rigGUN, "v1", []byte("image one"))
	keyDir := t.TempDir()
	for _, d := range []struct {
		role  string
		paths []string
	}{{"targets/releases", nil}, {"targets/alice", nil}, {"targets/alice/bob", []string{"v3"}}, {"targets/ci", []string{"ci-"}}} {
		k, err := remotetest.NewDelegationKey(keyDir, strings.ReplaceAll(d.role, "/", "-"))
		if err != nil {
			t.Fatal(err)
		}
		n.AddDelegation(rigGUN, d.role, k, d.paths)
	}
	tags["v2"] = n.AddTag(rigGUN, "v2", []byte("image two"), "targets/releases", "targets/alice")
	n.AddTag(rigGUN, "v3", []byte("image three"), "targets/alice/bob")
	tags["v3"] = n.AddTag(rigGUN, "v3", []byte("image three"), "targets/releases")
	tags["ci-7"] = n.AddTag(rigGUN, "ci-7", []byte("ci build"), "targets/ci")
	return n, tags
}

func normJSON(t *testing.T, data string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestPullInspectArchiveWithNotaryServer(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	n, tags := publishRig(t, rig)
	n.Init("registry.test/other") // a root the archive's check can disagree with
	d := rig.NewDocker(t)
	tv := newTV(t, "DOCKER_CONTENT_TRUST_SERVER="+rig.URL)
	ca := "--tlscacert=" + rig.CAFile

	// First pull: trusted on first use, reported.
	out, _ := tv.must(t, 0, "pull", rigGUN, ca)
	if !strings.Contains(out, rigGUN+": first pull from "+rig.URL) || !strings.Contains(out, "trusted on first use") || !strings.Contains(out, "4 delegations") {
		t.Errorf("first pull said:\n%s", out)
	}

	// Changes on the server: a rotated targets key, a new tag, a removed
	// delegation; the next pull reports each of them.
	n.Rotate(rigGUN, "targets", false)
	tags["v4"] = n.AddTag(rigGUN, "v4", []byte("image four"))
	n.RunInput("yes\n", "delegation", "remove", rigGUN, "targets/ci", "--publish")
	out, _ = tv.must(t, 0, "pull", rigGUN, ca, "--json")
	var pulls []pullJSON
	if err := json.Unmarshal([]byte(out), &pulls); err != nil || len(pulls) != 1 {
		t.Fatalf("pull --json: %v\n%s", err, out)
	}
	p := pulls[0]
	if p.First || !p.Changed || p.Error != "" {
		t.Errorf("second pull: %+v", p)
	}
	if len(p.RotatedKeys) != 1 || p.RotatedKeys[0].Role != "targets" {
		t.Errorf("rotated keys %+v, want targets", p.RotatedKeys)
	}
	if !hasTagChange(p.Tags, "targets", "v4", "", tags["v4"].SHA256) {
		t.Errorf("new tag v4 not reported: %+v", p.Tags)
	}
	if strings.Join(p.RemovedDelegations, ",") != "targets/ci" {
		t.Errorf("removed delegations %v, want targets/ci", p.RemovedDelegations)
	}
	out, _ = tv.must(t, 0, "pull", rigGUN, ca)
	if !strings.Contains(out, "up to date with") {
		t.Errorf("third pull said:\n%s", out)
	}

	// inspect --json is docker trust inspect's output, byte for byte,
	// online and offline.
	names := []string{rigGUN, rigGUN + ":v2", rigGUN + ":v3", rigGUN + ":v4"}
	dockerOut, dockerErr, err := d.Try(append([]string{"trust", "inspect"}, names...)...)
	if err != nil {
		t.Fatalf("docker trust inspect: %v\n%s", err, dockerErr)
	}
	for _, mode := range [][]string{{ca}, {"--offline"}} {
		out, _ = tv.must(t, 0, append(append([]string{"inspect", "--json"}, mode...), names...)...)
		if out != dockerOut {
			t.Errorf("inspect --json %v differs from docker trust inspect\nours:\n%s\ndocker:\n%s", mode, out, dockerOut)
		}
	}
	out, _ = tv.must(t, 0, "inspect", rigGUN, ca)
	for _, want := range []string{"Verified from " + rig.URL, "Signatures for " + rigGUN, tags["v2"].SHA256 + "   alice\n", "alice/bob   ", "Administrative keys for"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %q:\n%s", want, out)
		}
	}

	// --digest: 0 when it is the tag's digest, 1 when not (or unsigned),
	// 2 for a bad digest.
	tv.must(t, 0, "inspect", rigGUN+":v2", ca, "--digest", "sha256:"+tags["v2"].SHA256)
	tv.must(t, 0, "inspect", rigGUN+":v4", "--offline", "--digest", tags["v4"].SHA256)
	out, _ = tv.must(t, 1, "inspect", rigGUN+":v2", ca, "--digest", "sha256:"+tags["v1"].SHA256)
	if !strings.Contains(out, "is signed with sha256:"+tags["v2"].SHA256) {
		t.Errorf("--digest mismatch said:\n%s", out)
	}
	tv.must(t, 1, "inspect", rigGUN+":nosuch", "--offline", "--digest", "sha256:"+tags["v2"].SHA256)
	// A tag only targets/alice signs (below targets): notary's lookup
	// finds it, docker pull does not take it, so it is not signed for
	// --digest either.
	alone := n.AddTag(rigGUN, "alice-only", []byte("alice alone"), "targets/alice")
	tv.must(t, 0, "pull", rigGUN, ca)
	out, _ = tv.must(t, 1, "inspect", rigGUN+":alice-only", "--offline", "--digest", "sha256:"+alone.SHA256)
	if !strings.Contains(out, "is not signed") {
		t.Errorf("--digest of a tag only a delegation signs said:\n%s", out)
	}
	tv.must(t, 2, "inspect", rigGUN+":v2", "--offline", "--digest", "sha256:abc")

	// The archive, made while the server runs.
	dir := t.TempDir()
	arch := filepath.Join(dir, "app-trust.tar.gz")
	out, _ = tv.must(t, 0, "archive", rigGUN, ca, "-o", arch)
	if !strings.Contains(out, "Archived 1 repository into "+arch) {
		t.Errorf("archive said:\n%s", out)
	}
	checkWithGNUTar(t, arch)
	checkReportArchived(t, tv, arch)
	archiveDocker, _, err := d.Try("trust", "inspect", rigGUN+":v2")
	if err != nil {
		t.Fatal(err)
	}
	backup := backupWithCache(t, tv, ca)

	// The server is gone: pull says so in one line and what still works.
	rig.Stop()
	_, errOut := tv.must(t, 1, "pull", rigGUN, ca)
	if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "server unreachable") || !strings.Contains(errOut, "still verifies offline") {
		t.Errorf("pull from a stopped server said:\n%s", errOut)
	}
	tv.must(t, 2, "inspect", rigGUN+":v2", ca, "--digest", "sha256:"+tags["v2"].SHA256)

	// The archive verifies the tag offline, its JSON still docker's.
	tv.must(t, 0, "inspect", "--archive", arch, rigGUN+":v2", "--digest", "sha256:"+tags["v2"].SHA256)
	tv.must(t, 1, "inspect", "--archive", arch, rigGUN+":v2", "--digest", "sha256:"+tags["v1"].SHA256)
	out, _ = tv.must(t, 0, "inspect", "--archive", arch, "--json", rigGUN+":v2")
	if out != archiveDocker {
		t.Errorf("inspect --archive --json differs from docker trust inspect\nours:\n%s\ndocker:\n%s", out, archiveDocker)
	}
	// A backup (trustvault backup) carries the cache, which verifies too.
	tv.must(t, 0, "inspect", "--archive", backup, rigGUN+":v2", "--digest", "sha256:"+tags["v2"].SHA256)
	out, _ = tv.must(t, 0, "archive", "verify", arch)
	if !strings.Contains(out, "✓ "+rigGUN) || !strings.Contains(out, "matches "+arch+".sha256") {
		t.Errorf("archive verify said:\n%s", out)
	}
	// What the archive's verification rests on: its own first root,
	// which this machine's cache agrees with; on a machine with no cache,
	// nothing vouches for it but the key a person recorded; a cache that
	// trusts another root is a warning.
	if !strings.Contains(out, "root: anchored on the archive's own first root, version 1") || !strings.Contains(out, "the one this machine's cache trusts") {
		t.Errorf("archive verify does not say what it rests on:\n%s", out)
	}
	out, _ = newTV(t).must(t, 0, "archive", "verify", arch)
	if !strings.Contains(out, "trusted on first use; nothing here to compare it with") {
		t.Errorf("archive verify with no cache:\n%s", out)
	}
	other := newTV(t)
	otherRoot := filepath.Join(n.TrustDir, "tuf", "registry.test", "other", "metadata", "root.json")
	if data, err := os.ReadFile(otherRoot); err != nil {
		t.Fatal(err)
	} else {
		mustWrite(t, filepath.Join(other.home(), ".docker", "trust", "tuf", filepath.FromSlash(rigGUN), "metadata", "root.json"), data)
	}
	out, _ = other.must(t, 0, "archive", "verify", arch)
	if !strings.Contains(out, "WARNING: this machine's cache trusts root version 1, which the archive does not hold") {
		t.Errorf("archive verify with a cache that trusts another root:\n%s", out)
	}

	// Thirty days on, the timestamp has expired: without --at the archive
	// and the cache fail saying so; with --at they verify, and say which
	// time was used and that the server's word is no longer fresh.
	real := clock
	clock = func() time.Time { return real().Add(30 * 24 * time.Hour) }
	defer func() { clock = real }()
	then := real().UTC().Format(time.RFC3339)
	out, errOut = tv.must(t, 1, "archive", "verify", arch)
	if !strings.Contains(out, "expired") || !strings.Contains(out, "--at ") {
		t.Errorf("archive verify after expiry said:\n%s%s", out, errOut)
	}
	_, errOut = tv.must(t, 2, "inspect", "--archive", arch, rigGUN+":v2", "--digest", "sha256:"+tags["v2"].SHA256)
	if !strings.Contains(errOut, "timestamp: expired") || !strings.Contains(errOut, "no longer fresh") {
		t.Errorf("inspect --archive after expiry said:\n%s", errOut)
	}
	out, _ = tv.must(t, 0, "archive", "verify", arch, "--at", then)
	if !strings.Contains(out, "(--at)") || !strings.Contains(out, "no longer fresh") {
		t.Errorf("archive verify --at said:\n%s", out)
	}
	out, _ = tv.must(t, 0, "inspect", "--archive", arch, "--at", then, rigGUN+":v2", "--digest", "sha256:"+tags["v2"].SHA256)
	if !strings.Contains(out, "as of "+strings.Replace(strings.TrimSuffix(then, "Z"), "T", " ", 1)+" UTC (--at)") || !strings.Contains(out, "no longer fresh") {
		t.Errorf("inspect --archive --at said:\n%s", out)
	}
	tv.must(t, 1, "inspect", "--offline", rigGUN)
	out, errOut = tv.must(t, 0, "inspect", "--offline", "--at", then, "--json", rigGUN+":v2")
	if normJSON(t, out) != normJSON(t, archiveDocker) || !strings.Contains(errOut, "no longer fresh") {
		t.Errorf("inspect --offline --at: %s\n%s", out, errOut)
	}
}

// checkReportArchived: migrate report says the repository was archived in
// arch, as of the cache's timestamp version, still there; with the file
// moved away it says it is gone and to archive again.
func checkReportArchived(t *testing.T, tv tvRun, arch string) {
	t.Helper()
	find := func() migrate.Repository {
		out, _ := tv.must(t, 0, "migrate", "report", "--json")
		var rep []migrate.Repository
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("migrate report --json: %v\n%s", err, out)
		}
		for _, r := range rep {
			if r.GUN == rigGUN {
				return r
			}
		}
		t.Fatalf("migrate report lacks %s:\n%s", rigGUN, out)
		return migrate.Repository{}
	}
	st := find().Archive
	if st.State != migrate.ArchiveKept || st.Path != arch || st.TimestampVersion == 0 || st.TimestampVersion != st.CachedTimestampVersion || st.Outdated {
		t.Errorf("report after archive: %+v", st)
	}
	out, _ := tv.must(t, 0, "migrate", "report")
	if !strings.Contains(out, "  archived: yes: ") || !strings.Contains(out, "  next:     keep the archive "+arch) {
		t.Errorf("migrate report after archive:\n%s", out)
	}
	if err := os.Rename(arch, arch+".moved"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(arch+".moved", arch)
	r := find()
	if r.Archive.State != migrate.ArchiveGone || !strings.HasPrefix(r.Next[0], "archive again: "+arch+" is no longer there") {
		t.Errorf("report with the archive moved away: %+v %q", r.Archive, r.Next[0])
	}
}

// backupWithCache pulls the rig's repository into a demo trust directory
// and backs it up with trustvault backup to two fake drives; it returns
// one copy.
func backupWithCache(t *testing.T, tv tvRun, ca string) string {
	t.Helper()
	base := t.TempDir()
	trust := filepath.Join(base, "trust")
	if _, err := demo.Generate(trust, demo.Options{}); err != nil {
		t.Fatal(err)
	}
	tv.must(t, 0, "--trust-dir", trust, "pull", rigGUN, ca)
	a, b := filepath.Join(base, "A"), filepath.Join(base, "B")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := drivetest.FakeMachine(filepath.Join(base, "sysroot"), a, b); err != nil {
		t.Fatal(err)
	}
	withDrives := tvRun{env: append(append([]string(nil), tv.env...), envSysroot+"="+filepath.Join(base, "sysroot"))}
	withDrives.must(t, 0, "--trust-dir", trust, "backup", "--to", a, "--to", b)
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "keys-backup-") && strings.HasSuffix(e.Name(), ".tar.gz") {
			return filepath.Join(a, e.Name())
		}
	}
	t.Fatalf("no backup in %s: %v", a, entries)
	return ""
}

func hasTagChange(tags []tagChangeJSON, role, tag, old, new string) bool {
	for _, c := range tags {
		if c.Role == role && c.Tag == tag && c.Old == old && c.New == new {
			return true
		}
	}
	return false
}

// checkWithGNUTar lists and extracts the archive with GNU tar and checks
// its sidecar with sha256sum.
func checkWithGNUTar(t *testing.T, arch string) {
	t.Helper()
	if _, err := exec.LookPath("tar"); err != nil {
		t.Fatal("GNU tar is needed: run .ci/setup test")
	}
	x := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", arch, "-C", x).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf %s: %v\n%s", arch, err, out)
	}
	meta := filepath.Join(x, "tuf", filepath.FromSlash(rigGUN), "metadata")
	for _, f := range []string{"root.json", "1.root.json", "timestamp.json", "snapshot.json", "targets.json", "targets/releases.json", "targets/alice/bob.json"} {
		if _, err := os.Stat(filepath.Join(meta, f)); err != nil {
			t.Errorf("extracted archive lacks %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(x, "tuf", "archive.json")); err != nil {
		t.Errorf("extracted archive lacks its manifest: %v", err)
	}
	cmd := exec.Command("sha256sum", "-c", filepath.Base(arch)+".sha256")
	cmd.Dir = filepath.Dir(arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
}

func TestPullTokenAuthFromDockerConfig(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{Auth: remotetest.TokenAuth})
	n := rig.NewNotary(t)
	n.Login(remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	n.Init(rigGUN)
	v1 := n.AddTag(rigGUN, "v1", []byte("one"))

	login := func(tv tvRun, user, pass string) {
		dir := filepath.Join(strings.TrimPrefix(tv.env[1], "DOCKER_CONFIG="))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		cfg := `{"auths":{"registry.test":{"auth":"` + auth + `"}}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tv := newTV(t)
	login(tv, remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	tv.must(t, 0, "pull", rigGUN, "--server", rig.URL, "--tlscacert", rig.CAFile)
	tv.must(t, 0, "inspect", rigGUN+":v1", "--offline", "--digest", "sha256:"+v1.SHA256)
	issued := false
	for _, r := range rig.Issuer.Requests() {
		if r.User == remotetest.DefaultUser.Name && r.Status == 200 {
			issued = true
		}
	}
	if !issued {
		t.Errorf("no token was issued to %s: %+v", remotetest.DefaultUser.Name, rig.Issuer.Requests())
	}

	wrong := newTV(t)
	login(wrong, remotetest.DefaultUser.Name, "S3cret-Wr0ng-pw")
	_, errOut := wrong.must(t, 1, "pull", rigGUN, "--server", rig.URL, "--tlscacert", rig.CAFile)
	if !strings.Contains(errOut, "credentials refused") || !strings.Contains(errOut, "docker login") || strings.Contains(errOut, "S3cret") {
		t.Errorf("pull with a wrong password said:\n%s", errOut)
	}
	_, errOut = newTV(t).must(t, 2, "inspect", rigGUN+":v1", "--server", rig.URL, "--tlscacert", rig.CAFile, "--digest", "sha256:"+v1.SHA256)
	if !strings.Contains(errOut, "credentials refused") {
		t.Errorf("inspect --digest without credentials said:\n%s", errOut)
	}
}

// home is the HOME the runs get.
func (r tvRun) home() string {
	for _, kv := range r.env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			return v
		}
	}
	return ""
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
