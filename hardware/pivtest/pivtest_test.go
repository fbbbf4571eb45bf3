//go:build cgo

package pivtest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/trustvault/trustvault/hardware/pivtest"
)

func TestMain(m *testing.M) { pivtest.Main(m) }

// piv-go itself against the emulator, through pcscd: the emulator answers
// the calls trustvault makes, as a YubiKey 4 and as a 5.
func TestPivGoAgainstEmulator(t *testing.T) {
	for _, tc := range []struct {
		name string
		card *pivtest.Card
	}{
		{"yubikey4", pivtest.NewYubiKey4(10000001)},
		{"yubikey5", pivtest.NewYubiKey5(20000002)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			rig.Insert(t, 0, tc.card)
			yk, err := piv.Open(rig.ReaderName(0))
			if err != nil {
				t.Fatal(err)
			}
			defer yk.Close()
			v := tc.card.Version()
			if got := yk.Version(); got.Major != int(v[0]) || got.Minor != int(v[1]) || got.Patch != int(v[2]) {
				t.Errorf("version %v, want %v", got, v)
			}
			serial, err := yk.Serial()
			if err != nil || serial != tc.card.Serial() {
				t.Errorf("serial %d, %v; want %d", serial, err, tc.card.Serial())
			}
			if n, err := yk.Retries(); err != nil || n != 3 {
				t.Errorf("retries %d, %v", n, err)
			}
			err = yk.VerifyPIN("999999")
			var ae piv.AuthErr
			if !errors.As(err, &ae) || ae.Retries != 2 {
				t.Errorf("wrong PIN: %v", err)
			}
			pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
				Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyOnce, TouchPolicy: piv.TouchPolicyAlways})
			if err != nil {
				t.Fatal(err)
			}
			priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{PIN: piv.DefaultPIN})
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte("hello"))
			sig, err := priv.(crypto.Signer).Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), digest[:], sig) {
				t.Error("signature does not verify")
			}
			att, err := yk.Attest(piv.SlotSignature)
			if err != nil {
				t.Fatal(err)
			}
			attCert, err := yk.AttestationCertificate()
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(tc.card.AttestationRoot())
			a, err := (&piv.Verifier{Roots: roots}).Verify(attCert, att)
			if err != nil {
				t.Fatal(err)
			}
			if a.PINPolicy != piv.PINPolicyOnce || a.TouchPolicy != piv.TouchPolicyAlways {
				t.Errorf("attested policies %v %v", a.PINPolicy, a.TouchPolicy)
			}
		})
	}
}
