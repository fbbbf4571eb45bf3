package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// DefaultWorkFactor is age's own scrypt work factor (about a second, and
// 256 MiB of memory), which trustvault writes.
const DefaultWorkFactor = 18

// MaxWorkFactor is the largest scrypt work factor Encrypt writes and
// Decrypt accepts: what trustvault and `age -p` write. Each step doubles
// scrypt's memory (2^N × 1 KiB): age's own limit, 22, lets an archive make
// its reader allocate 4 GiB before the passphrase is even checked.
const MaxWorkFactor = DefaultWorkFactor

// WorkFactorError is an archive whose age header asks for more scrypt work
// than MaxWorkFactor. It is refused before scrypt runs; errors.Is(err,
// ErrUnsafe) holds.
type WorkFactorError struct {
	// Factor is the header's work factor as written ("22").
	Factor string
	Limit  int
}

func (e *WorkFactorError) Error() string {
	return fmt.Sprintf("the archive asks for scrypt work factor %s, more than %d (what trustvault and age -p write): it was not made by trustvault; refused without running scrypt", e.Factor, e.Limit)
}

func (e *WorkFactorError) Unwrap() error { return ErrUnsafe }

// boundedScrypt is age's scrypt identity behind a check of the work
// factor, so that the refusal names the factor and the limit.
type boundedScrypt struct{ id *age.ScryptIdentity }

func (b boundedScrypt) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != "scrypt" || len(s.Args) != 2 {
			continue
		}
		// age accepts only decimal digits here (and refuses the rest
		// itself); more than two of them is beyond any limit.
		arg := s.Args[1]
		if n, err := strconv.Atoi(arg); err == nil && n > MaxWorkFactor || err != nil && len(arg) > 2 && strings.Trim(arg, "0123456789") == "" {
			return nil, &WorkFactorError{Factor: arg, Limit: MaxWorkFactor}
		}
	}
	return b.id.Unwrap(stanzas)
}

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
	if workFactor < 1 || workFactor > MaxWorkFactor {
		return nil, fmt.Errorf("encrypt: scrypt work factor %d is outside 1 to %d, which trustvault reads back", workFactor, MaxWorkFactor)
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
	id.SetMaxWorkFactor(MaxWorkFactor)
	var src io.Reader = bytes.NewReader(data)
	if !bytes.HasPrefix(data, []byte(ageHeader)) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
	}
	r, err := age.Decrypt(src, boundedScrypt{id})
	if err != nil {
		var wf *WorkFactorError
		if errors.As(err, &wf) {
			return nil, wf
		}
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
