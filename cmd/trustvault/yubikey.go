package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/passphrase"
	"github.com/trustvault/trustvault/vault/token"
)

// Environment variables for token secrets. PINs never come from the
// command line.
const (
	envPIVPIN           = "TRUSTVAULT_PIV_PIN"
	envPIVPUK           = "TRUSTVAULT_PIV_PUK"
	envPIVNewPIN        = "TRUSTVAULT_PIV_NEW_PIN"
	envPIVNewPUK        = "TRUSTVAULT_PIV_NEW_PUK"
	envPIVManagementKey = "TRUSTVAULT_PIV_MANAGEMENT_KEY"
)

func (a *app) yubikeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "yubikey",
		Short: "Hold root keys on a Yubikey (4 or later): info, setup, generate-root, import-root, unblock",
		Long: `Root keys on a Yubikey, as Docker Content Trust and notary use them: a key in
PIV slot 9c beside a self-signed certificate named "root". When the same root
key is on a Yubikey and in a key file, the Yubikey is used and the file is its
backup.

Secrets never come from the command line. They come from a terminal prompt or
from the environment:
  ` + envPIVPIN + `             the token's PIN
  ` + envPIVPUK + `             the token's PUK (setup, unblock)
  ` + envPIVNewPIN + `, ` + envPIVNewPUK + `
                                 the new PIN and PUK (setup, unblock; else
                                 random 8-digit ones are made and printed)
  ` + envPIVManagementKey + `  a custom management key not stored on
                                 the token, in hex (setup)
trustvault never tries a Yubikey's factory PIN on its own: it asks the token
what it can tell without one, and uses the factory PIN and PUK only when you
type them or pass --factory to setup.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.yubikeyInfoCmd(), a.yubikeySetupCmd(), a.yubikeyGenerateRootCmd(), a.yubikeyImportRootCmd(), a.yubikeyUnblockCmd())
	return cmd
}

// serialFlag is --serial: which token, optional when one is plugged in.
type serialFlag struct{ serial uint32 }

func (f *serialFlag) add(cmd *cobra.Command) {
	cmd.Flags().Var((*serialValue)(&f.serial), "serial", "the Yubikey's `SERIAL` number (needed when several are plugged in)")
}

type serialValue uint32

func (v *serialValue) String() string {
	if *v == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(*v), 10)
}
func (v *serialValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return fmt.Errorf("%q is not a serial number", s)
	}
	*v = serialValue(n)
	return nil
}
func (v *serialValue) Type() string { return "serial" }

// pick returns the token to use: --serial, or the only one plugged in.
func (f *serialFlag) pick() (token.Info, error) {
	infos, _, err := token.List()
	if err != nil {
		return token.Info{}, tokenError(err)
	}
	if f.serial != 0 {
		for _, info := range infos {
			if info.Serial == f.serial {
				if info.Err != nil {
					return info, tokenError(info.Err)
				}
				return info, nil
			}
		}
		return token.Info{}, tokenError(fmt.Errorf("Yubikey %d: %w%s", f.serial, token.ErrNotFound, token.PluggedIn(infos)))
	}
	switch len(infos) {
	case 0:
		return token.Info{}, errors.New("no Yubikey is plugged in (or pcscd does not see it: try pcsc_scan)")
	case 1:
		if infos[0].Err != nil {
			return infos[0], tokenError(infos[0].Err)
		}
		return infos[0], nil
	}
	return token.Info{}, fmt.Errorf("%d Yubikeys are plugged in%s: choose one with --serial", len(infos), token.PluggedIn(infos))
}

// secret reads a token secret (what: "PIN" or "PUK") from its variable,
// else from the terminal with the one passphrase prompt.
func (a *app) secret(env, what, subject string) ([]byte, error) {
	return a.passphrases().secret([]string{env}, what, subject)
}

// touchPrompt tells the person to touch the token, on standard error.
func (a *app) touchPrompt(ref vault.TokenRef) {
	fmt.Fprintf(a.stderr, "Touch the %s when it blinks (it waits about 15 seconds)...\n", ref.Name())
}

func (a *app) yubikeyInfoCmd() *cobra.Command {
	var asJSON bool
	var sf serialFlag
	cmd := &cobra.Command{
		Use:   "info [--serial SERIAL] [--json]",
		Short: "Show the Yubikeys plugged in: firmware, PIN retries, factory secrets, slots, root keys",
		Long: `Show each Yubikey plugged in (or the one with --serial), with what it tells
without a PIN: model and firmware, PIN (and on firmware 5.3+ PUK) tries left,
whether the factory PIN, PUK and management key are still set, the slots that
hold keys or certificates, and the Docker Content Trust keys among them.

A YubiKey 4 cannot tell whether its PIN or PUK is the factory one without a
try that costs a retry, so trustvault says "unknown" unless the token's admin
data records a change; its management key it asks with a challenge, which
costs nothing.

--json prints an array of {"serial", "model", "firmware", "reader",
"pin_retries", "puk_retries" (null when unknown), "pin", "puk",
"management_key" ("factory", "changed" or "unknown"), "management_key_stored",
"pin_changed", "set_up", "slots": [{"slot", "key", "algorithm", "pin_policy",
"touch_policy", "certificate"}], "keys": [{"id", "role", "slot"}]}.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "yubikey info"
			infos, _, err := token.List()
			if err != nil {
				return fail(op, tokenError(err))
			}
			if sf.serial != 0 {
				var one []token.Info
				for _, i := range infos {
					if i.Serial == sf.serial {
						one = append(one, i)
					}
				}
				if len(one) == 0 {
					return fail(op, tokenError(fmt.Errorf("Yubikey %d: %w%s", sf.serial, token.ErrNotFound, token.PluggedIn(infos))))
				}
				infos = one
			}
			if asJSON {
				out := make([]tokenJSON, 0, len(infos))
				for _, i := range infos {
					out = append(out, newTokenJSON(i))
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			if len(infos) == 0 {
				fmt.Fprintln(a.stdout, "No Yubikey is plugged in.")
				return nil
			}
			for i, info := range infos {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				writeTokenInfo(a.stdout, info)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	sf.add(cmd)
	return cmd
}

// writeTokenInfo prints one token for people.
func writeTokenInfo(w io.Writer, info token.Info) {
	if info.Err != nil {
		fmt.Fprintf(w, "%s (%s): %v\n", info.Name(), info.Reader, tokenError(info.Err))
		return
	}
	fmt.Fprintf(w, "%s: %s, firmware %s\n", info.Name(), info.Model, info.Version)
	retries := func(n, total int) string {
		switch {
		case n < 0:
			return "tries left: unknown"
		case n == 0:
			return "BLOCKED"
		case total > 0:
			return fmt.Sprintf("%d of %d tries left", n, total)
		}
		return fmt.Sprintf("%d tries left", n)
	}
	fmt.Fprintf(w, "  PIN             %s; %s (%s)\n", stateWords(info.PIN.State), retries(info.PIN.Retries, info.PIN.Total), info.PIN.Source)
	fmt.Fprintf(w, "  PUK             %s; %s (%s)\n", stateWords(info.PUK.State), retries(info.PUK.Retries, info.PUK.Total), info.PUK.Source)
	mk := info.ManagementKey
	stored := ""
	if mk.Stored {
		stored = ", stored on the token under the PIN"
	}
	fmt.Fprintf(w, "  management key  %s, %s%s (%s)\n", stateWords(mk.State), mk.Algorithm, stored, mk.Source)
	switch {
	case info.SetUp():
		fmt.Fprintln(w, "  set up          yes: PIN, PUK and management key replaced")
	case info.PIN.Blocked():
		fmt.Fprintf(w, "  set up          the PIN is blocked: trustvault yubikey unblock --serial %d\n", info.Serial)
	default:
		fmt.Fprintf(w, "  set up          no: trustvault yubikey setup --serial %d\n", info.Serial)
	}
	if len(info.Slots) == 0 {
		fmt.Fprintln(w, "  slots           none hold a key or certificate")
	}
	keys := map[string]token.Key{}
	for _, k := range token.KeysOf([]token.Info{info}) {
		keys[k.Token.Slot] = k
	}
	for _, s := range info.Slots {
		desc := slotKeyWord(s)
		if desc == "unknown" {
			desc = "imported or none (a YubiKey 4 cannot tell)"
		}
		line := fmt.Sprintf("  slot %s         key %s", s.Slot, desc)
		if s.Algorithm != "" {
			line += ", " + s.Algorithm
		}
		if p := s.PINPolicy.String(); p != "unknown" {
			line += ", PIN " + p
		}
		if p := s.TouchPolicy.String(); p != "unknown" {
			line += ", touch " + p
		}
		if s.Certificate != nil {
			line += fmt.Sprintf(", certificate CN=%s", s.Certificate.Subject.CommonName)
		}
		fmt.Fprintln(w, line)
		if k, ok := keys[s.Slot.String()]; ok {
			fmt.Fprintf(w, "                  %s key %s\n", k.Role, k.ID)
		}
	}
}

func stateWords(s token.State) string {
	switch s {
	case token.StateFactory:
		return "FACTORY DEFAULT"
	case token.StateChanged:
		return "changed"
	}
	return "unknown"
}

func (a *app) yubikeySetupCmd() *cobra.Command {
	var sf serialFlag
	var factory, keepPUK bool
	cmd := &cobra.Command{
		Use:   "setup [--serial SERIAL] [--factory] [--keep-puk]",
		Short: "Replace a Yubikey's factory PIN, PUK and management key",
		Long: `Set a Yubikey up for root keys: a new PUK, a random management key stored on
the token under the PIN (as ykman's --protect does, so that the PIN is all you
need later), and a new PIN. The new PIN and PUK are random 8-digit numbers,
printed once, unless ` + envPIVNewPIN + ` and ` + envPIVNewPUK + ` give them.
Write them down; keep the PUK apart from the token.

The current PIN and PUK come from ` + envPIVPIN + ` and ` + envPIVPUK + ` or a prompt.
--factory uses the factory PIN 123456 and PUK 12345678 instead, because you say
the token is new: a wrong one costs a try. --keep-puk leaves the PUK as it is.
A custom management key that is not stored on the token comes from
` + envPIVManagementKey + `.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "yubikey setup"
			info, err := sf.pick()
			if err != nil {
				return failAtomic(op, err)
			}
			req := token.Setup{}
			if factory {
				if info.PIN.State == token.StateChanged || !keepPUK && info.PUK.State == token.StateChanged {
					return failAtomic(op, fmt.Errorf("%s says its PIN or PUK is not the factory one (%s): run setup without --factory", info.Name(), info.PIN.Source))
				}
				req.PIN = []byte("123456")
				if !keepPUK {
					req.PUK = []byte("12345678")
				}
			} else {
				if req.PIN, err = a.secret(envPIVPIN, "PIN", "the current PIN of "+info.Name()); err != nil {
					return failAtomic(op, err)
				}
				if !keepPUK {
					if req.PUK, err = a.secret(envPIVPUK, "PUK", "the current PUK of "+info.Name()); err != nil {
						return failAtomic(op, err)
					}
				}
			}
			defer zero(req.PIN)
			defer zero(req.PUK)
			if v := a.getenv(envPIVManagementKey); v != "" {
				if req.ManagementKey, err = hex.DecodeString(strings.TrimSpace(v)); err != nil {
					return failAtomic(op, fmt.Errorf("%s is not hex: %w", envPIVManagementKey, err))
				}
			}
			if v := a.getenv(envPIVNewPIN); v != "" {
				req.NewPIN = []byte(v)
			}
			if v := a.getenv(envPIVNewPUK); v != "" {
				req.NewPUK = []byte(v)
			}
			res, err := token.SetUp(info.Serial, req)
			defer zero(res.NewPIN)
			defer zero(res.NewPUK)
			if err != nil {
				return fail(op, tokenError(err))
			}
			fmt.Fprintf(a.stdout, "%s is set up: a random management key is stored on it under the new PIN.\n", info.Name())
			if req.NewPIN == nil {
				fmt.Fprintf(a.stdout, "New PIN: %s\n", res.NewPIN)
			}
			if req.PUK != nil && req.NewPUK == nil {
				fmt.Fprintf(a.stdout, "New PUK: %s\n", res.NewPUK)
			}
			if req.NewPIN == nil || req.PUK != nil && req.NewPUK == nil {
				fmt.Fprintln(a.stdout, "Write them down now: they are not shown again. Keep the PUK apart from the token; it unblocks the PIN after 3 wrong tries.")
			}
			return nil
		},
	}
	sf.add(cmd)
	cmd.Flags().BoolVar(&factory, "factory", false, "the token is new: use the factory PIN and PUK (a wrong one costs a try)")
	cmd.Flags().BoolVar(&keepPUK, "keep-puk", false, "leave the PUK as it is")
	return cmd
}

// rootFlags are what generate-root and import-root share.
type rootFlags struct {
	serialFlag
	slot    string
	touch   string
	replace bool
}

func (f *rootFlags) add(cmd *cobra.Command) {
	f.serialFlag.add(cmd)
	cmd.Flags().StringVar(&f.slot, "slot", "", "the PIV `SLOT` (default: the first free of 9c, 9e, 9d, 9a, the slots notary uses)")
	cmd.Flags().StringVar(&f.touch, "touch", "always", "touch policy: always (every signature) or cached (once per 15 seconds)")
	cmd.Flags().BoolVar(&f.replace, "replace", false, "overwrite a slot that already holds a key or certificate")
}

// check refuses bad flag values before any token is touched.
func (f *rootFlags) check() error {
	if f.touch != "always" && f.touch != "cached" {
		return usage("--touch %q: use always or cached", f.touch)
	}
	return nil
}

func (a *app) rootOnToken(f *rootFlags, info token.Info) (token.RootOptions, error) {
	o := token.RootOptions{Serial: info.Serial, Slot: f.slot, Replace: f.replace, TouchCached: f.touch == "cached"}
	var err error
	o.PIN, err = a.secret(envPIVPIN, "PIN", "the PIN of "+info.Name())
	if err != nil {
		return o, err
	}
	ref := vault.TokenRef{Serial: info.Serial}
	o.Touch = func() { a.touchPrompt(ref) }
	return o, nil
}

func (a *app) yubikeyGenerateRootCmd() *cobra.Command {
	var f rootFlags
	cmd := &cobra.Command{
		Use:   "generate-root [--serial SERIAL] [--slot SLOT] [--touch always|cached] [--replace]",
		Short: "Generate a root key on a Yubikey and print its ID",
		Long: `Generate an ECDSA P-256 root key on the Yubikey (PIN once per session, a touch
for every signature or once per 15 seconds with --touch cached), with the
self-signed certificate notary keeps beside it, signed on the token. Standard
output gets only the key ID.

A key generated on a token never leaves it: there is no key file and no
backup. Losing the token loses the key. To keep a backup, generate the key
as a file (trustvault generate --role root), back it up, and move it with
trustvault yubikey import-root.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "yubikey generate-root"
			if err := f.check(); err != nil {
				return err
			}
			info, err := f.pick()
			if err != nil {
				return failAtomic(op, err)
			}
			o, err := a.rootOnToken(&f, info)
			if err != nil {
				return failAtomic(op, err)
			}
			defer zero(o.PIN)
			tk, err := token.GenerateRoot(o)
			if err != nil {
				return fail(op, tokenError(err))
			}
			fmt.Fprintln(a.stdout, tk.ID)
			fmt.Fprintf(a.stderr, "trustvault: root key %s is on %s; it was generated there and has no backup\n", vault.ShortID(tk.ID), tk.Token)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) yubikeyImportRootCmd() *cobra.Command {
	var f rootFlags
	cmd := &cobra.Command{
		Use:   "import-root KEYID [--serial SERIAL] [--slot SLOT] [--touch always|cached] [--replace]",
		Short: "Move a root key file onto a Yubikey; the file stays as its backup",
		Long: `Put the root key in a key file onto the Yubikey, as notary does with a backup:
the encrypted key file stays where it is, and from then on the Yubikey is used
for the key (trustvault list shows it there). The key must be ECDSA P-256, as
docker and notary make root keys. The token signs once to prove the key works
(one touch). The key's passphrase comes from NOTARY_ROOT_PASSPHRASE,
DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE or a prompt.

Keep the key file (and its backups) somewhere safe, or remove it once you
have verified backups: whoever has the file and its passphrase has the key.`,
		Args: keyIDArgs(exactArgs(1, "one key ID")),
		RunE: func(_ *cobra.Command, args []string) error {
			const op = "yubikey import-root"
			if err := f.check(); err != nil {
				return err
			}
			s, err := a.openStore()
			if err != nil {
				return failAtomic(op, err)
			}
			k, err := s.Key(args[0])
			if err != nil {
				return failAtomic(op, err)
			}
			info, err := f.pick()
			if err != nil {
				return failAtomic(op, err)
			}
			o, err := a.rootOnToken(&f, info)
			if err != nil {
				return failAtomic(op, err)
			}
			defer zero(o.PIN)
			tk, err := token.ImportRoot(s, k.ID, a.passphrases().get, o)
			if err != nil {
				return fail(op, tokenError(err))
			}
			fmt.Fprintln(a.stdout, tk.ID)
			fmt.Fprintf(a.stderr, "trustvault: root key %s is on %s; the key file %s stays as its backup\n", vault.ShortID(tk.ID), tk.Token, k.Path)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) yubikeyUnblockCmd() *cobra.Command {
	var sf serialFlag
	cmd := &cobra.Command{
		Use:   "unblock [--serial SERIAL]",
		Short: "Set a new PIN with the PUK, after the PIN was blocked",
		Long: `Set a new PIN with the PUK (` + envPIVPUK + ` or a prompt). The new PIN comes from
` + envPIVNewPIN + `, else a random 8-digit one is made and printed. A wrong
PUK costs one of its tries; a blocked PUK can only be recovered by resetting
the token's PIV application, which erases its keys.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "yubikey unblock"
			info, err := sf.pick()
			if err != nil {
				return failAtomic(op, err)
			}
			puk, err := a.secret(envPIVPUK, "PUK", "the PUK of "+info.Name())
			if err != nil {
				return failAtomic(op, err)
			}
			defer zero(puk)
			newPIN := []byte(a.getenv(envPIVNewPIN))
			generated := len(newPIN) == 0
			if generated {
				if newPIN, err = passphrase.GeneratePIN(nil); err != nil {
					return failAtomic(op, err)
				}
			}
			defer zero(newPIN)
			if err := token.UnblockPIN(info.Serial, puk, newPIN); err != nil {
				return fail(op, tokenError(err))
			}
			fmt.Fprintf(a.stdout, "The PIN of %s is unblocked.\n", info.Name())
			if generated {
				fmt.Fprintf(a.stdout, "New PIN: %s\nWrite it down now: it is not shown again.\n", newPIN)
			}
			return nil
		},
	}
	sf.add(cmd)
	return cmd
}
