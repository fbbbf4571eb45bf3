package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// DefaultWorkFactor is age's own scrypt work factor (about a second).
const DefaultWorkFactor = 18

const (
	ageHeader  = "age-encryption.org/v1\n"
	armorBegin = "-----BEGIN AGE ENCRYPTED FILE-----"
)

// IsEncrypted reports whether data is an age file (binary or armored).
func IsEncrypted(data []byte) bool {
	return bytes.HasPrefix(data, []byte(ageHeader)) || bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armorBegin))
}

// Encrypt encrypts data for a passphrase with age's scrypt recipient, as
// `age -p` does. workFactor 0 is DefaultWorkFactor. age takes the
// passphrase as a string: that copy cannot be zeroed.
func Encrypt(data, passphrase []byte, workFactor int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("encrypt: empty passphrase")
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if workFactor == 0 {
		workFactor = DefaultWorkFactor
	}
	r.SetWorkFactor(workFactor)
	var out bytes.Buffer
	out.Grow(len(data) + len(data)/64 + 512)
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil { // the last chunk is written here
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return out.Bytes(), nil
}

// Decrypt decrypts an age file with a passphrase, reading at most limit
// bytes of plaintext. A wrong passphrase is ErrWrongPassphrase.
func Decrypt(data, passphrase []byte, limit int64) ([]byte, error) {
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	id.SetMaxWorkFactor(22)
	var src io.Reader = bytes.NewReader(data)
	if !bytes.HasPrefix(data, []byte(ageHeader)) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
	}
	r, err := age.Decrypt(src, id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("%w: age: %v", ErrDamaged, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: age: %v", ErrDamaged, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%w: it decrypts to more than %d bytes", ErrTooLarge, limit)
	}
	return out, nil
}
