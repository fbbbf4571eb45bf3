// Command trustvault is a key vault for Docker Content Trust (Notary v1 / TUF)
// signing keys. It works on the trust directory docker and notary already use.
//
// The commands live one per file in this package; run is the entry point that
// main and the script tests share.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}
