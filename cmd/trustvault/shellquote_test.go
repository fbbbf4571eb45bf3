package main

import (
	"os/exec"
	"testing"
)

// TestShellQuote checks each quoted word against a real shell: sh must
// read it back as exactly one word, unchanged.
func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/media/alice/KEYS", "/media/alice/KEYS"},
		{"/media/alice/MY KEYS", "'/media/alice/MY KEYS'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
		{"$HOME;rm -rf x", "'$HOME;rm -rf x'"},
		{"a\nb", "'a\nb'"},
		{"*.tar.gz", "'*.tar.gz'"},
		{"=ls", "'=ls'"},     // zsh would put ls's path here
		{"a=b", "a=b"},       // = inside a word is plain
		{"50%off", "50%off"}, // % is plain in every shell
		{"~/x", "'~/x'"},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		out, err := exec.Command("sh", "-c", `printf %s `+shellQuote(tc.in)+`; printf '|%s' "$#"`, "sh").Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tc.in+"|0" {
			t.Errorf("sh read %q back as %q", tc.in, out)
		}
	}
}
