package passphrase

import (
	"bytes"
	"errors"
	"math"
	mathrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/keyrole"
)

func seededReader(seed byte) *mathrand.ChaCha8 {
	return mathrand.NewChaCha8([32]byte{'p', 'a', 's', 's', seed})
}

// TestWordList checks the list the words mode draws from: the EFF large
// list without its four hyphenated words, no duplicates.
func TestWordList(t *testing.T) {
	words := wordList()
	if len(words) != 7772 || WordListSize() != len(words) {
		t.Fatalf("word list has %d words, want 7776 - 4 = 7772", len(words))
	}
	seen := map[string]bool{}
	for _, w := range words {
		if !isListWord(w) {
			t.Errorf("word %q is not a-z only", w)
		}
		if seen[w] {
			t.Errorf("word %q appears twice", w)
		}
		seen[w] = true
	}
	for _, w := range []string{"abacus", "zoom"} {
		if !seen[w] {
			t.Errorf("word %q is missing", w)
		}
	}
	for _, w := range []string{"drop-down", "felt-tip", "t-shirt", "yo-yo"} {
		if seen[w] {
			t.Errorf("hyphenated word %q is in the list", w)
		}
	}
}

// TestEntropy checks the entropy arithmetic against values computed by hand
// (Python: math.log2 of the products below).
func TestEntropy(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		// want is the hand-computed entropy, formula in the comment.
		want float64
	}{
		// log2(7772 × 7771)
		{"2 words", Spec{Mode: ModeWords, Words: 2, Separator: " "}, 25.847955},
		// sum over i < 5 of log2(7772 - i)
		{"5 words", Spec{Mode: ModeWords, Words: 5, Separator: "-"}, 64.618494},
		// sum over i < 7 of log2(7772 - i)
		{"7 words", DefaultWordSpec(), 90.464592},
		// capitalising adds nothing
		{"7 words capitalised", Spec{Mode: ModeWords, Words: 7, Separator: "", Capitalize: true}, 90.464592},
		// + log2(10 digits × 7 positions)
		{"7 words and a digit", Spec{Mode: ModeWords, Words: 7, Separator: ".", Digit: true}, 96.593875},
		// letters only, no look-alikes: 24 lower + 24 upper, both present:
		// log2(48^12 - 24^12 - 24^12)
		{"12 letters", Spec{Mode: ModeChars, Length: 12}, 67.018845},
		// D = round(20×8/56) = 3: log2(C(20,3) × (48^17 - 2×24^17) × 8^3)
		{"20 letters and digits", DefaultCharSpec(), 114.099159},
		// l=u=24, d=8, s=26, A=82: D = round(20×8/82) = 2, S = round(20×26/82) = 6, L = 12:
		// log2(20!/(12! 2! 6!) × (48^12 - 2×24^12) × 8^2 × 26^6)
		{"20 with symbols", Spec{Mode: ModeChars, Length: 20, Digits: true, Symbols: true}, 122.971559},
		// look-alikes kept: l=u=26, d=10: D = round(16×10/62) = 3, L = 13:
		// log2(C(16,3) × (52^13 - 2×26^13) × 10^3)
		{"16 with look-alikes", Spec{Mode: ModeChars, Length: 16, Digits: true, LookAlikes: true}, 93.200431},
		// the shortest: D = max(1, round(8×8/82)) = 1, S = round(8×26/82) = 3, L = 4:
		// log2(8!/(4! 1! 3!) × (48^4 - 2×24^4) × 8 × 26^3)
		{"8 with symbols", Spec{Mode: ModeChars, Length: 8, Digits: true, Symbols: true}, 47.377807},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.spec.Entropy()
			if math.Abs(got-tc.want) > 1e-5 {
				t.Errorf("Entropy() = %.6f, want %.6f", got, tc.want)
			}
			if s := tc.spec.Strength(); s.Estimated || s.Bits != got {
				t.Errorf("Strength() = %+v", s)
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		want string // "" for valid
	}{
		{"default words", DefaultWordSpec(), ""},
		{"default chars", DefaultCharSpec(), ""},
		{"one word", Spec{Mode: ModeWords, Words: 1, Separator: "-"}, "1 words: choose 2 to 64"},
		{"too many words", Spec{Mode: ModeWords, Words: 65, Separator: "-"}, "65 words"},
		{"letter separator", Spec{Mode: ModeWords, Words: 5, Separator: "x"}, "not letters or digits"},
		{"digit separator", Spec{Mode: ModeWords, Words: 5, Separator: "1"}, "not letters or digits"},
		{"tab separator", Spec{Mode: ModeWords, Words: 5, Separator: "\t"}, "printable ASCII"},
		{"long separator", Spec{Mode: ModeWords, Words: 5, Separator: "-----"}, "too long"},
		{"empty separator", Spec{Mode: ModeWords, Words: 5}, "needs capitalised words"},
		{"empty separator capitalised", Spec{Mode: ModeWords, Words: 5, Capitalize: true}, ""},
		{"space separator", Spec{Mode: ModeWords, Words: 5, Separator: " "}, ""},
		{"short", Spec{Mode: ModeChars, Length: 7}, "7 characters: choose 8 to 256"},
		{"long", Spec{Mode: ModeChars, Length: 257}, "257 characters"},
		{"bad mode", Spec{Mode: 7}, "unknown passphrase mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if tc.want != "" {
				if tc.spec.Entropy() != 0 {
					t.Errorf("Entropy() of an invalid spec = %v, want 0", tc.spec.Entropy())
				}
				if _, err := Generate(tc.spec, seededReader(0)); err == nil {
					t.Errorf("GeneratePassphrase accepted an invalid spec")
				}
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, spec := range []Spec{
		DefaultWordSpec(),
		{Mode: ModeWords, Words: 6, Separator: " ", Capitalize: true, Digit: true},
		DefaultCharSpec(),
		{Mode: ModeChars, Length: 32, Digits: true, Symbols: true},
	} {
		a, err := Generate(spec, seededReader(1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Generate(spec, seededReader(1))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Generate(spec, seededReader(2))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%v: the same seed gave different passphrases", spec.Mode)
		}
		if bytes.Equal(a, c) {
			t.Errorf("%v: different seeds gave the same passphrase", spec.Mode)
		}
	}
}

// TestGenerateWordsShape checks every word-mode option on many draws.
func TestGenerateWordsShape(t *testing.T) {
	inList := map[string]bool{}
	for _, w := range wordList() {
		inList[w] = true
	}
	r := seededReader(3)
	for _, spec := range []Spec{
		DefaultWordSpec(),
		{Mode: ModeWords, Words: 4, Separator: " "},
		{Mode: ModeWords, Words: 6, Separator: "", Capitalize: true},
		{Mode: ModeWords, Words: 5, Separator: "_.", Capitalize: true, Digit: true},
	} {
		for range 500 {
			p, err := Generate(spec, r)
			if err != nil {
				t.Fatal(err)
			}
			words := splitWords(t, string(p), spec)
			if len(words) != spec.Words {
				t.Fatalf("%q has %d words, want %d", p, len(words), spec.Words)
			}
			digits := 0
			seen := map[string]bool{}
			for _, w := range words {
				if spec.Capitalize {
					if w[0] < 'A' || w[0] > 'Z' {
						t.Fatalf("%q: word %q is not capitalised", p, w)
					}
					w = strings.ToLower(w[:1]) + w[1:]
				}
				if d := strings.TrimRight(w, "0123456789"); d != w {
					digits += len(w) - len(d)
					w = d
				}
				if !inList[w] {
					t.Fatalf("%q: %q is not a list word", p, w)
				}
				if seen[w] {
					t.Fatalf("%q repeats %q", p, w)
				}
				seen[w] = true
			}
			if want := map[bool]int{true: 1, false: 0}[spec.Digit]; digits != want {
				t.Fatalf("%q has %d digits, want %d", p, digits, want)
			}
		}
	}
}

// splitWords undoes the word mode's joining.
func splitWords(t *testing.T, p string, spec Spec) []string {
	t.Helper()
	if spec.Separator != "" {
		return strings.Split(p, spec.Separator)
	}
	var words []string
	for i, c := range p {
		if c >= 'A' && c <= 'Z' || i == 0 {
			words = append(words, "")
		}
		words[len(words)-1] += string(c)
	}
	return words
}

// TestGenerateCharsShape checks classes, counts and look-alikes on many
// draws.
func TestGenerateCharsShape(t *testing.T) {
	r := seededReader(4)
	for _, spec := range []Spec{
		{Mode: ModeChars, Length: 8},
		{Mode: ModeChars, Length: 8, Digits: true, Symbols: true},
		DefaultCharSpec(),
		{Mode: ModeChars, Length: 24, Digits: true, Symbols: true},
		{Mode: ModeChars, Length: 16, Digits: true, Symbols: true, LookAlikes: true},
	} {
		cs := spec.charSets()
		_, wantDigits, wantSymbols := spec.classCounts(cs)
		for range 1000 {
			p, err := Generate(spec, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != spec.Length {
				t.Fatalf("%q has length %d, want %d", p, len(p), spec.Length)
			}
			var lower, upper, digits, symbols int
			for _, c := range string(p) {
				switch {
				case strings.ContainsRune(cs.lower, c):
					lower++
				case strings.ContainsRune(cs.upper, c):
					upper++
				case strings.ContainsRune(cs.digits, c):
					digits++
				case strings.ContainsRune(cs.symbols, c):
					symbols++
				default:
					t.Fatalf("%q: character %q is not in the chosen sets", p, c)
				}
				if !spec.LookAlikes && strings.ContainsRune(lookAlikeChars, c) {
					t.Fatalf("%q has the look-alike %q", p, c)
				}
			}
			if lower == 0 || upper == 0 {
				t.Fatalf("%q lacks a case", p)
			}
			if digits != wantDigits || symbols != wantSymbols {
				t.Fatalf("%q has %d digits and %d symbols, want %d and %d", p, digits, symbols, wantDigits, wantSymbols)
			}
		}
	}
}

// TestGenerateNoRepeats draws many passphrases of each kind: none repeats.
func TestGenerateNoRepeats(t *testing.T) {
	r := seededReader(5)
	for _, spec := range []Spec{
		{Mode: ModeWords, Words: 4, Separator: "-"}, // 51.7 bits: a repeat in 20000 draws has odds of 2^-24
		{Mode: ModeChars, Length: 10, Digits: true},
	} {
		seen := map[string]bool{}
		for range 20000 {
			p, err := Generate(spec, r)
			if err != nil {
				t.Fatal(err)
			}
			if seen[string(p)] {
				t.Fatalf("%v: %q drawn twice", spec.Mode, p)
			}
			seen[string(p)] = true
		}
	}
}

// chiSquare is Pearson's statistic for counts against a uniform
// expectation.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	want := float64(total) / float64(len(counts))
	var x float64
	for _, c := range counts {
		d := float64(c) - want
		x += d * d / want
	}
	return x
}

// looseBound is mean + 6 standard deviations of a chi-square with df degrees
// of freedom: a biased generator exceeds it, a fair one practically never.
func looseBound(df int) float64 { return float64(df) + 6*math.Sqrt(2*float64(df)) }

// TestGenerateWordsUniform checks that words are drawn uniformly: word
// indexes fall evenly into 64 buckets.
func TestGenerateWordsUniform(t *testing.T) {
	index := map[string]int{}
	for i, w := range wordList() {
		index[w] = i
	}
	const buckets = 64
	counts := make([]int, buckets)
	spec := Spec{Mode: ModeWords, Words: 8, Separator: " "}
	r := seededReader(6)
	for range 4000 {
		p, err := Generate(spec, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range strings.Fields(string(p)) {
			counts[index[w]*buckets/len(index)]++
		}
	}
	if x := chiSquare(counts); x > looseBound(buckets-1) {
		t.Errorf("word buckets: chi-square %.1f > %.1f: %v", x, looseBound(buckets-1), counts)
	}
}

// TestGenerateCharsUniform checks that each class's characters are drawn
// uniformly, and that digits are spread evenly over the positions.
func TestGenerateCharsUniform(t *testing.T) {
	spec := Spec{Mode: ModeChars, Length: 24, Digits: true, Symbols: true}
	cs := spec.charSets()
	letters := cs.lower + cs.upper
	count := map[rune]int{}
	positions := make([]int, spec.Length)
	r := seededReader(7)
	for range 5000 {
		p, err := Generate(spec, r)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range string(p) {
			count[c]++
			if strings.ContainsRune(cs.digits, c) {
				positions[i]++
			}
		}
	}
	for name, set := range map[string]string{"letters": letters, "digits": cs.digits, "symbols": cs.symbols} {
		counts := make([]int, len(set))
		for i, c := range set {
			counts[i] = count[c]
		}
		if x := chiSquare(counts); x > looseBound(len(set)-1) {
			t.Errorf("%s: chi-square %.1f > %.1f: %v", name, x, looseBound(len(set)-1), counts)
		}
	}
	if x := chiSquare(positions); x > looseBound(len(positions)-1) {
		t.Errorf("digit positions: chi-square %.1f > %.1f: %v", x, looseBound(len(positions)-1), positions)
	}
}

func TestWordsFor(t *testing.T) {
	for _, tc := range []struct {
		bits float64
		want int
	}{
		{1, 2}, {25.8, 2}, {25.9, 3}, {64, 5}, {64.7, 6}, {80, 7}, {90.4, 7}, {90.5, 8}, {128, 10},
	} {
		if got := WordsFor(tc.bits); got != tc.want {
			t.Errorf("WordsFor(%v) = %d, want %d", tc.bits, got, tc.want)
		}
	}
}

func TestEstimateStrength(t *testing.T) {
	for _, tc := range []struct {
		pass     string
		hints    []string
		min, max float64
	}{
		{"", nil, 0, 0},
		{"password123", nil, 0, 10},
		{"12345678", nil, 0, 10},
		{"aaaaaaaaaaaaaaaaaaaaaaaaa", nil, 0, 20},
		{"Tr0ub4dor&3", nil, 30, 50},
		{"correct horse battery staple", nil, 40, 64},
		{"zOkwLa$GR7U}ePZ30+iW", nil, 100, 140},
		// The repository's name counts for little.
		{"docker.io/library/alpine", []string{"root", "docker.io/library/alpine"}, 0, 10},
	} {
		s := Estimate([]byte(tc.pass), tc.hints...)
		if !s.Estimated || s.Bits < tc.min || s.Bits > tc.max {
			t.Errorf("EstimateStrength(%q) = %+v, want estimated bits in [%v, %v]", tc.pass, s, tc.min, tc.max)
		}
	}
	// A generated passphrase typed back is estimated at no less than the
	// policy asks for: a person who pastes one at a prompt is not refused.
	r := seededReader(8)
	for range 50 {
		for _, spec := range []Spec{DefaultWordSpec(), {Mode: ModeWords, Words: 7, Capitalize: true}, DefaultCharSpec()} {
			p, err := Generate(spec, r)
			if err != nil {
				t.Fatal(err)
			}
			if err := DefaultPolicy().CheckTyped("root", "", p); err != nil {
				t.Errorf("generated %v passphrase (%.0f bits) typed back: %v", spec.Mode, spec.Entropy(), err)
			}
		}
	}
	// Long input is cut, quickly.
	long := bytes.Repeat([]byte("Xq7#"), 1000)
	if s := Estimate(long); s.Bits <= 0 {
		t.Errorf("EstimateStrength(4000 bytes) = %+v", s)
	}
}

func TestPolicy(t *testing.T) {
	p := DefaultPolicy()
	for _, tc := range []struct {
		role string
		bits float64
		est  bool
		want string // "" for accepted
	}{
		{"root", 90.46, false, ""},
		{"root", 80, false, ""},
		{"root", 77.54, false, "passphrase too weak for a root key: 77 bits, the minimum is 80"},
		{"root", 38.2, true, "passphrase too weak for a root key: about 38 bits, the minimum is 80"},
		{"targets", 64.6, false, ""},
		{"targets", 63.9, true, "passphrase too weak for a targets key: about 63 bits, the minimum is 64"},
		{"snapshot", 64, false, ""},
		{"snapshot", 50, false, "for a snapshot key: 50 bits, the minimum is 64"},
		{"timestamp", 40, true, "for a timestamp key: about 40 bits"},
		{"targets/releases", 64, false, ""},
		{"targets/releases", 51.7, false, "for a delegation key (targets/releases): 51 bits, the minimum is 64"},
		{"alice", 20, true, "for a delegation key (alice): about 20 bits"},
		{"", 20, true, "for a delegation key: about 20 bits"},
	} {
		err := p.Check(tc.role, Strength{Bits: tc.bits, Estimated: tc.est})
		if tc.want == "" {
			if err != nil {
				t.Errorf("Check(%q, %v) = %v, want nil", tc.role, tc.bits, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%q, %v) = %v, want %q", tc.role, tc.bits, err, tc.want)
			continue
		}
		var weak *WeakError
		if !errors.Is(err, ErrWeak) || !errors.As(err, &weak) || weak.Min != p.Min(keyrole.KindOf(tc.role)) || weak.Words() != WordsFor(float64(weak.Min)) {
			t.Errorf("Check(%q, %v) = %#v: want a *WeakPassphraseError with the minimum", tc.role, tc.bits, err)
		}
	}
	// Generated defaults pass for every kind; four words fail even for a
	// delegation.
	for _, kind := range keyrole.Kinds() {
		if err := p.Check(kind.String(), DefaultWordSpec().Strength()); err != nil {
			t.Errorf("default words for %v: %v", kind, err)
		}
		if err := p.Check(kind.String(), (Spec{Mode: ModeWords, Words: 4, Separator: "-"}).Strength()); err == nil {
			t.Errorf("four words for %v accepted", kind)
		}
	}
	// Typed passphrases go through the estimate, hints included.
	if err := p.CheckTyped("targets", "example.com/app", []byte("example.com/app")); !errors.Is(err, ErrWeak) {
		t.Errorf("CheckTyped(GUN as passphrase) = %v", err)
	}
	// The error never carries the passphrase.
	secret := []byte("Hunter2-Hunter2")
	err := p.CheckTyped("root", "", secret)
	if err == nil || strings.Contains(err.Error(), string(secret)) {
		t.Errorf("CheckTyped = %v", err)
	}
	// A custom policy without a kind falls back to its root minimum.
	custom := Policy{MinBits: map[keyrole.Kind]int{keyrole.Root: 100}}
	if custom.Min(keyrole.Targets) != 100 || (Policy{}).Min(keyrole.Targets) != MinBitsRoot {
		t.Errorf("fallback minimums: %d, %d", custom.Min(keyrole.Targets), (Policy{}).Min(keyrole.Targets))
	}
}

func TestParsePassphraseMode(t *testing.T) {
	for _, m := range []Mode{ModeWords, ModeChars} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParsePassphraseMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseMode("bytes"); err == nil {
		t.Error("ParsePassphraseMode(bytes) succeeded")
	}
}
