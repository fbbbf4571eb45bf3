//go:build cgo && linux

package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/trustvault/trustvault/hardware/pivtest"
)

// TestYubikeyScripts runs testdata/yubikey/*.txtar against emulated
// YubiKeys behind the PIV test rig's pcscd, one script at a time (the rig
// has one card per slot). Besides the commands of TestScripts, a script
// has:
//
//	pivcard insert SLOT yk4|yk5 SERIAL   a factory card into slot 0 or 1
//	pivcard eject SLOT
//	pivcard touch SLOT ok|refuse          whether the person touches it
//	pivcard pin SLOT VAR / puk SLOT VAR   the card's PIN or PUK into $VAR
//	pivcard verifies SLOT N               N VERIFY commands carried a PIN
//	pivcard factory-verifies SLOT N       N of them carried the factory PIN
//	pivcard retries SLOT PIN PUK          the retry counters
//	stdoutenv VAR                         the last stdout, trimmed, into $VAR
func TestYubikeyScripts(t *testing.T) {
	rig := pivtest.Start(t)
	cards := [2]*pivtest.Card{}
	files, err := filepath.Glob("testdata/yubikey/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Cleanup(func() {
				if err := rig.Empty(); err != nil {
					t.Error(err)
				}
				cards = [2]*pivtest.Card{}
			})
			testscript.Run(t, testscript.Params{
				Files: []string{file},
				Setup: func(env *testscript.Env) error {
					env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, ".docker"))
					setPCSCSocket(env)
					return nil
				},
				Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
					"jsonget":   cmdJSONGet,
					"stdoutenv": cmdStdoutEnv,
					"pivcard": func(ts *testscript.TestScript, neg bool, args []string) {
						cmdPIVCard(ts, neg, args, rig, &cards)
					},
				},
			})
		})
	}
}

func cmdStdoutEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: stdoutenv VAR")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

func cmdPIVCard(ts *testscript.TestScript, neg bool, args []string, rig *pivtest.Rig, cards *[2]*pivtest.Card) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: pivcard insert|eject|touch|pin|puk|verifies|factory-verifies|retries SLOT ...")
	}
	slot, err := strconv.Atoi(args[1])
	if err != nil || slot < 0 || slot > 1 {
		ts.Fatalf("slot %q: 0 or 1", args[1])
	}
	card := cards[slot]
	if args[0] != "insert" && card == nil {
		ts.Fatalf("no card in slot %d", slot)
	}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			ts.Fatalf("%q is not a number", s)
		}
		return n
	}
	switch {
	case args[0] == "insert" && len(args) == 4:
		serial := uint32(num(args[3]))
		switch args[2] {
		case "yk4":
			card = pivtest.NewYubiKey4(serial)
		case "yk5":
			card = pivtest.NewYubiKey5(serial)
		default:
			ts.Fatalf("card %q: yk4 or yk5", args[2])
		}
		ts.Check(rig.Put(slot, card))
		cards[slot] = card
	case args[0] == "eject":
		ts.Check(rig.Put(slot, nil))
		cards[slot] = nil
	case args[0] == "touch" && len(args) == 3:
		ok := args[2] == "ok"
		card.SetTouch(func(byte) bool { return ok })
	case (args[0] == "pin" || args[0] == "puk") && len(args) == 3:
		v := card.PIN()
		if args[0] == "puk" {
			v = card.PUK()
		}
		ts.Setenv(args[2], string(v))
	case args[0] == "verifies" && len(args) == 3:
		if got := len(card.Verifies()); got != num(args[2]) {
			ts.Fatalf("%d VERIFY commands with a PIN (%q), want %s", got, card.Verifies(), args[2])
		}
	case args[0] == "factory-verifies" && len(args) == 3:
		if got := card.FactoryPINVerifies(); got != num(args[2]) {
			ts.Fatalf("%d VERIFY commands with the factory PIN, want %s", got, args[2])
		}
	case args[0] == "retries" && len(args) == 4:
		st := card.State()
		if st.PINRetries != num(args[2]) || st.PUKRetries != num(args[3]) {
			ts.Fatalf("retries PIN %d PUK %d, want %s %s", st.PINRetries, st.PUKRetries, args[2], args[3])
		}
	default:
		ts.Fatalf("pivcard %s: bad arguments", strings.Join(args, " "))
	}
}
