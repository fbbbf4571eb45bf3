package health

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSortIsStable: Sort gives what a stable sort on the same order
// gives, on findings with many ties (equal keys, told apart by Path).
func TestSortIsStable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checks := append(slices.Clone(checkOrder), "not-a-check")
	fs := make([]Finding, 5000)
	for i := range fs {
		fs[i] = Finding{
			Check: checks[r.IntN(len(checks))], Severity: Severity(r.IntN(3)),
			GUN: fmt.Sprint("gun", r.IntN(3)), KeyID: fmt.Sprint("id", r.IntN(4)), Message: fmt.Sprint("m", r.IntN(2)),
			Path: fmt.Sprint(i), // unique: shows the order of equal findings
		}
	}
	want := slices.Clone(fs)
	rank := func(c string) int {
		if i := slices.Index(checkOrder, c); i >= 0 {
			return i
		}
		return len(checkOrder)
	}
	slices.SortStableFunc(want, func(a, b Finding) int {
		switch {
		case a.Severity != b.Severity:
			return int(b.Severity - a.Severity)
		case a.Check != b.Check:
			return rank(a.Check) - rank(b.Check)
		case a.GUN != b.GUN:
			return strings.Compare(a.GUN, b.GUN)
		case a.KeyID != b.KeyID:
			return strings.Compare(a.KeyID, b.KeyID)
		}
		return strings.Compare(a.Message, b.Message)
	})
	Sort(fs)
	if !slices.Equal(fs, want) {
		for i := range fs {
			if fs[i] != want[i] {
				t.Fatalf("finding %d: %+v, want %+v", i, fs[i], want[i])
			}
		}
	}
}
