//go:build cgo && linux

package hardware_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/hardware/pivtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("TRUSTVAULT_TEST_HELPER") == "tokens" {
		// A child process with no pcscd behind its socket.
		_, err := hardware.Tokens()
		os.Stdout.WriteString(errString(err))
		os.Exit(0)
	}
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		// Fuzzing runs no rig test; a rig in every fuzz worker stalls them
		// (its pcscd outlives a worker, and starts again with the next).
		os.Exit(m.Run())
	}
	pivtest.Main(m)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

var (
	newPIN = []byte("24681357")
	newPUK = []byte("97531864")
)

func cards() []struct {
	name string
	card func(serial uint32) *pivtest.Card
} {
	return []struct {
		name string
		card func(serial uint32) *pivtest.Card
	}{
		{"yubikey4", pivtest.NewYubiKey4},
		{"yubikey5", pivtest.NewYubiKey5},
	}
}

func open(t *testing.T, serial uint32) *hardware.Token {
	t.Helper()
	tok, err := hardware.Open(serial)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tok.Close() })
	return tok
}

// setUp runs the set-up from factory state, with the factory PIN and PUK
// given explicitly, as a person types them.
func setUp(t *testing.T, tok *hardware.Token) {
	t.Helper()
	err := tok.Setup(hardware.SetupRequest{
		PIN: []byte("123456"), PUK: []byte("12345678"), NewPIN: newPIN, NewPUK: newPUK,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTokensDetect(t *testing.T) {
	rig := pivtest.Start(t)
	yk4, yk5 := pivtest.NewYubiKey4(10000001), pivtest.NewYubiKey5(20000002)
	rig.Insert(t, 0, yk4)
	rig.Insert(t, 1, yk5)
	tokens, err := hardware.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 {
		t.Fatalf("%d tokens: %+v", len(tokens), tokens)
	}
	t4, t5 := tokens[0], tokens[1]
	for _, tc := range []struct {
		name     string
		got      any
		want     any
		describe string
	}{
		{"serial 4", t4.Serial, uint32(10000001), ""},
		{"firmware 4", t4.Version.String(), "4.3.7", ""},
		{"model 4", t4.Model, "YubiKey 4", ""},
		{"reader", t4.Reader, rig.ReaderName(0), ""},
		{"PIN retries 4", t4.PIN.Retries, 3, ""},
		{"PIN state 4", t4.PIN.State, hardware.StateUnknown, "a YubiKey 4 cannot say without a try"},
		{"PUK retries 4", t4.PUK.Retries, -1, ""},
		{"PUK state 4", t4.PUK.State, hardware.StateUnknown, ""},
		{"mgmt 4", t4.ManagementKey.State, hardware.StateFactory, "asked by challenge"},
		{"mgmt alg 4", t4.ManagementKey.Algorithm, "3DES", ""},
		{"serial 5", t5.Serial, uint32(20000002), ""},
		{"firmware 5", t5.Version.String(), "5.4.3", ""},
		{"PIN state 5", t5.PIN.State, hardware.StateFactory, "GET METADATA"},
		{"PIN total 5", t5.PIN.Total, 3, ""},
		{"PUK retries 5", t5.PUK.Retries, 3, ""},
		{"PUK state 5", t5.PUK.State, hardware.StateFactory, ""},
		{"mgmt 5", t5.ManagementKey.State, hardware.StateFactory, ""},
		{"set up 4", t4.SetUp(), false, ""},
		{"slots 4", len(t4.Slots), 0, ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if !strings.Contains(t4.ManagementKey.Source, "costs no retry") {
		t.Errorf("YubiKey 4 management key source: %q", t4.ManagementKey.Source)
	}
	// Listing asks; it never sends a PIN.
	for _, c := range []*pivtest.Card{yk4, yk5} {
		if v := c.Verifies(); len(v) != 0 {
			t.Errorf("listing sent %d VERIFY commands with a PIN", len(v))
		}
		if s := c.State(); s.PINRetries != 3 || s.PUKRetries != 3 {
			t.Errorf("listing spent retries: %+v", s)
		}
	}
}

func TestOpenBySerial(t *testing.T) {
	rig := pivtest.Start(t)
	rig.Insert(t, 0, pivtest.NewYubiKey4(10000001))
	rig.Insert(t, 1, pivtest.NewYubiKey4(10000002))
	tok := open(t, 10000002)
	if tok.Serial() != 10000002 || tok.Version().String() != "4.3.7" {
		t.Errorf("opened %d %v", tok.Serial(), tok.Version())
	}
	// Exclusive: a second open of the same token is refused as in use.
	if _, err := hardware.Open(10000002); !errors.Is(err, hardware.ErrInUse) {
		t.Errorf("second open: %v, want ErrInUse", err)
	}
	tokens, err := hardware.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 || tokens[0].Err == nil || !errors.Is(tokens[0].Err, hardware.ErrInUse) || tokens[1].Serial != 10000001 {
		t.Errorf("tokens while one is open: %+v", tokens)
	}
	if _, err := hardware.Open(99); !errors.Is(err, hardware.ErrInUse) {
		t.Errorf("open 99 while a token is held: %v", err)
	}
	tok.Close()
	if _, err := hardware.Open(99); !errors.Is(err, hardware.ErrNotFound) || !strings.Contains(err.Error(), "10000001, 10000002") {
		t.Errorf("open 99: %v", err)
	}
}

func TestSetupFromFactory(t *testing.T) {
	for _, c := range cards() {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.card(30000003)
			rig.Insert(t, 0, card)
			tok := open(t, 30000003)
			setUp(t, tok)
			info, err := tok.Info()
			if err != nil {
				t.Fatal(err)
			}
			if !info.SetUp() {
				t.Errorf("not set up: %+v", info)
			}
			if info.ManagementKey.State != hardware.StateChanged || !info.ManagementKey.Stored {
				t.Errorf("management key: %+v", info.ManagementKey)
			}
			if info.PIN.State != hardware.StateChanged || info.PINChanged.IsZero() {
				t.Errorf("PIN: %+v changed %v", info.PIN, info.PINChanged)
			}
			st := card.State()
			if !bytes.Equal(card.PIN(), newPIN) || !bytes.Equal(card.PUK(), newPUK) || st.MgmtDefault {
				t.Errorf("card after set-up: PIN %q PUK %q %+v", card.PIN(), card.PUK(), st)
			}
			if c.name == "yubikey5" && st.MgmtAlgorithm != 0x0a {
				t.Errorf("YubiKey 5.4: management key algorithm %#x, want AES-192", st.MgmtAlgorithm)
			}
			// The random key is stored under the PIN (PRINTED, 88 { 89 key }).
			printed := st.Objects[0x5fc109]
			if !bytes.Contains(printed, st.ManagementKey) {
				t.Errorf("PRINTED %x does not hold the management key", printed)
			}
			// The factory PIN was sent once: the person gave it.
			if n := card.FactoryPINVerifies(); n != 1 {
				t.Errorf("%d VERIFY commands with the factory PIN, want 1", n)
			}
		})
	}
}

func TestSetupWrongPUKChangesNothingElse(t *testing.T) {
	rig := pivtest.Start(t)
	card := pivtest.NewYubiKey4(30000004)
	rig.Insert(t, 0, card)
	tok := open(t, 30000004)
	err := tok.Setup(hardware.SetupRequest{PIN: []byte("123456"), PUK: []byte("00000000"), NewPIN: newPIN, NewPUK: newPUK})
	var ae *hardware.AuthError
	if !errors.As(err, &ae) || ae.What != "PUK" || ae.Retries != 2 {
		t.Fatalf("set-up with a wrong PUK: %v", err)
	}
	if st := card.State(); !st.MgmtDefault || !bytes.Equal(card.PIN(), []byte("123456")) {
		t.Errorf("a failed set-up changed the token: %+v", st)
	}
}

func TestNoSilentFactoryPIN(t *testing.T) {
	for _, c := range cards() {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.card(40000004)
			rig.Insert(t, 0, card)
			tok := open(t, 40000004)
			if _, err := tok.Info(); err != nil {
				t.Fatal(err)
			}
			// A factory token is not used for keys: no factory PIN, no
			// factory management key.
			_, err := tok.GenerateKey([]byte("123456"), hardware.SlotSignature,
				hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyAlways}, false)
			if !errors.Is(err, hardware.ErrFactoryManagementKey) {
				t.Errorf("generate on a factory token: %v", err)
			}
			if _, err := tok.GenerateKey([]byte("654321"), hardware.SlotSignature,
				hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyAlways}, false); err == nil {
				t.Error("generate with a wrong PIN worked")
			}
			// Only the PINs given were sent: the factory one once, because
			// the caller passed it, and the wrong one once.
			got := card.Verifies()
			if len(got) != 2 || string(got[0]) != "123456" || string(got[1]) != "654321" {
				t.Errorf("VERIFY commands: %q", got)
			}
		})
	}
}

func TestWrongPINBlockAndUnblock(t *testing.T) {
	for _, c := range cards() {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.card(50000005)
			rig.Insert(t, 0, card)
			tok := open(t, 50000005)
			setUp(t, tok)
			for want := 2; want >= 0; want-- {
				err := tok.VerifyPIN([]byte("11111111"))
				var ae *hardware.AuthError
				if !errors.As(err, &ae) || ae.What != "PIN" || ae.Retries != want {
					t.Fatalf("wrong PIN: %v, want %d tries left", err, want)
				}
				if info, err := tok.Info(); err != nil || info.PIN.Retries != want {
					t.Fatalf("retries %d (%v), want %d", info.PIN.Retries, err, want)
				}
			}
			err := tok.VerifyPIN(newPIN)
			var ae *hardware.AuthError
			if !errors.As(err, &ae) || !ae.Blocked() || !strings.Contains(err.Error(), "unblock it with the PUK") {
				t.Fatalf("blocked PIN: %v", err)
			}
			if err := tok.UnblockPIN([]byte("00000000"), []byte("13572468")); !errors.As(err, &ae) || ae.What != "PUK" || ae.Retries != 2 {
				t.Fatalf("unblock with a wrong PUK: %v", err)
			}
			if err := tok.UnblockPIN(newPUK, []byte("13572468")); err != nil {
				t.Fatal(err)
			}
			if err := tok.VerifyPIN([]byte("13572468")); err != nil {
				t.Fatal(err)
			}
			info, err := tok.Info()
			if err != nil || info.PIN.Retries != 3 {
				t.Fatalf("after unblock: %d retries (%v)", info.PIN.Retries, err)
			}
			if c.name == "yubikey5" && info.PUK.Retries != 3 {
				t.Errorf("PUK retries after a good PUK: %d", info.PUK.Retries)
			}
		})
	}
}

func TestGenerateSignAndTouch(t *testing.T) {
	for _, c := range cards() {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.card(60000006)
			rig.Insert(t, 0, card)
			tok := open(t, 60000006)
			setUp(t, tok)
			policy := hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyAlways}
			pub, err := tok.GenerateKey(newPIN, hardware.SlotSignature, policy, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tok.GenerateKey(newPIN, hardware.SlotSignature, policy, false); !errors.Is(err, hardware.ErrSlotInUse) {
				t.Errorf("second generate into 9c: %v", err)
			}
			var touches atomic.Int32
			pinAsked := 0
			s, err := tok.Signer(hardware.SlotSignature, hardware.SignerOptions{
				PIN:   func() ([]byte, error) { pinAsked++; return bytes.Clone(newPIN), nil },
				Touch: func() { touches.Add(1) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if s.TouchPolicy() != hardware.TouchPolicyAlways {
				t.Errorf("touch policy %v", s.TouchPolicy())
			}
			digest := sha256.Sum256([]byte("root.json"))
			// The card takes its time to be touched; the prompt comes first.
			card.SetTouch(func(byte) bool { time.Sleep(50 * time.Millisecond); return true })
			sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), digest[:], sig) {
				t.Error("the signature does not verify with the public key")
			}
			if touches.Load() != 1 || pinAsked != 1 {
				t.Errorf("%d touch prompts, PIN asked %d times", touches.Load(), pinAsked)
			}
			card.SetTouch(func(byte) bool { return false })
			_, err = s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if !errors.Is(err, hardware.ErrTouchTimeout) {
				t.Errorf("no touch: %v", err)
			}
			// A wrong PIN is said as such, and nobody is told to touch a
			// token that will not sign.
			touches.Store(0)
			wrong, err := tok.Signer(hardware.SlotSignature, hardware.SignerOptions{
				PIN:   func() ([]byte, error) { return []byte("99999999"), nil },
				Touch: func() { touches.Add(1) },
			})
			if err != nil {
				t.Fatal(err)
			}
			card.SetTouch(nil)
			_, err = wrong.Sign(rand.Reader, digest[:], crypto.SHA256)
			var ae *hardware.AuthError
			if !errors.As(err, &ae) || ae.Retries != 2 || touches.Load() != 0 {
				t.Errorf("wrong PIN: %v, %d touch prompts", err, touches.Load())
			}
			info, err := tok.Info()
			if err != nil {
				t.Fatal(err)
			}
			si, ok := info.Slot(hardware.SlotSignature)
			if !ok || si.Origin != hardware.OriginGenerated || si.TouchPolicy != hardware.TouchPolicyAlways || si.PINPolicy != hardware.PINPolicyOnce {
				t.Errorf("slot 9c: %+v", si)
			}
		})
	}
}

func selfSigned(t *testing.T, k crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "root"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func TestImportAndCertificate(t *testing.T) {
	for _, c := range cards() {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.card(70000007)
			rig.Insert(t, 0, card)
			tok := open(t, 70000007)
			setUp(t, tok)
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			policy := hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyCached}
			if err := tok.ImportKey(newPIN, hardware.SlotSignature, key, policy, false); err != nil {
				t.Fatal(err)
			}
			if err := tok.SetCertificate(newPIN, hardware.SlotSignature, selfSigned(t, key)); err != nil {
				t.Fatal(err)
			}
			info, err := tok.Info()
			if err != nil {
				t.Fatal(err)
			}
			si, ok := info.Slot(hardware.SlotSignature)
			want := hardware.OriginImported
			if c.name == "yubikey4" {
				want = hardware.OriginUnknown // a YubiKey 4 attests only generated keys
			}
			if !ok || si.Origin != want || si.Certificate == nil || !key.PublicKey.Equal(si.Public) {
				t.Errorf("slot 9c: %+v", si)
			}
			s, err := tok.Signer(hardware.SlotSignature, hardware.SignerOptions{PIN: func() ([]byte, error) { return bytes.Clone(newPIN), nil }})
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte("x"))
			sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil || !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				t.Errorf("sign with the imported key: %v", err)
			}
		})
	}
}

func TestRemovedMidOperation(t *testing.T) {
	rig := pivtest.Start(t)
	card := pivtest.NewYubiKey4(80000008)
	rig.Insert(t, 0, card)
	tok := open(t, 80000008)
	setUp(t, tok)
	if _, err := tok.GenerateKey(newPIN, hardware.SlotSignature, hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyNever}, false); err != nil {
		t.Fatal(err)
	}
	s, err := tok.Signer(hardware.SlotSignature, hardware.SignerOptions{PIN: func() ([]byte, error) { return bytes.Clone(newPIN), nil }})
	if err != nil {
		t.Fatal(err)
	}
	rig.Reader(0).RemoveAfter(1) // the VERIFY goes through, the signature does not
	digest := sha256.Sum256([]byte("x"))
	_, err = s.Sign(rand.Reader, digest[:], crypto.SHA256)
	if !errors.Is(err, hardware.ErrRemoved) {
		t.Fatalf("token pulled out while signing: %v", err)
	}
	tok.Close()
	if _, err := hardware.Open(80000008); !errors.Is(err, hardware.ErrNotFound) {
		t.Errorf("open after removal: %v", err)
	}
}

// No pcscd behind the socket: a child process, since libpcsclite reads
// the socket path once per process.
func TestNoService(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "TRUSTVAULT_TEST_HELPER=tokens", "PCSCLITE_CSOCK_NAME="+t.TempDir()+"/none.comm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), hardware.ErrNoService.Error()) {
		t.Errorf("Tokens without pcscd: %s", out)
	}
}

// yubico-piv-tool, an independent client, reads the emulated YubiKey 4 as
// one: version, serial, PIN tries, and the certificate trustvault stored.
func TestYubicoPIVToolReadsEmulator(t *testing.T) {
	rig := pivtest.Start(t)
	tool, err := exec.LookPath("yubico-piv-tool")
	if err != nil {
		if os.Getenv(pivtest.RequireEnv) == "1" {
			t.Fatal("yubico-piv-tool is not installed (Debian package yubico-piv-tool; .ci/setup test installs it)")
		}
		t.Skip("yubico-piv-tool is not installed (Debian package yubico-piv-tool; .ci/setup test installs it)")
	}
	card := pivtest.NewYubiKey4(10203040)
	rig.Insert(t, 0, card)
	tok := open(t, 10203040)
	setUp(t, tok)
	pub, err := tok.GenerateKey(newPIN, hardware.SlotSignature, hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyNever}, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tok.Signer(hardware.SlotSignature, hardware.SignerOptions{PIN: func() ([]byte, error) { return bytes.Clone(newPIN), nil }})
	if err != nil {
		t.Fatal(err)
	}
	cert := selfSigned(t, s)
	if !cert.PublicKey.(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("certificate key")
	}
	if err := tok.SetCertificate(newPIN, hardware.SlotSignature, cert); err != nil {
		t.Fatal(err)
	}
	tok.Close()
	card.ResetLog()
	cmd := exec.Command(tool, "-r", rig.ReaderName(0), "-a", "status")
	cmd.Env = append(os.Environ(), rig.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("yubico-piv-tool -a status: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Version:\t4.3.7",
		"Serial Number:\t10203040",
		"PIN tries left:\t3",
		"Slot 9c",
		"Subject DN:\tCN=root",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("yubico-piv-tool -a status lacks %q:\n%s", want, out)
		}
	}
	if v := card.Verifies(); len(v) != 0 {
		t.Errorf("yubico-piv-tool status sent a PIN: %q", v)
	}
}
