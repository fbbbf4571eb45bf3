// Package passphrase generates passphrases (EFF words or random
// characters) and token PINs, estimates the strength of typed ones, and
// holds trustvault's policy: 80 bits for root keys, 64 for the others.
//
// Randomness comes in as an io.Reader; secrets are []byte and zeroed by
// the caller. It imports vault/keyrole, go-password, go-diceware and the
// zxcvbn estimator; nothing of the key store.
package passphrase
