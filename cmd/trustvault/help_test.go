package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExitStatusDocumented: --help and the README's Commands section state
// the same exit statuses.
func TestExitStatusDocumented(t *testing.T) {
	var help bytes.Buffer
	if code := run([]string{"--help"}, strings.NewReader(""), &help, &help, nil); code != exitOK {
		t.Fatalf("--help exited %d", code)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(`\s+`)
	const want = "Exit status: 0 on success, 1 when a command fails, 2 for a bad flag or argument."
	for name, text := range map[string]string{"--help": help.String(), "README.md": string(readme)} {
		if !strings.Contains(space.ReplaceAllString(text, " "), want) {
			t.Errorf("%s does not say %q", name, want)
		}
	}
}

// TestNoLongFunctions: no function in this command over 120 lines
// (closures count toward the function that holds them).
func TestNoLongFunctions(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > 120 {
					t.Errorf("%s: %s is %d lines, over 120", f, fd.Name.Name, n)
				}
			}
		}
	}
}
