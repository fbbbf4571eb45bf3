// Package gcpace sets the garbage collector's pace for work that reads a
// whole store (list, doctor, the interactive view's load). What such work
// keeps grows with the store (records, keys, findings), and what each key
// file's reading leaves behind is garbage at once.
//
// One GOGC does not fit every store. A low one (30) keeps a large store's
// heap near what it keeps instead of twice that, for little marking per
// collection; on a small store it only makes collections (30 of them for
// list at 10,000 keys, 33 for doctor) to hold the heap under 4 MB. So
// Start sets a high GOGC, and once a collection finds more live than
// Threshold it sets the low one for the rest of the work; a Start while
// the live heap is already past Threshold sets the low one at once. Until
// then the heap stays under 16 MB, or Threshold times 1+High/100 (36 MB).
//
// At 10,000 keys: list 1 collection instead of 30 (150 to 120 ms), doctor
// 16 instead of 33 (290 to 250 ms). At 100,000 keys list's peak RSS is 35
// to 46 MiB (35 with GOGC 30 throughout) and the view's what it was with
// GOGC 30 throughout (172 MiB then).
//
// It is used by cmd/trustvault (list, doctor) and ui (the view's load), and
// imports the standard library only.
package gcpace
