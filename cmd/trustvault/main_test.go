package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

func TestMain(m *testing.M) {
	// pivtest.M runs the tests with the PIV test rig's private pcscd (when
	// it can run here), so that no test reaches the system's pcscd and a
	// real token plugged in there; tools.M removes the trustvault binary
	// the tests build (tools.Trustvault).
	testscript.Main(tools.M(pivtest.M(m)), map[string]func(){
		"trustvault": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())) },
	})
}

// TestScripts runs testdata/script/*.txtar. Each script starts with an empty
// $WORK, DOCKER_CONFIG=$WORK/.docker and no passphrase variables.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, ".docker"))
			setPCSCSocket(env)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "pcsc": // this build reaches tokens through PC/SC
				return token.Built, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"filetype": cmdFileType,
			"filemode": cmdFileMode,
			"jsonlen":  cmdJSONLen,
			"jsonget":  cmdJSONGet,
		},
	})
}

// setPCSCSocket passes the PIV test rig's pcscd socket (set by pivtest.M)
// to a script, or a socket that does not exist: scripts never reach the
// system's pcscd.
func setPCSCSocket(env *testscript.Env) {
	sock := os.Getenv("PCSCLITE_CSOCK_NAME")
	if sock == "" {
		sock = filepath.Join(env.WorkDir, "no-pcscd.comm")
	}
	env.Setenv("PCSCLITE_CSOCK_NAME", sock)
}

// cmdExitCode runs a program and checks its exact exit status, keeping its
// output for stdout and stderr: exitcode 2 trustvault passwd 3cc.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: exitcode N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// cmdFileType checks what kind of file a path is, without following a
// link: filetype PATH regular|dir|fifo|chardev|symlink.
func cmdFileType(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filetype PATH regular|dir|fifo|chardev|symlink")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	m := fi.Mode()
	got := map[bool]string{true: "regular"}[m.IsRegular()]
	switch {
	case m.IsDir():
		got = "dir"
	case m&fs.ModeNamedPipe != 0:
		got = "fifo"
	case m&fs.ModeCharDevice != 0:
		got = "chardev"
	case m&fs.ModeSymlink != 0:
		got = "symlink"
	}
	if (got == args[1]) == neg {
		ts.Fatalf("%s is %s (%v), want %s%s", args[0], got, m, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

// cmdFileMode checks a file's permission bits: filemode FILE 0600.
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	got := uint64(fi.Mode().Perm())
	if (got == want) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdJSONLen checks the length of a JSON array in a file: jsonlen FILE N.
func cmdJSONLen(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonlen FILE N")
	}
	var arr []json.RawMessage
	data := ts.ReadFile(args[0])
	if err := json.Unmarshal([]byte(data), &arr); err != nil {
		ts.Fatalf("%s is not a JSON array: %v", args[0], err)
	}
	if arr == nil {
		ts.Fatalf("%s is null, want an array", args[0])
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	if (len(arr) == n) == neg {
		ts.Fatalf("%s has %d elements, want %d", args[0], len(arr), n)
	}
}

// cmdJSONGet checks one value in a JSON file: jsonget FILE PATH WANT, where
// PATH is dot-separated object keys and array indexes ("0.encryption.scheme")
// and WANT is compared with the value's JSON text, strings unquoted. WANT
// "<absent>" asserts the path does not exist.
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonget FILE PATH WANT")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	got, ok := jsonPath(v, args[1])
	text := "<absent>"
	if ok {
		if s, isString := got.(string); isString {
			text = s
		} else {
			b, _ := json.Marshal(got)
			text = string(b)
		}
	}
	if (text == args[2]) == neg {
		ts.Fatalf("%s: %s is %q, want %s%q", args[0], args[1], text, map[bool]string{true: "not ", false: ""}[neg], args[2])
	}
}

func jsonPath(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// TestJSONPath covers the script helper itself.
func TestJSONPath(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`[{"a":{"b":[1,"x"]}}]`), &v); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want string
		ok   bool
	}{
		{"0.a.b.1", "x", true},
		{"0.a.b.0", "1", true},
		{"0.a.c", "", false},
		{"1", "", false},
	} {
		got, ok := jsonPath(v, tc.path)
		if ok != tc.ok || (ok && fmt.Sprint(got) != tc.want) {
			t.Errorf("jsonPath(%q) = %v, %v; want %v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}
