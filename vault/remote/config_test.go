package remote

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNotaryConfig(t *testing.T) {
	dir := "/etc/notary"
	nc, ca, err := ParseNotaryConfig([]byte(`{"trust_dir":"trust","remote_server":{"url":" https://notary.example:4443 ","root_ca":"/abs/ca.crt"},
		"trust_pinning":{"certs":{"a/b":["id1"]},"ca":{"a/":"pinned.crt"},"disable_tofu":true}}`), dir)
	if err != nil {
		t.Fatal(err)
	}
	if nc.TrustDir != "/etc/notary/trust" || nc.Server != "https://notary.example:4443" || nc.RootCA != "/abs/ca.crt" {
		t.Errorf("got %+v", nc)
	}
	if !nc.Pinning.DisableTOFU || nc.Pinning.Certs["a/b"][0] != "id1" || ca["a/"] != "/etc/notary/pinned.crt" {
		t.Errorf("pinning %+v, ca files %v", nc.Pinning, ca)
	}
	for _, bad := range []string{`[]`, `{"trust_pinning":{"ca":{"x":""}}}`, `{"trust_dir":5}`} {
		if _, _, err := ParseNotaryConfig([]byte(bad), dir); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestDockerCredentials(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("ann:pa:ss"))
	helperDir := t.TempDir()
	// A credential helper speaking docker's protocol: the server URL on
	// standard input, JSON on standard output. (The token-flow interop
	// test uses config.json's auths against the real server.)
	script := "#!/bin/sh\nread url\ncase \"$url\" in\n" +
		"reg.example) echo '{\"ServerURL\":\"reg.example\",\"Username\":\"helper-user\",\"Secret\":\"helper-secret\"}';;\n" +
		"https://index.docker.io/v1/) echo '{\"ServerURL\":\"hub\",\"Username\":\"hub-user\",\"Secret\":\"s\"}';;\n" +
		"*) echo 'credentials not found in native keychain'; exit 1;;\nesac\n"
	if err := os.WriteFile(filepath.Join(helperDir, "docker-credential-test"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + helperDir + ":/usr/bin:/bin"}
	t.Setenv("PATH", env[0][5:])
	tests := []struct {
		name, config, host, user, pass string
		bad                            bool
	}{
		{"auths by host", `{"auths":{"reg.example":{"auth":"` + auth + `"}}}`, "reg.example", "ann", "pa:ss", false},
		{"auths by URL", `{"auths":{"https://reg.example/v2/":{"auth":"` + auth + `"}}}`, "reg.example", "ann", "pa:ss", false},
		{"no entry", `{"auths":{"other":{"auth":"` + auth + `"}}}`, "reg.example", "", "", false},
		{"credHelpers", `{"credHelpers":{"reg.example":"test"},"auths":{"reg.example":{"auth":"` + auth + `"}}}`, "reg.example", "helper-user", "helper-secret", false},
		{"credsStore for hub", `{"credsStore":"test"}`, "docker.io", "hub-user", "s", false},
		{"credsStore not found", `{"credsStore":"test"}`, "nowhere.example", "", "", false},
		{"helper missing", `{"credsStore":"absent"}`, "reg.example", "", "", true},
		{"bad base64", `{"auths":{"reg.example":{"auth":"%%%"}}}`, "reg.example", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dc, err := ParseDockerConfig([]byte(tt.config))
			if err != nil {
				t.Fatal(err)
			}
			c, err := dc.Credentials(context.Background(), tt.host, env)
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if err != nil {
				if strings.Contains(err.Error(), "pa:ss") {
					t.Errorf("secret in error: %v", err)
				}
				return
			}
			gotUser, gotPass := "", ""
			if c != nil {
				gotUser, gotPass = c.Username, c.Password
			}
			if gotUser != tt.user || gotPass != tt.pass {
				t.Errorf("got %q/%q, want %q/%q", gotUser, gotPass, tt.user, tt.pass)
			}
		})
	}
	if _, err := ParseDockerConfig([]byte(`{"credsStore":"../../bin/sh"}`)); err == nil {
		t.Error("a helper name with a path accepted")
	}
}

func TestRegistryHostAndGUN(t *testing.T) {
	for gun, host := range map[string]string{"registry.test/team/app": "registry.test", "localhost/a": "localhost",
		"127.0.0.1:5000/x": "127.0.0.1:5000", "library/alpine": "docker.io", "docker.io/library/alpine": "docker.io"} {
		if got := RegistryHost(gun); got != host {
			t.Errorf("RegistryHost(%q) = %q, want %q", gun, got, host)
		}
	}
	for _, bad := range []string{"", "a//b", "../x", "a/./b", "a b", "a?b", "a%2fb"} {
		if ValidGUN(bad) == nil {
			t.Errorf("GUN %q accepted", bad)
		}
	}
	if err := ValidGUN("host:4443/team/app-1_x.y"); err != nil {
		t.Error(err)
	}
}

func FuzzParseDockerConfig(f *testing.F) {
	f.Add([]byte(`{"auths":{"reg.example":{"auth":"YW5uOnB3"}},"credsStore":"pass","credHelpers":{"a":"b"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dc, err := ParseDockerConfig(data)
		if err != nil {
			return
		}
		for _, name := range append([]string{dc.CredsStore}, mapValues(dc.CredHelpers)...) {
			if name != "" && strings.ContainsAny(name, "/\\") {
				t.Fatalf("helper name %q accepted", name)
			}
		}
		if dc.CredsStore == "" && len(dc.CredHelpers) == 0 {
			_, _ = dc.Credentials(context.Background(), "reg.example", nil)
		}
	})
}

func FuzzParseNotaryConfig(f *testing.F) {
	f.Add([]byte(`{"trust_dir":"t","remote_server":{"url":"https://x","root_ca":"ca"},"trust_pinning":{"certs":{"a":["b"]},"ca":{"a":"f"},"disable_tofu":true}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		nc, ca, err := ParseNotaryConfig(data, "/base")
		if err != nil {
			return
		}
		if nc.TrustDir != "" && !filepath.IsAbs(nc.TrustDir) {
			t.Fatalf("trust dir %q not absolute", nc.TrustDir)
		}
		for _, file := range ca {
			if !filepath.IsAbs(file) {
				t.Fatalf("CA file %q not absolute", file)
			}
		}
	})
}

func FuzzServerResponses(f *testing.F) {
	f.Add([]byte(`{"token":"abc"}`))
	f.Add([]byte(`{"access_token":"abc","expires_in":60}`))
	f.Add([]byte(`{"errors":[{"code":"METADATA_NOT_FOUND","message":"You have requested metadata that does not exist.","detail":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if tok, err := ParseTokenResponse(data); err == nil && (tok == "" || strings.ContainsAny(tok, " \r\n")) {
			t.Fatalf("token %q accepted", tok)
		}
		if s := serverErrorCode(data); strings.ContainsAny(s, "\r\n\x00") || len(s) > 210 {
			t.Fatalf("error code %q not made printable", s)
		}
	})
}
