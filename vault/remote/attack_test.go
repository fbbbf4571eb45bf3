package remote_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/tuf"
)

// mirror serves copies of real metadata, as a notary server names them,
// so that a test can change what a client gets.
type mirror struct {
	srv    *httptest.Server
	caFile string
	files  map[string][]byte // name below …/_trust/tuf/ → body
}

func newMirror(t *testing.T) *mirror {
	m := &mirror{files: map[string][]byte{}}
	m.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/v2/"+gun+"/_trust/tuf/")
		data, have := m.files[name]
		if !ok || !have {
			http.Error(w, `{"errors":[{"code":"METADATA_NOT_FOUND","message":"not here"}]}`, http.StatusNotFound)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(m.srv.Close)
	m.caFile = filepath.Join(t.TempDir(), "mirror-ca.pem")
	pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.srv.Certificate().Raw})
	if err := os.WriteFile(m.caFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

// serve replaces what the mirror serves with a repository's files.
func (m *mirror) serve(files map[string][]byte) {
	m.files = map[string][]byte{}
	for role, data := range files {
		m.put(role, data)
	}
}

// put serves data as role's current file and by its hash (and a root by
// its version).
func (m *mirror) put(role string, data []byte) {
	m.files[role+".json"] = data
	sum := sha256.Sum256(data)
	m.files[role+"."+hex.EncodeToString(sum[:])+".json"] = data
	if role == "root" {
		if md, err := tuf.Parse(data); err == nil {
			m.files[strconv.Itoa(md.Version)+".root.json"] = data
		}
	}
}

func (m *mirror) options(trustDir string) remote.Options {
	return remote.Options{GUN: gun, Server: m.srv.URL, CAFile: m.caFile, TrustDir: trustDir, Timeout: 10 * time.Second}
}

func copyFiles(in map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range in {
		out[k] = bytes.Clone(v)
	}
	return out
}

// resign replaces a file's signatures with one by key (the signed object
// is kept as it is, or changed by edit first).
func resign(t *testing.T, data []byte, key *ecdsa.PrivateKey, id string, edit func(map[string]any)) []byte {
	t.Helper()
	var env struct {
		Signed json.RawMessage `json:"signed"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Signed))
	dec.UseNumber()
	var signed map[string]any
	if err := dec.Decode(&signed); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(signed)
	}
	out, err := tuf.Sign(signed, rand.Reader, tuf.Signer{KeyID: id, Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAttacksRefused(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	n := rig.NewNotary(t)
	n.Init(gun)
	n.AddTag(gun, "v1", []byte("one"))
	u1, err := remote.Pull(context.Background(), options(rig, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	n.AddTag(gun, "v2", []byte("two"))
	u2, err := remote.Pull(context.Background(), options(rig, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := u1.Repo.Files, u2.Repo.Files
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	strangerKey, _ := tuf.NewKey(stranger.Public())
	m := newMirror(t)

	tests := []struct {
		name    string
		trusted map[string][]byte // what the cache holds first (pulled from the mirror)
		serve   func() map[string][]byte
		at      time.Time
		want    error
	}{
		{"tampered target hash", v1, func() map[string][]byte {
			f := copyFiles(v2)
			sum := sha256.Sum256([]byte("two"))
			evil := sha256.Sum256([]byte("evil"))
			f["targets"] = bytes.Replace(f["targets"], []byte(b64(string(sum[:]))), []byte(b64(string(evil[:]))), 1)
			if bytes.Equal(f["targets"], v2["targets"]) {
				t.Fatal("target hash not found in targets.json")
			}
			m.serve(v2)
			m.put("targets", f["targets"]) // served where the snapshot's hash says
			sn := tuf.NewFileMeta(v2["targets"])
			m.files["targets."+hex.EncodeToString(sn.Hashes["sha256"])+".json"] = f["targets"]
			return nil
		}, time.Time{}, tuf.ErrHashMismatch},
		{"timestamp signed by a key not in root", v1, func() map[string][]byte {
			f := copyFiles(v2)
			f["timestamp"] = resign(t, f["timestamp"], stranger, strangerKey.ID(), nil)
			return f
		}, time.Time{}, tuf.ErrUnknownKey},
		{"timestamp without its signature", v1, func() map[string][]byte {
			f := copyFiles(v2)
			var env map[string]json.RawMessage
			json.Unmarshal(f["timestamp"], &env)
			env["signatures"] = json.RawMessage("[]")
			f["timestamp"], _ = json.Marshal(env)
			return f
		}, time.Time{}, tuf.ErrThreshold},
		{"rollback to an older version", v2, func() map[string][]byte { return v1 }, time.Time{}, tuf.ErrRollback},
		{"freeze: an expired timestamp", v1, func() map[string][]byte { return v1 }, time.Now().Add(15 * 24 * time.Hour), tuf.ErrExpired},
		{"snapshot lying about targets", v1, func() map[string][]byte {
			m.serve(v2)
			sn := tuf.NewFileMeta(v2["targets"])
			m.files["targets."+hex.EncodeToString(sn.Hashes["sha256"])+".json"] = v1["targets"]
			return nil
		}, time.Time{}, tuf.ErrHashMismatch},
		{"oversized root", v1, func() map[string][]byte {
			f := copyFiles(v2)
			f["root"] = append(bytes.Clone(v2["root"]), bytes.Repeat([]byte(" "), remote.MaxRootSize)...)
			return f
		}, time.Time{}, remote.ErrTooLarge},
		{"snapshot longer than recorded", v1, func() map[string][]byte {
			m.serve(v2)
			sn := tuf.NewFileMeta(v2["snapshot"])
			m.files["snapshot."+hex.EncodeToString(sn.Hashes["sha256"])+".json"] = append(bytes.Clone(v2["snapshot"]), ' ')
			return nil
		}, time.Time{}, remote.ErrTooLarge},
		{"root rotation not signed by the old root", v1, func() map[string][]byte {
			f := copyFiles(v2)
			f["root"] = newRootOnly(t, v2["root"])
			return f
		}, time.Time{}, tuf.ErrRootRotation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trustDir := t.TempDir()
			m.serve(tt.trusted)
			if _, err := remote.Pull(context.Background(), m.options(trustDir)); err != nil {
				t.Fatalf("pulling the good copy: %v", err)
			}
			before := snapshotDir(t, trustDir)
			if files := tt.serve(); files != nil {
				m.serve(files)
			}
			o := m.options(trustDir)
			o.At = tt.at
			_, err := remote.Pull(context.Background(), o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), gun) {
				t.Errorf("error does not name the repository: %v", err)
			}
			if !sameFiles(before, snapshotDir(t, trustDir)) {
				t.Error("the refused update changed the cache")
			}
			t.Logf("refused: %v", err)
		})
	}

	// The frozen copy is fine when checked at a time before it expired.
	trustDir := t.TempDir()
	m.serve(v1)
	o := m.options(trustDir)
	o.At = time.Now().Add(time.Hour)
	if _, err := remote.Pull(context.Background(), o); err != nil {
		t.Errorf("pull at a time before expiry: %v", err)
	}
}

// newRootOnly makes root version+1 of a real root.json whose root key is a
// new one, signed by that new key alone.
func newRootOnly(t *testing.T, rootData []byte) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	certPEM, err := tuf.NewRootCertificate(key, gun, time.Now().Add(-time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := tuf.NewCertificateKey(certPEM)
	return resign(t, rootData, key, k.ID(), func(s map[string]any) {
		keys := s["keys"].(map[string]any)
		roles := s["roles"].(map[string]any)
		root := roles["root"].(map[string]any)
		for _, old := range root["keyids"].([]any) {
			delete(keys, old.(string))
		}
		keys[k.ID()] = map[string]any{"keytype": k.Type, "keyval": map[string]any{"private": nil, "public": k.Public}}
		root["keyids"] = []any{k.ID()}
		v, _ := s["version"].(json.Number).Int64()
		s["version"] = v + 1
	})
}
