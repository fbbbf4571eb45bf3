package passphrase

// The strength estimator: the zxcvbn model (Daniel Lowe Wheeler, "zxcvbn:
// realistic password strength estimation", Dropbox 2012) in its first,
// entropy-based form. The passphrase is covered by the cheapest sequence of
// patterns it contains (ranked dictionary words, also reversed and in l33t
// spelling; keyboard walks; repeats; sequences; years, dates and digit
// runs); what no pattern covers is guessed character by character. The
// estimate is the entropy of that cheapest cover.
//
// It is written here rather than taken from a zxcvbn package because the Go
// ports parse their dictionaries in package init(): every run of the binary
// paid tens of milliseconds for them, `trustvault list` and shell completion
// included. Here the dictionaries are parsed on the first estimate only
// (sync.Once). The ranked word lists and keyboard graphs are the data the
// zxcvbn ports ship, read through the data package of
// github.com/ccojocar/zxcvbn-go, which stores them compressed and has no
// init work of its own.

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"unicode"

	zxdata "github.com/ccojocar/zxcvbn-go/data"
)

// estimatorData is what the estimator reads, loaded once.
type estimatorData struct {
	ranked map[string]int // lower-case word -> best rank in any list (1 = most common)
	graphs []keyGraph
	leet   map[rune][]rune // letter -> the characters that stand for it
	unleet map[rune][]rune // character -> the letters it stands for
}

// keyGraph is a keyboard: for each key, its neighbours by direction (each
// neighbour is a key's unshifted and shifted characters, "" for none).
type keyGraph struct {
	adj       map[rune][]string
	starts    float64 // keys on the keyboard
	avgDegree float64 // average number of neighbours
	shifted   bool    // has shifted characters (not a keypad)
}

var (
	estimatorOnce sync.Once
	estimator     *estimatorData
)

// loadEstimator parses the word lists and keyboards on first use. The data
// is compiled in; a parse failure is a build defect, so it panics.
func loadEstimator() *estimatorData {
	estimatorOnce.Do(func() {
		d := &estimatorData{ranked: make(map[string]int, 100000)}
		for _, name := range []string{"Passwords", "English", "MaleNames", "FemaleNames", "Surnames"} {
			var list struct{ List []string }
			mustAssetJSON("data/"+name+".json", &list)
			for i, w := range list.List {
				w = strings.ToLower(w)
				if r, ok := d.ranked[w]; !ok || i+1 < r {
					d.ranked[w] = i + 1
				}
			}
		}
		for _, kb := range []struct {
			file    string
			shifted bool
		}{{"Qwerty", true}, {"Dvorak", true}, {"Keypad", false}, {"MacKeypad", false}} {
			d.graphs = append(d.graphs, loadKeyGraph("data/"+kb.file+".json", kb.shifted))
		}
		var leet struct{ Graph map[string][]string }
		mustAssetJSON("data/L33t.json", &leet)
		d.leet, d.unleet = map[rune][]rune{}, map[rune][]rune{}
		for letter, subs := range leet.Graph {
			l := []rune(letter)[0]
			for _, s := range subs {
				c := []rune(s)[0]
				d.leet[l] = append(d.leet[l], c)
				d.unleet[c] = append(d.unleet[c], l)
			}
		}
		estimator = d
	})
	return estimator
}

func mustAssetJSON(name string, v any) {
	b, err := zxdata.Asset(name)
	if err == nil {
		// The assets' keys differ in case ("graph", "Graph", "List"); the
		// decoder matches them case-insensitively.
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		panic("passphrase: estimator data " + name + ": " + err.Error())
	}
}

func loadKeyGraph(name string, shifted bool) keyGraph {
	var raw struct{ Graph map[string][]*string }
	mustAssetJSON(name, &raw)
	g := keyGraph{adj: make(map[rune][]string, len(raw.Graph)), shifted: shifted}
	degrees := 0
	for key, ns := range raw.Graph {
		row := make([]string, len(ns))
		for i, n := range ns {
			if n != nil {
				row[i] = *n
				degrees++
			}
		}
		g.adj[[]rune(key)[0]] = row
	}
	g.starts = float64(len(raw.Graph))
	if len(raw.Graph) > 0 {
		g.avgDegree = float64(degrees) / float64(len(raw.Graph))
	}
	return g
}

// span is one pattern found in the passphrase: runes i..j (inclusive) and
// the entropy of guessing them as that pattern.
type span struct {
	i, j    int
	entropy float64
}

// estimateBits is the entropy of the cheapest cover of p by patterns and
// brute force. hints are ranked ahead of every dictionary word.
func estimateBits(p string, hints []string) float64 {
	d := loadEstimator()
	rs := []rune(p)
	if len(rs) == 0 {
		return 0
	}
	user := make(map[string]int, len(hints))
	for i, h := range hints {
		h = strings.ToLower(h)
		if _, ok := user[h]; !ok && h != "" {
			user[h] = i + 1
		}
	}
	var spans []span
	spans = append(spans, d.dictionarySpans(rs, user)...)
	spans = append(spans, d.spatialSpans(rs)...)
	spans = append(spans, repeatSpans(rs)...)
	spans = append(spans, sequenceSpans(rs)...)
	spans = append(spans, digitSpans(rs)...)
	return minimumEntropy(rs, spans)
}

// minimumEntropy: best[k] is the least entropy covering rs[0..k], by a
// pattern ending at k or by brute-forcing rs[k] after best[k-1].
func minimumEntropy(rs []rune, spans []span) float64 {
	perChar := math.Log2(float64(bruteforceCardinality(rs)))
	ending := make([][]span, len(rs))
	for _, s := range spans {
		ending[s.j] = append(ending[s.j], s)
	}
	best := make([]float64, len(rs))
	for k := range rs {
		prev := 0.0
		if k > 0 {
			prev = best[k-1]
		}
		best[k] = prev + perChar
		for _, s := range ending[k] {
			before := 0.0
			if s.i > 0 {
				before = best[s.i-1]
			}
			best[k] = min(best[k], before+s.entropy)
		}
	}
	return best[len(rs)-1]
}

// bruteforceCardinality is the size of the alphabet the passphrase's
// characters are drawn from: lower, upper, digits, ASCII symbols, and
// anything else counted as a 100-character block.
func bruteforceCardinality(rs []rune) int {
	var lower, upper, digit, symbol, other bool
	for _, r := range rs {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 0x80:
			symbol = true
		default:
			other = true
		}
	}
	n := 0
	for _, c := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.on {
			n += c.size
		}
	}
	return n
}

// dictionarySpans finds every substring that is a ranked word: as written
// (case aside), reversed, or with l33t substitutions undone.
func (d *estimatorData) dictionarySpans(rs []rune, user map[string]int) []span {
	lower := []rune(strings.ToLower(string(rs)))
	if len(lower) != len(rs) { // case mapping changed the length: use rs as is
		lower = rs
	}
	rank := func(w string) int {
		if r, ok := user[w]; ok {
			return r
		}
		return d.ranked[w]
	}
	var out []span
	n := len(rs)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			word := string(lower[i : j+1])
			base := upperEntropy(rs[i : j+1])
			if r := rank(word); r > 0 {
				out = append(out, span{i, j, math.Log2(float64(r)) + base})
			}
			if j > i {
				if r := rank(reverseString(word)); r > 0 {
					out = append(out, span{i, j, math.Log2(float64(r)) + base + 1})
				}
			}
			if e, ok := d.leetEntropy(lower[i:j+1], rank); ok {
				out = append(out, span{i, j, e + base})
			}
		}
	}
	return out
}

// leetEntropy tries the l33t readings of w (each substituted character read
// as one letter throughout) and returns the cheapest ranked one's entropy.
func (d *estimatorData) leetEntropy(w []rune, rank func(string) int) (float64, bool) {
	subs := map[rune][]rune{}
	for _, c := range w {
		if ls, ok := d.unleet[c]; ok {
			subs[c] = ls
		}
	}
	if len(subs) == 0 {
		return 0, false
	}
	keys := make([]rune, 0, len(subs))
	for c := range subs {
		keys = append(keys, c)
	}
	best, found := math.Inf(1), false
	choice := make(map[rune]rune, len(keys))
	var try func(k int)
	try = func(k int) {
		if k == len(keys) {
			plain := make([]rune, len(w))
			for i, c := range w {
				if l, ok := choice[c]; ok {
					plain[i] = l
				} else {
					plain[i] = c
				}
			}
			if r := rank(string(plain)); r > 0 {
				e := math.Log2(float64(r)) + leetExtra(w, plain, choice)
				if e < best {
					best, found = e, true
				}
			}
			return
		}
		for _, l := range subs[keys[k]] {
			choice[keys[k]] = l
			try(k + 1)
		}
		delete(choice, keys[k])
	}
	try(0)
	return best, found
}

// leetExtra is the entropy the substitutions add: for each substituted
// letter, which of its occurrences were substituted; at least one bit.
func leetExtra(w, plain []rune, choice map[rune]rune) float64 {
	e := 0.0
	for sub, letter := range choice {
		s, u := 0, 0
		for i := range w {
			switch {
			case w[i] == sub:
				s++
			case plain[i] == letter:
				u++
			}
		}
		if s == 0 {
			continue
		}
		e += math.Log2(sumBinomials(s+u, min(s, u)))
	}
	return max(e, 1)
}

// upperEntropy is what the capitals of a word add: nothing when it is all
// lower case, a bit for the common shapes (First, lasT, ALL), else which
// letters were capitalised.
func upperEntropy(w []rune) float64 {
	var up, low int
	for _, r := range w {
		if unicode.IsUpper(r) {
			up++
		} else if unicode.IsLower(r) {
			low++
		}
	}
	switch {
	case up == 0:
		return 0
	case low == 0, up == 1 && (unicode.IsUpper(w[0]) || unicode.IsUpper(w[len(w)-1])):
		return 1
	}
	return math.Log2(sumBinomials(up+low, min(up, low)))
}

// sumBinomials is C(n,1) + ... + C(n,k).
func sumBinomials(n, k int) float64 {
	sum, c := 0.0, 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-i+1) / float64(i)
		sum += c
	}
	return max(sum, 1)
}

func reverseString(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}
