package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestManifestOfHostileRegistry: the digest signed is the sha256 of the
// bytes read; a registry whose header disagrees, an oversized or empty
// answer, and a missing tag are refused with the registry named.
func TestManifestOfHostileRegistry(t *testing.T) {
	good := []byte(`{"schemaVersion":2}`)
	sum := sha256.Sum256(good)
	digest := hex.EncodeToString(sum[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "application/vnd.oci.image.index.v1+json") {
			http.Error(w, "no accept", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/manifests/good"):
			w.Header().Set("Docker-Content-Digest", "sha256:"+digest)
			w.Write(good)
		case strings.HasSuffix(r.URL.Path, "/manifests/lies"):
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("0", 64))
			w.Write(good)
		case strings.HasSuffix(r.URL.Path, "/manifests/huge"):
			chunk := []byte(strings.Repeat("x", 1<<16))
			for i := 0; i < MaxManifestSize/len(chunk)+2; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case strings.HasSuffix(r.URL.Path, "/manifests/empty"):
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
		}
	}))
	defer srv.Close()
	o := Options{GUN: "registry.test/team/app", TrustDir: t.TempDir()}
	ctx := context.Background()
	m, err := ManifestOf(ctx, o, srv.URL, "good")
	if err != nil || m.Digest != digest || m.Size != int64(len(good)) || m.Path != "team/app" {
		t.Fatalf("good: %+v, %v", m, err)
	}
	for tag, want := range map[string]string{
		"lies":  "is not the sha256 of the manifest it sent",
		"huge":  "response too large",
		"empty": "an empty manifest",
		"gone":  "no such manifest in the registry",
	} {
		_, err := ManifestOf(ctx, o, srv.URL, tag)
		var se *ServerError
		if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "registry "+srv.URL) {
			t.Errorf("%s: %v, want an error from the registry saying %q", tag, err, want)
		}
	}
	if _, err := ManifestOf(ctx, o, srv.URL, "a/b"); err == nil || !strings.Contains(err.Error(), "is not a tag name") {
		t.Errorf("a bad tag: %v", err)
	}
	if got := RepositoryPath("docker.io/library/alpine"); got != "library/alpine" {
		t.Errorf("RepositoryPath: %s", got)
	}
	if got := RegistryURL("docker.io/library/alpine"); got != "https://registry-1.docker.io" {
		t.Errorf("RegistryURL: %s", got)
	}
}
