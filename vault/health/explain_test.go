package health_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// readError reads one testdata/explain file: the header lines ("# ...")
// dropped, $NAME replaced from vars.
func readError(t *testing.T, name string, vars map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "explain", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		lines = lines[1:]
	}
	text := strings.Join(lines, "\n")
	for k, v := range vars {
		text = strings.ReplaceAll(text, "$"+k, v)
	}
	return text
}

// TestExplainRealErrors explains every error string in testdata/explain
// (captured from notary v0.7.0 and docker 28.2.2, or taken from their
// source where a server is needed; see the README there) against the demo
// vault, or for the passwd captures against a store holding their key.
func TestExplainRealErrors(t *testing.T) {
	info, demoStore := vaulttest.Demo(t)
	var targetsWeb string
	for _, r := range info.Repositories {
		if r.GUN == "registry.example.com/acme/web" {
			targetsWeb = r.Keys["targets"][0]
		}
	}
	vars := map[string]string{"MISSING": info.Missing.ID, "TARGETS_WEB": targetsWeb}

	// The store of the passwd captures: their root key, and nothing else.
	passwdDir := filepath.Join(t.TempDir(), "trust")
	key, err := os.ReadFile(filepath.Join("testdata", "explain", "passwd-fixture-root.key"))
	if err != nil {
		t.Fatal(err)
	}
	const passwdKey = "10e52c9874ee8fb6a5170ed1098a79de0468741f2cf5c7e29cfddd8f08a0fb85"
	if err := os.MkdirAll(filepath.Join(passwdDir, "private"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(passwdDir, "private", passwdKey+".key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	passwdStore, err := vault.Open(passwdDir)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		file  string
		store *vault.Store
		cause string   // the first explanation's
		also  []string // later explanations' causes
		gun   string
		role  string
		here  []string // in the first explanation's Here
		fix   []string // in its Fix
	}{
		{file: "notary-passwd-prompt-wrong.txt", store: passwdStore, cause: health.CauseWrongPass,
			here: []string{"key 10e52c9 is in this trust directory"}, fix: []string{"NOTARY_ROOT_PASSPHRASE", "trustvault export --public 10e52c9"}},
		{file: "notary-passwd-env-wrong.txt", store: passwdStore, cause: health.CauseWrongPass, fix: []string{"NOTARY_ROOT_PASSPHRASE"}},
		{file: "notary-passwd-env-wrong.txt", store: demoStore, cause: health.CauseKeyNotFound, fix: []string{"~/.notary"}},
		{file: "notary-passwd-unknown-key.txt", store: passwdStore, cause: health.CauseKeyNotFound,
			here: []string{"neither in this trust directory nor named by any metadata"}},
		{file: "notary-key-remove-unknown.txt", store: demoStore, cause: health.CauseKeyNotFound, fix: []string{"trustvault list"}},
		{file: "notary-no-terminal.txt", store: demoStore, cause: health.CauseNoPassphrase, fix: []string{"NOTARY_ROOT_PASSPHRASE"}},
		{file: "docker-load-wrong-passphrase.txt", store: demoStore, cause: health.CauseWrongPass,
			fix: []string{"DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE", "hmacWithSHA256"}},
		{file: "docker-load-mode.txt", store: demoStore, cause: health.CauseFileMode, fix: []string{"chmod 600 plain.pem"}},
		{file: "notary-list-timestamp-expired.txt", store: demoStore, cause: health.CauseExpired, also: []string{health.CauseOffline},
			role: "timestamp", fix: []string{"renews the timestamp"}},
		{file: "notary-debug-timestamp-expired.txt", store: demoStore, cause: health.CauseExpired, role: "timestamp"},
		{file: "docker-inspect-expired.txt", store: demoStore, cause: health.CauseExpired, also: []string{health.CauseNoTrustData},
			gun: "registry.example.com/acme/web", role: "timestamp", here: []string{"the cached timestamp of registry.example.com/acme/web expires on"}},
		{file: "docker-inspect-no-signatures.txt", store: demoStore, cause: health.CauseNoTrustData,
			gun: "registry.example.com/acme/web", here: []string{"metadata of registry.example.com/acme/web is cached here"}},
		{file: "notary-root-tampered.txt", store: demoStore, cause: health.CauseRootTrust, also: []string{health.CauseOffline}, fix: []string{"rm -rf "}},
		{file: "notary-rotate-offline.txt", store: demoStore, cause: health.CauseOffline},
		{file: "docker-sign-offline.txt", store: demoStore, cause: health.CauseOffline, fix: []string{"DOCKER_CONTENT_TRUST_SERVER"}},
		{file: "notary-import-no-path.txt", store: demoStore, cause: health.CauseImportNoPath, fix: []string{"trustvault import"}},
		{file: "source-threshold.txt", store: demoStore, cause: health.CauseThreshold, gun: "registry.example.com/acme/web", role: "targets",
			here: []string{"targets needs 1 of 1 keys; 1 of them are here"}, fix: []string{"witness --publish registry.example.com/acme/web targets", "trustvault rotate registry.example.com/acme/web targets"}},
		{file: "source-no-signing-keys.txt", store: demoStore, cause: health.CauseMissingKey, gun: "registry.example.com/acme/api",
			here: []string{"targets/bob of registry.example.com/acme/api", "is not in this trust directory"},
			fix:  []string{"trustvault guide " + vault.ShortID(info.Missing.ID) + " --gun registry.example.com/acme/api"}},
		{file: "source-touch.txt", store: demoStore, cause: health.CauseMissingKey, gun: "registry.example.com/acme/web",
			here: []string{"key " + vault.ShortID(targetsWeb) + " (targets of registry.example.com/acme/web) is in this trust directory"},
			fix:  []string{"NOTARY_TARGETS_PASSPHRASE", "touch it"}},
		{file: "source-out-of-date.txt", store: demoStore, cause: health.CauseExpired, gun: "docker.io/acme/tools", role: "targets",
			here: []string{"the cached targets of docker.io/acme/tools expires on 2026-12-03"}, fix: []string{"witness --publish docker.io/acme/tools targets"}},
		{file: "source-root-rotation.txt", store: demoStore, cause: health.CauseRootTrust, gun: "registry.example.com/acme/web",
			here: []string{"the cached root of registry.example.com/acme/web names root key"}},
		{file: "source-no-valid-trust-data.txt", store: demoStore, cause: health.CauseNoTrustData},
		{file: "source-repository-not-exist.txt", store: demoStore, cause: health.CauseNoTrustData, gun: "registry.example.com/acme/new",
			here: []string{"no metadata of registry.example.com/acme/new is cached here"}},
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "explain", "*.txt"))
	tested := map[string]bool{}
	for _, tc := range cases {
		tested[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			es := health.ExplainStore(tc.store, readError(t, tc.file, vars), vaulttest.Now(), "")
			if len(es) == 0 {
				t.Fatal("no explanation")
			}
			e := es[0]
			var causes []string
			for _, x := range es {
				causes = append(causes, x.Cause)
			}
			if e.Cause != tc.cause {
				t.Fatalf("causes %q, want %s first", causes, tc.cause)
			}
			for _, c := range tc.also {
				if !strings.Contains(strings.Join(causes, " "), c) {
					t.Errorf("causes %q lack %s", causes, c)
				}
			}
			if tc.gun != "" && e.GUN != tc.gun {
				t.Errorf("GUN %q, want %q", e.GUN, tc.gun)
			}
			if tc.role != "" && e.Role != tc.role {
				t.Errorf("role %q, want %q", e.Role, tc.role)
			}
			here := strings.Join(e.Here, "\n")
			for _, h := range tc.here {
				if !strings.Contains(here, h) {
					t.Errorf("Here lacks %q:\n%s", h, here)
				}
			}
			for _, f := range tc.fix {
				if !strings.Contains(e.Fix, f) {
					t.Errorf("Fix lacks %q:\n%s", f, e.Fix)
				}
			}
			if e.Title == "" || e.Fix == "" {
				t.Errorf("empty title or fix: %+v", e)
			}
		})
	}
	for _, f := range files {
		if !tested[filepath.Base(f)] {
			t.Errorf("%s has no test case", f)
		}
	}
}

// TestExplainTLSExpiry: an expired TLS certificate is the server's, not
// expired metadata.
func TestExplainTLSExpiry(t *testing.T) {
	es := health.Explain(health.ExplainInput{Text: `Error: error contacting notary server: tls: failed to verify certificate: x509: certificate has expired or is not yet valid`, Now: vaulttest.Now()})
	if len(es) != 1 || es[0].Cause != health.CauseOffline {
		t.Errorf("%+v", es)
	}
}

func TestExplainUnknown(t *testing.T) {
	_, s := vaulttest.Demo(t)
	es := health.ExplainStore(s, "something else went wrong", vaulttest.Now(), "")
	if len(es) != 1 || es[0].Cause != health.CauseNotRecognised || !strings.Contains(es[0].Fix, "trustvault doctor") {
		t.Errorf("%+v", es)
	}
}

func FuzzExplain(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "explain", "*.txt"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, text string) {
		es := health.Explain(health.ExplainInput{Text: text, Now: vaulttest.Now()})
		if len(es) == 0 {
			t.Fatal("no explanation")
		}
	})
}
