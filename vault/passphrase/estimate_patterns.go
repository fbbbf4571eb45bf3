package passphrase

import (
	"math"
	"strings"
	"unicode"
)

// The estimator's non-dictionary patterns; see estimate.go.

// spatialSpans finds keyboard walks of three keys or more ("qwerty",
// "zxcvbn", "7896") on every keyboard. Their entropy counts the walks of that
// length and number of turns from any key, plus which keys were shifted.
func (d *estimatorData) spatialSpans(rs []rune) []span {
	var out []span
	for _, g := range d.graphs {
		for i := 0; i < len(rs)-1; {
			j, turns, shifted, last := i+1, 0, 0, -1
			for ; j < len(rs); j++ {
				dir, shift := g.neighbour(rs[j-1], rs[j])
				if dir < 0 {
					break
				}
				if shift {
					shifted++
				}
				if dir != last {
					turns++
					last = dir
				}
			}
			if j-i > 2 {
				out = append(out, span{i, j - 1, g.walkEntropy(j-i, turns, shifted)})
			}
			i = j
		}
	}
	return out
}

// neighbour tells in which direction next lies from prev (-1: not adjacent)
// and whether it is the neighbour key's shifted character.
func (g keyGraph) neighbour(prev, next rune) (int, bool) {
	for dir, keys := range g.adj[prev] {
		if k := strings.IndexRune(keys, next); k >= 0 {
			return dir, k > 0
		}
	}
	return -1, false
}

func (g keyGraph) walkEntropy(length, turns, shifted int) float64 {
	possible := 0.0
	for i := 2; i <= length; i++ {
		for j := 1; j <= min(turns, i-1); j++ {
			possible += binomial(i-1, j-1) * g.starts * math.Pow(g.avgDegree, float64(j))
		}
	}
	e := math.Log2(max(possible, 1))
	if g.shifted && shifted > 0 {
		unshifted := length - shifted
		if unshifted == 0 {
			e++
		} else {
			e += math.Log2(sumBinomials(length, min(shifted, unshifted)) + 1)
		}
	}
	return e
}

func binomial(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-i+1) / float64(i)
	}
	return c
}

// repeatSpans finds runs of one character, three or more long.
func repeatSpans(rs []rune) []span {
	var out []span
	for i := 0; i < len(rs); {
		j := i
		for j+1 < len(rs) && rs[j+1] == rs[i] {
			j++
		}
		if n := j - i + 1; n >= 3 {
			e := math.Log2(float64(bruteforceCardinality(rs[i:i+1])) * float64(n))
			out = append(out, span{i, j, e})
		}
		i = j + 1
	}
	return out
}

// sequenceSpans finds runs of three or more consecutive letters or digits,
// up or down ("abcd", "9876").
func sequenceSpans(rs []rune) []span {
	class := func(r rune) int {
		switch {
		case r >= 'a' && r <= 'z':
			return 1
		case r >= 'A' && r <= 'Z':
			return 2
		case r >= '0' && r <= '9':
			return 3
		}
		return 0
	}
	var out []span
	for i := 0; i < len(rs)-2; {
		c := class(rs[i])
		step := rs[i+1] - rs[i]
		j := i + 1
		if c != 0 && (step == 1 || step == -1) {
			for j < len(rs) && class(rs[j]) == c && rs[j]-rs[j-1] == step {
				j++
			}
		}
		if n := j - i; n >= 3 {
			var e float64
			switch {
			case rs[i] == 'a' || rs[i] == '1' || rs[i] == 'A':
				e = 1
			case c == 3:
				e = math.Log2(10)
			default:
				e = math.Log2(26)
			}
			if c == 2 {
				e++
			}
			if step < 0 {
				e++
			}
			out = append(out, span{i, j - 1, e + math.Log2(float64(n))})
			i = j - 1
			continue
		}
		i++
	}
	return out
}

// digitSpans finds digit runs (each digit a guess among ten), years from
// 1900 to 2039, and dates: day, month and year in any order, with or without
// one repeated separator.
func digitSpans(rs []rune) []span {
	var out []span
	isDigit := func(k int) bool { return k < len(rs) && unicode.IsDigit(rs[k]) && rs[k] < 0x80 }
	for i := 0; i < len(rs); {
		if !isDigit(i) {
			i++
			continue
		}
		j := i
		for isDigit(j + 1) {
			j++
		}
		if n := j - i + 1; n >= 3 {
			out = append(out, span{i, j, float64(n) * math.Log2(10)})
		}
		for a := i; a <= j; a++ {
			for b := a + 3; b <= min(j, a+7); b++ {
				s := string(rs[a : b+1])
				if b-a == 3 && isYear(s) {
					out = append(out, span{a, b, math.Log2(140)})
				}
				if isDateDigits(s) {
					out = append(out, span{a, b, math.Log2(31 * 12 * 140)})
				}
			}
		}
		i = j + 1
	}
	return append(out, separatedDates(rs)...)
}

func isYear(s string) bool {
	y := atoi(s)
	return len(s) == 4 && y >= 1900 && y <= 2039
}

// isDateDigits tells whether 4 to 8 digits split into a day, a month and a
// year (two or four digits) in some order.
func isDateDigits(s string) bool {
	for a := 1; a < len(s); a++ {
		for b := a + 1; b < len(s); b++ {
			if validDate(s[:a], s[a:b], s[b:]) {
				return true
			}
		}
	}
	return false
}

func validDate(x, y, z string) bool {
	parts := []string{x, y, z}
	for yi, ys := range parts {
		if len(ys) != 2 && !isYear(ys) {
			continue
		}
		var rest []int
		for k, p := range parts {
			if k != yi {
				if len(p) > 2 {
					rest = nil
					break
				}
				rest = append(rest, atoi(p))
			}
		}
		if len(rest) != 2 {
			continue
		}
		for _, o := range [][2]int{{0, 1}, {1, 0}} {
			day, month := rest[o[0]], rest[o[1]]
			if day >= 1 && day <= 31 && month >= 1 && month <= 12 {
				return true
			}
		}
	}
	return false
}

// separatedDates finds d-m-y shapes such as 12/31/1999 or 1999.12.31.
func separatedDates(rs []rune) []span {
	var out []span
	for i := range rs {
		fields, sep, k := []string{}, rune(0), i
		for len(fields) < 3 && k < len(rs) {
			start := k
			for k < len(rs) && k-start < 4 && rs[k] >= '0' && rs[k] <= '9' {
				k++
			}
			if k == start {
				break
			}
			fields = append(fields, string(rs[start:k]))
			if len(fields) == 3 {
				break
			}
			if k >= len(rs) || !strings.ContainsRune(" -/\\_.", rs[k]) || (sep != 0 && rs[k] != sep) {
				break
			}
			sep = rs[k]
			k++
		}
		if len(fields) == 3 && sep != 0 && validDate(fields[0], fields[1], fields[2]) {
			out = append(out, span{i, k - 1, math.Log2(31*12*140) + 2})
		}
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
