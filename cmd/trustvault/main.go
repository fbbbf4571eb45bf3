package main

import (
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/crypto/pbkdf2"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
)

func main() {}
