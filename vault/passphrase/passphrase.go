package passphrase

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"sync"
	"unicode"

	"github.com/sethvargo/go-diceware/diceware"
	"github.com/sethvargo/go-password/password"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// Passphrase generation, strength and policy.
//
// Two generators, each with its entropy computed exactly from its
// parameters (the passphrase is a uniform draw from a set of known size, so
// the entropy is log2 of that size):
//
//   - Words: words drawn from the EFF large word list (Electronic Frontier
//     Foundation, https://www.eff.org/dice, licensed CC BY 3.0 US) as
//     embedded by github.com/sethvargo/go-diceware, with its dice
//     (5 unbiased rolls per word). The list's four hyphenated words
//     (drop-down, felt-tip, t-shirt, yo-yo) are left out, so every word is
//     a-z only and a passphrase splits back into its words without
//     ambiguity: 7,772 words, 12.92 bits each. Words do not repeat within
//     a passphrase (as go-diceware's own Generate does), so n words carry
//     log2(7772 × 7771 × … × (7772-n+1)) bits. Capitalising adds nothing;
//     the optional digit, appended to one word chosen at random, adds
//     log2(10 × n).
//   - Characters: github.com/sethvargo/go-password. It draws the letters
//     (lower and upper case together), then exactly numDigits digits and
//     exactly numSymbols symbols, each uniformly and with repeats allowed,
//     and inserts every character at a uniformly random position. The
//     result is uniform over the strings of that length with exactly D
//     digits, S symbols and L letters. trustvault sets D and S in
//     proportion to the sizes of the character sets (at least one each
//     when the class is chosen) and draws again until both cases are
//     present, so the passphrase is uniform over a set of
//     n!/(L!·D!·S!) × ((l+u)^L − l^L − u^L) × d^D × s^S strings, where l,
//     u, d, s are the sizes of the sets after look-alikes are removed.
//
// go-password returns a string, which cannot be zeroed; the []byte copy
// handed to the caller can. Word passphrases are built in a []byte from
// the start.

// PassphraseMode is how a passphrase is generated.
type Mode int

const (
	// ModeWords joins words from the EFF large word list.
	ModeWords Mode = iota
	// ModeChars draws random characters.
	ModeChars
	// ModeDigits draws decimal digits: PINs and PUKs (see DefaultPINSpec).
	ModeDigits
)

func (m Mode) String() string {
	switch m {
	case ModeChars:
		return "chars"
	case ModeDigits:
		return "digits"
	}
	return "words"
}

// ParsePassphraseMode parses "words" or "chars".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "words":
		return ModeWords, nil
	case "chars":
		return ModeChars, nil
	case "digits":
		return ModeDigits, nil
	}
	return 0, fmt.Errorf("unknown passphrase mode %q: want words, chars or digits", s)
}

// Character sets of the character mode.
const (
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars = "0123456789"
	// symbolChars leaves out what shells, CI variable syntaxes and YAML
	// interpret or that is hard to read: quotes, backslash, backtick, $ and
	// |. A passphrase without them survives `export VAR='...'` and a GitLab
	// CI variable unchanged.
	symbolChars = "!#%&()*+,-./:;<=>?@[]^_{}~"
	// lookAlikeChars are left out unless LookAlikes is set.
	lookAlikeChars = "0Oo1lI|"
)

// Limits of PassphraseSpec.
const (
	MinWords        = 2
	MaxWords        = 64
	MinLength       = 8
	MaxLength       = 256
	maxSeparatorLen = 4
	// maxEstimateLen bounds what the strength estimator reads: zxcvbn's
	// matching grows steeply with length (about 25 ms at 100 characters,
	// half a second at 200). Whatever follows only adds strength, so the
	// estimate of a longer passphrase is a lower bound.
	maxEstimateLen = 100
)

// PassphraseSpec describes a passphrase to generate. Start from
// DefaultWordSpec or DefaultCharSpec.
type Spec struct {
	Mode Mode

	// Words is the number of words (words mode).
	Words int
	// Separator goes between words: up to 4 characters, none a letter or
	// digit. An empty separator needs Capitalize, or the words would run
	// together ambiguously.
	Separator string
	// Capitalize writes every word with a capital first letter. It adds no
	// entropy.
	Capitalize bool
	// Digit appends one random digit to one word chosen at random.
	Digit bool

	// Length is the number of characters (chars mode). Lower and upper
	// case letters are always used, and both always appear.
	Length int
	// Digits and Symbols add those classes; each chosen class appears.
	Digits  bool
	Symbols bool
	// LookAlikes keeps characters that are easily mistaken for one another
	// (0 O o 1 l I |); by default they are left out.
	LookAlikes bool
}

// DefaultWordSpec is seven words separated by "-": about 90 bits, enough
// for a root key.
func DefaultWordSpec() Spec {
	return Spec{Mode: ModeWords, Words: 7, Separator: "-"}
}

// DefaultCharSpec is 20 letters and digits without look-alikes: about 114
// bits.
func DefaultCharSpec() Spec {
	return Spec{Mode: ModeChars, Length: 20, Digits: true}
}

// Validate checks the parameters of the spec's mode.
func (s Spec) Validate() error {
	switch s.Mode {
	case ModeWords:
		if s.Words < MinWords || s.Words > MaxWords {
			return fmt.Errorf("%d words: choose %d to %d", s.Words, MinWords, MaxWords)
		}
		if len(s.Separator) > maxSeparatorLen {
			return fmt.Errorf("separator %q is too long: use at most %d characters", s.Separator, maxSeparatorLen)
		}
		for _, r := range s.Separator {
			if r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsLetter(r) || unicode.IsDigit(r) {
				return fmt.Errorf("separator %q: use printable ASCII characters that are not letters or digits", s.Separator)
			}
		}
		if s.Separator == "" && !s.Capitalize {
			return errors.New("an empty separator needs capitalised words, or the words run together ambiguously")
		}
	case ModeChars:
		if s.Length < MinLength || s.Length > MaxLength {
			return fmt.Errorf("%d characters: choose %d to %d", s.Length, MinLength, MaxLength)
		}
	case ModeDigits:
		return validateDigits(s)
	default:
		return fmt.Errorf("unknown passphrase mode %d", int(s.Mode))
	}
	return nil
}

// Entropy is the spec's entropy in bits, exact for the generator (see the
// package comment on passphrases); 0 for an invalid spec.
func (s Spec) Entropy() float64 {
	if s.Validate() != nil {
		return 0
	}
	return log2Big(s.space())
}

// Strength is the spec's entropy as a Strength.
func (s Spec) Strength() Strength { return Strength{Bits: s.Entropy()} }

// space is the number of passphrases the spec can produce, each equally
// likely.
func (s Spec) space() *big.Int {
	if s.Mode == ModeDigits {
		return digitsSpace(s)
	}
	if s.Mode == ModeWords {
		n := falling(wordListSize, int64(s.Words))
		if s.Digit {
			n.Mul(n, big.NewInt(int64(10*s.Words)))
		}
		return n
	}
	cs := s.charSets()
	l, d, sym := s.classCounts(cs)
	// Positions of the classes: the multinomial n! / (L! D! S!).
	n := new(big.Int).MulRange(1, int64(s.Length))
	n.Quo(n, new(big.Int).MulRange(1, int64(l)))
	n.Quo(n, new(big.Int).MulRange(1, int64(d)))
	n.Quo(n, new(big.Int).MulRange(1, int64(sym)))
	// Letters with at least one of each case.
	lo, up := big.NewInt(int64(len(cs.lower))), big.NewInt(int64(len(cs.upper)))
	both := pow(new(big.Int).Add(lo, up), l)
	both.Sub(both, pow(lo, l))
	both.Sub(both, pow(up, l))
	n.Mul(n, both)
	n.Mul(n, pow(big.NewInt(int64(len(cs.digits))), d))
	n.Mul(n, pow(big.NewInt(int64(len(cs.symbols))), sym))
	return n
}

// charSets are the character mode's sets, look-alikes removed unless asked
// for; digits and symbols are empty when not chosen.
type charSets struct{ lower, upper, digits, symbols string }

func (s Spec) charSets() charSets {
	strip := func(set string) string {
		if s.LookAlikes {
			return set
		}
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(lookAlikeChars, r) {
				return -1
			}
			return r
		}, set)
	}
	cs := charSets{lower: strip(lowerChars), upper: strip(upperChars)}
	if s.Digits {
		cs.digits = strip(digitChars)
	}
	if s.Symbols {
		cs.symbols = strip(symbolChars)
	}
	return cs
}

// classCounts splits Length into letters, digits and symbols in proportion
// to the sets' sizes (what a uniform draw from their union gives on
// average), with at least one of each chosen class.
func (s Spec) classCounts(cs charSets) (letters, digits, symbols int) {
	total := float64(len(cs.lower) + len(cs.upper) + len(cs.digits) + len(cs.symbols))
	share := func(set string) int {
		if set == "" {
			return 0
		}
		return max(1, int(math.Round(float64(s.Length)*float64(len(set))/total)))
	}
	digits, symbols = share(cs.digits), share(cs.symbols)
	return s.Length - digits - symbols, digits, symbols
}

// GeneratePassphrase draws a passphrase to spec with randomness from r
// (crypto/rand when r is nil). The caller should zero it when done.
func Generate(spec Spec, r io.Reader) ([]byte, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("passphrase: %w", err)
	}
	if r == nil {
		r = rand.Reader
	}
	var p []byte
	var err error
	if spec.Mode == ModeDigits {
		p, err = generateDigits(spec, r)
	} else if spec.Mode == ModeWords {
		p, err = generateWords(spec, r)
	} else {
		p, err = generateChars(spec, r)
	}
	if err != nil {
		return nil, fmt.Errorf("generate a passphrase: %w", err)
	}
	return p, nil
}

func generateWords(spec Spec, r io.Reader) ([]byte, error) {
	gen, err := diceware.NewGenerator(&diceware.GeneratorInput{RandReader: r})
	if err != nil {
		return nil, err
	}
	list := diceware.WordListEffLarge()
	words := make([]string, 0, spec.Words)
	seen := make(map[string]bool, spec.Words)
	for len(words) < spec.Words {
		roll, err := gen.RollWord(list.Digits())
		if err != nil {
			return nil, err
		}
		w := list.WordAt(roll)
		if !isListWord(w) || seen[w] {
			continue // a hyphenated word, or a repeat: roll again
		}
		seen[w] = true
		words = append(words, w)
	}
	digitAt, digit := -1, 0
	if spec.Digit {
		if digitAt, err = randInt(r, spec.Words); err != nil {
			return nil, err
		}
		if digit, err = randInt(r, 10); err != nil {
			return nil, err
		}
	}
	size := len(spec.Separator) * (spec.Words - 1)
	for _, w := range words {
		size += len(w)
	}
	p := make([]byte, 0, size+1)
	for i, w := range words {
		if i > 0 {
			p = append(p, spec.Separator...)
		}
		start := len(p)
		p = append(p, w...)
		if spec.Capitalize {
			p[start] -= 'a' - 'A'
		}
		if i == digitAt {
			p = append(p, byte('0'+digit))
		}
	}
	return p, nil
}

func generateChars(spec Spec, r io.Reader) ([]byte, error) {
	cs := spec.charSets()
	_, digits, symbols := spec.classCounts(cs)
	gen, err := password.NewGenerator(&password.GeneratorInput{
		LowerLetters: cs.lower,
		UpperLetters: cs.upper,
		// go-password replaces an empty set by its default; with a count
		// of 0 the set is never drawn from.
		Digits:  orDefault(cs.digits, digitChars),
		Symbols: orDefault(cs.symbols, symbolChars),
		Reader:  r,
	})
	if err != nil {
		return nil, err
	}
	// Draw until both cases appear. The chance of missing one is below
	// 2 × 2^-L with L >= 2 letters, so a few draws at most.
	for {
		s, err := gen.Generate(spec.Length, digits, symbols, false, true)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(s, cs.lower) && strings.ContainsAny(s, cs.upper) {
			return []byte(s), nil
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// randInt is an unbiased integer in [0, n).
func randInt(r io.Reader, n int) (int, error) {
	v, err := rand.Int(r, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(v.Int64()), nil
}

// wordList is the EFF large list without its hyphenated words, in dice
// order.
var wordList = sync.OnceValue(func() []string {
	list := diceware.WordListEffLarge()
	var words []string
	var walk func(prefix, depth int)
	walk = func(prefix, depth int) {
		if depth == list.Digits() {
			if w := list.WordAt(prefix); isListWord(w) {
				words = append(words, w)
			}
			return
		}
		for d := 1; d <= 6; d++ {
			walk(prefix*10+d, depth+1)
		}
	}
	walk(0, 0)
	return words
})

// isListWord reports whether a word of the EFF list is used: a-z only.
func isListWord(w string) bool {
	if w == "" {
		return false
	}
	for _, c := range []byte(w) {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// wordListSize is len(wordList()) (TestWordList checks it), known without
// building the list: help texts and entropies need only the number, and
// building the list costs more than the rest of a command's start-up.
const wordListSize = 7772

// WordListSize is the number of words the words mode draws from.
func WordListSize() int { return wordListSize }

// WordsFor is the smallest number of generated words (DefaultWordSpec
// otherwise) whose entropy reaches bits.
func WordsFor(bits float64) int {
	spec := DefaultWordSpec()
	for spec.Words = MinWords; spec.Words < MaxWords; spec.Words++ {
		if spec.Entropy() >= bits {
			break
		}
	}
	return spec.Words
}

// falling is n × (n-1) × … × (n-k+1).
func falling(n, k int64) *big.Int {
	if k <= 0 {
		return big.NewInt(1)
	}
	return new(big.Int).MulRange(n-k+1, n)
}

func pow(b *big.Int, e int) *big.Int { return new(big.Int).Exp(b, big.NewInt(int64(e)), nil) }

// log2Big is log2(n) for n >= 1.
func log2Big(n *big.Int) float64 {
	if n.Sign() <= 0 {
		return 0
	}
	mant := new(big.Float)
	exp := new(big.Float).SetInt(n).MantExp(mant) // n = mant × 2^exp, mant in [0.5, 1)
	m, _ := mant.Float64()
	return float64(exp) + math.Log2(m)
}

// Strength is how hard a passphrase is to guess, in bits.
type Strength struct {
	Bits float64
	// Estimated is true for a passphrase a person chose (zxcvbn's estimate)
	// and false for a generated one (the generator's exact entropy).
	Estimated bool
}

// String is e.g. "90 bits" or "about 38 bits".
func (s Strength) String() string {
	b := fmt.Sprintf("%d bits", int(math.Floor(s.Bits)))
	if s.Estimated {
		return "about " + b
	}
	return b
}

// EstimateStrength estimates the strength of a passphrase a person typed,
// with the zxcvbn model (estimate.go): dictionary words, names,
// keyboard patterns, repeats, sequences and dates count for little. hints
// are words the passphrase should not lean on (the repository name, the
// role). Only the first 100 bytes are examined; the estimate of a longer
// passphrase is a lower bound.
//
// The estimator takes a string, so the passphrase is copied into memory that
// cannot be zeroed; it lives until the garbage collector reuses it.
func Estimate(passphrase []byte, hints ...string) Strength {
	p := passphrase
	if len(p) > maxEstimateLen {
		p = p[:maxEstimateLen]
	}
	if len(p) == 0 {
		return Strength{Estimated: true}
	}
	var inputs []string
	for _, h := range hints {
		if h == "" {
			continue
		}
		inputs = append(inputs, h)
		// A GUN's path segments are words of their own.
		inputs = append(inputs, strings.FieldsFunc(h, func(r rune) bool { return r == '/' || r == '.' || r == ':' })...)
	}
	return Strength{Bits: estimateBits(string(p), inputs), Estimated: true}
}

// ErrWeakPassphrase means a new passphrase is below the policy's minimum for
// its key. The error is a *WeakPassphraseError.
var ErrWeak = errors.New("passphrase too weak")

// WeakPassphraseError says how weak a refused passphrase is. It never holds
// the passphrase.
type WeakError struct {
	// Role is the key's role header; Kind its kind.
	Role     string
	Kind     keyrole.Kind
	Strength Strength
	// Min is the policy's minimum for Kind, in bits.
	Min int
}

func (e *WeakError) Error() string {
	return fmt.Sprintf("passphrase too weak for %s: %s, the minimum is %d", kindPhrase(e.Role, e.Kind), e.Strength, e.Min)
}

func (e *WeakError) Unwrap() error { return ErrWeak }

// Words is the number of generated words that reaches the minimum, for
// advice such as "use 7 generated words or a longer passphrase".
func (e *WeakError) Words() int { return WordsFor(float64(e.Min)) }

// kindPhrase is "a root key", "a delegation key (targets/releases)".
func kindPhrase(role string, kind keyrole.Kind) string {
	s := "a " + kind.String() + " key"
	if role != "" && role != kind.String() {
		s += " (" + role + ")"
	}
	return s
}

// Policy sets the minimum strength of a new passphrase for each kind of key.
// It applies to generated and typed passphrases alike: generated ones are
// measured by their exact entropy, typed ones by zxcvbn's estimate.
type Policy struct {
	// MinBits maps each kind of key to its minimum, in bits. A kind that
	// is missing takes the root minimum, the strictest.
	MinBits map[keyrole.Kind]int
}

// Default minimums. The attacker's budget is an offline guess against a
// stolen key file; each guess costs the file's PBKDF2 work, which for
// notary's own files (2048 iterations, what --compat writes) is only about
// 2^12 SHA-1 computations.
//
//   - Root, 80 bits: the root key lives for 10 years, cannot be revoked or
//     recovered without the notary server's operator, and may sit on a
//     backup drive beyond the owner's control. 2^80 guesses × 2^12 is about
//     2^92 SHA-1 computations, out of reach of any attacker for its lifetime
//     even at notary's iteration count. Seven generated words (90 bits)
//     meet it.
//   - Targets, snapshot, timestamp and delegations, 64 bits: these keys
//     can be rotated with the root key when lost or stolen, and expire
//     within 3 years. 2^64 × 2^12 (2^85 at the hardened count) is still far
//     beyond a well-funded attacker's reach. Five generated words (64.6
//     bits) meet it.
//
// notary's own rule, 8 characters typed at a prompt, allows passphrases
// that zxcvbn puts at 20 to 40 bits.
const (
	MinBitsRoot = 80
	MinBitsKey  = 64
)

// DefaultPolicy is trustvault's policy (see MinBitsRoot, MinBitsKey).
func DefaultPolicy() Policy {
	return Policy{MinBits: map[keyrole.Kind]int{
		keyrole.Root:       MinBitsRoot,
		keyrole.Targets:    MinBitsKey,
		keyrole.Snapshot:   MinBitsKey,
		keyrole.Timestamp:  MinBitsKey,
		keyrole.Delegation: MinBitsKey,
	}}
}

// Min is the minimum for a kind of key, in bits.
func (p Policy) Min(kind keyrole.Kind) int {
	if m, ok := p.MinBits[kind]; ok {
		return m
	}
	if m, ok := p.MinBits[keyrole.Root]; ok {
		return m
	}
	return MinBitsRoot
}

// Check refuses a new passphrase of strength s for a key with this role
// header with a *WeakPassphraseError when it is below the minimum.
func (p Policy) Check(role string, s Strength) error {
	kind := keyrole.KindOf(role)
	if least := p.Min(kind); s.Bits < float64(least) {
		return &WeakError{Role: role, Kind: kind, Strength: s, Min: least}
	}
	return nil
}

// CheckTyped estimates a typed passphrase's strength (with the role and
// gun as hints) and checks it.
func (p Policy) CheckTyped(role, gun string, passphrase []byte) error {
	return p.Check(role, Estimate(passphrase, role, gun))
}
