package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// passphraseJSON is what passphrase --json prints.
type passphraseJSON struct {
	Passphrase  string  `json:"passphrase"`
	Mode        string  `json:"mode"`
	EntropyBits float64 `json:"entropy_bits"`
}

func (a *app) passphraseCmd() *cobra.Command {
	spec := passphrase.DefaultWordSpec()
	var noDigits, asJSON bool
	var role string
	cmd := &cobra.Command{
		Use:   "passphrase [--words N | --length N] [options]",
		Short: "Generate a random passphrase and print it with its strength",
		Long: fmt.Sprintf(`Generate a random passphrase and print it on standard output, and its
entropy on standard error. With --json, print {"passphrase", "mode",
"entropy_bits"} instead.

Words (the default, %[1]d words): words from the EFF large word list (%[2]d
words, 12.9 bits each; EFF, CC BY 3.0 US), joined by --separator, optionally
capitalised and with one digit appended to a random word.

Characters (--length N): upper and lower case letters and, unless
--no-digits, digits; --symbols adds symbols that need no quoting in a shell or
CI variable. Every chosen class appears. Characters easily mistaken for one
another (0 O o 1 l I |) are left out unless --look-alikes.

The entropy is computed exactly from these parameters. New key passphrases
must reach %[3]d bits for root keys and %[4]d for the others; --role checks
the passphrase against its key's minimum and fails below it (unless
--allow-weak).`, spec.Words, passphrase.WordListSize(), passphrase.MinBitsRoot, passphrase.MinBitsKey),
		Example: `  trustvault passphrase
  trustvault passphrase --words 8 --separator ' ' --capitalize
  trustvault passphrase --length 24 --symbols --json
  trustvault passphrase --role root --words 8`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			const op = "passphrase"
			fl := cmd.Flags()
			if err := atMostOne(cmd, "words", "length"); err != nil {
				return err
			}
			if fl.Changed("length") {
				spec.Mode = passphrase.ModeChars
				spec.Digits = !noDigits
				for _, name := range []string{"words", "separator", "capitalize", "digit"} {
					if fl.Changed(name) {
						return usage("--%s is for word passphrases; it does not go with --length", name)
					}
				}
			} else {
				for _, name := range []string{"symbols", "no-digits", "look-alikes"} {
					if fl.Changed(name) {
						return usage("--%s is for character passphrases: give --length too", name)
					}
				}
			}
			if err := spec.Validate(); err != nil {
				return &usageError{err: err}
			}
			if role != "" {
				if err := checkHeader("--role", role); err != nil {
					return err
				}
			}
			strength := spec.Strength()
			if err := a.checkGenerated(role, strength); err != nil {
				return fail("", err) // the message starts with "passphrase too weak"
			}
			pass, err := passphrase.Generate(spec, nil)
			if err != nil {
				return fail(op, err)
			}
			defer zero(pass)
			if asJSON {
				out, err := json.Marshal(passphraseJSON{
					Passphrase:  string(pass),
					Mode:        spec.Mode.String(),
					EntropyBits: math.Round(strength.Bits*100) / 100,
				})
				if err != nil {
					return fail(op, err)
				}
				fmt.Fprintf(a.stdout, "%s\n", out)
				return nil
			}
			if _, err := a.stdout.Write(append(pass, '\n')); err != nil {
				return fail(op, err)
			}
			fmt.Fprintf(a.stderr, "trustvault: %.1f bits of entropy (%s)\n", strength.Bits, describeSpec(spec))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&spec.Words, "words", spec.Words, "number of words (word passphrases)")
	fl.StringVar(&spec.Separator, "separator", spec.Separator, "what goes between words: up to 4 characters, no letters or digits")
	fl.BoolVar(&spec.Capitalize, "capitalize", false, "capitalise every word (adds no entropy)")
	fl.BoolVar(&spec.Digit, "digit", false, "append a random digit to one random word")
	fl.IntVar(&spec.Length, "length", passphrase.DefaultCharSpec().Length, "a passphrase of `N` random characters instead of words")
	fl.BoolVar(&spec.Symbols, "symbols", false, "add symbols (character passphrases)")
	fl.BoolVar(&noDigits, "no-digits", false, "leave out digits (character passphrases)")
	fl.BoolVar(&spec.LookAlikes, "look-alikes", false, "keep look-alike characters 0 O o 1 l I | (character passphrases)")
	fl.StringVar(&role, "role", "", "check against the minimum for this key `ROLE` (root, targets, snapshot, timestamp, or a delegation)")
	fl.BoolVar(&asJSON, "json", false, `print {"passphrase", "mode", "entropy_bits"} as JSON`)
	return cmd
}

// checkGenerated applies the policy to a generated passphrase: for role, a
// refusal (a warning with --allow-weak); without a role, a note naming the
// kinds of key it is too weak for.
func (a *app) checkGenerated(role string, s passphrase.Strength) error {
	p := a.policy()
	if role != "" {
		var weak *passphrase.WeakError
		if !errors.As(p.Check(role, s), &weak) {
			return nil
		}
		if a.allowWeak {
			fmt.Fprintf(a.stderr, "trustvault: warning: %v; accepted because of --allow-weak\n", weak)
			return nil
		}
		return fmt.Errorf("%w; %s", weak, strings.ReplaceAll(weakAdvice(weak), "`trustvault passphrase ", "`"))
	}
	var short []string
	for _, k := range keyrole.Kinds() {
		if s.Bits < float64(p.Min(k)) {
			short = append(short, fmt.Sprintf("%s keys (%d)", k, p.Min(k)))
		}
	}
	switch {
	case len(short) == len(keyrole.Kinds()):
		fmt.Fprintf(a.stderr, "trustvault: note: %s is below the minimum for every kind of key (root %d, others %d)\n",
			s, p.Min(keyrole.Root), p.Min(keyrole.Targets))
	case len(short) > 0:
		fmt.Fprintf(a.stderr, "trustvault: note: %s is below the minimum for %s\n", s, strings.Join(short, ", "))
	}
	return nil
}

// describeSpec is e.g. `7 words of 7772, separated by "-"` or
// "20 characters: letters, digits".
func describeSpec(s passphrase.Spec) string {
	if s.Mode == passphrase.ModeWords {
		d := fmt.Sprintf("%d words of %d, separated by %q", s.Words, passphrase.WordListSize(), s.Separator)
		if s.Capitalize {
			d += ", capitalised"
		}
		if s.Digit {
			d += ", one digit"
		}
		return d
	}
	classes := []string{"letters"}
	if s.Digits {
		classes = append(classes, "digits")
	}
	if s.Symbols {
		classes = append(classes, "symbols")
	}
	d := fmt.Sprintf("%d characters: %s", s.Length, strings.Join(classes, ", "))
	if !s.LookAlikes {
		d += ", no look-alikes"
	}
	return d
}
