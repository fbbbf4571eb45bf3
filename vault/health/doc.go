// Package health is the advice layer: the findings of `doctor` and the
// Health page (most urgent first, each with its fix), each key's backup
// state from the backup records, the error translator behind `explain`,
// the lost-key guides filled in for one key and repository, and the words
// for token errors.
//
// It reads the key store only through vault's exported names (Check,
// CheckEach, ExplainStore and StoreGuide take the store; Diagnose,
// DiagnoseLean, Walk, Explain and GuideFor take what a caller has already
// read, so the interactive view does no I/O; CheckEach and Walk hand the
// findings over one at a time, for doctor). It imports vault, vault/keyrole, vault/tuf, vault/token
// and assets.
package health
