// Package assets holds trustvault's embedded documents: the lost-key guides,
// one per key type (root, targets, delegation, snapshot, timestamp).
//
// A guide is text/template source in a light markdown: "# " and "## "
// headings, paragraphs, "- " lists and ```sh blocks of commands. assets
// only stores them; vault fills them with a person's repository and key IDs
// (vault.LostKeyGuide), and the command line and the TUI show the result.
//
// assets is a leaf: it imports nothing from the project and knows nothing
// of keys or roles beyond the guides' names.
package assets
