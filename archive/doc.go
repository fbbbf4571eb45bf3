// Package archive owns the backup file: a tar.gz whose entries carry fixed
// modes (0600 files, 0700 directories, in the headers and not only on
// disk), with a manifest of every entry's SHA-256; optionally encrypted
// with age under a passphrase (scrypt), while a plain tar.gz stays
// available so that docker's documented `tar -xzf` restore still works.
//
// It writes an archive durably to a directory (partial name, fsync,
// rename to a new unique name, fsync of the directory), verifies it by
// reading it back from the device rather than the page cache, and reads
// archives back safely: the whole archive is validated in memory (only
// the tar dialect it writes, checked on the raw headers and read again by
// archive/tar, which must agree; only regular files and directories with
// local names; the size, count and scrypt limits of readfile.go and
// age.go; every digest against the manifest) before Extract writes
// anything, and Extract never silently replaces a file that differs. What
// it opens to read must be a regular file, checked on the open descriptor
// (ReadFile, ReadFileUncached).
//
// archive knows nothing of keys or roles: the manifest carries the labels
// its caller gives it. It imports nothing from the project.
package archive
