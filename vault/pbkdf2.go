package vault

import (
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// deriveKey is PBKDF2 (RFC 8018 §5.2) with the blocks of the derived key
// computed on goroutines of their own. Every block is an independent chain
// of iterations, and a 32-byte AES-256 key from PBKDF2-HMAC-SHA1 is two
// 20-byte blocks: on two cores the derivation takes half the time of
// crypto/pbkdf2 and of `openssl kdf`, which compute the blocks one after the
// other. Each iteration is the standard library's HMAC, which hashes the
// ipad and opad blocks once and restores those states on Reset, so an
// iteration is two compression calls in its assembly SHA-1 (SHA-NI where the
// CPU has it); a hand-written SHA-1 in Go measured slower than that here.
func deriveKey(h func() hash.Hash, password, salt []byte, iterations, keyLen int) ([]byte, error) {
	if iterations < 1 || keyLen < 1 {
		return nil, errors.New("pbkdf2: iterations and key length must be positive")
	}
	size := h().Size()
	blocks := (keyLen + size - 1) / size
	if uint64(blocks) > 1<<32-1 {
		return nil, errors.New("pbkdf2: derived key too long")
	}
	dk := make([]byte, blocks*size)
	if blocks == 1 {
		pbkdf2Block(h, password, salt, iterations, 1, dk)
		return dk[:keyLen], nil
	}
	var wg sync.WaitGroup
	for i := range blocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pbkdf2Block(h, password, salt, iterations, uint32(i+1), dk[i*size:(i+1)*size])
		}()
	}
	wg.Wait()
	return dk[:keyLen], nil
}

// pbkdf2Block writes T_i = U_1 ^ U_2 ^ ... ^ U_c into out.
func pbkdf2Block(h func() hash.Hash, password, salt []byte, iterations int, i uint32, out []byte) {
	prf := hmac.New(h, password)
	prf.Write(salt)
	var be [4]byte
	binary.BigEndian.PutUint32(be[:], i)
	prf.Write(be[:])
	u := prf.Sum(make([]byte, 0, prf.Size()))
	copy(out, u)
	for range iterations - 1 {
		prf.Reset()
		prf.Write(u)
		u = prf.Sum(u[:0])
		for j := range out {
			out[j] ^= u[j]
		}
	}
	zero(u)
}
