package archive

// EntryNames are the names of an unencrypted archive's entries as the
// reader saw them, in order (for tests that compare them with GNU tar's
// listing of the same bytes).
func EntryNames(data []byte, lim Limits) ([]string, error) {
	cr, err := gunzip(data, lim)
	if err != nil {
		return nil, err
	}
	entries, _, err := scanTar(cr, lim)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.name
	}
	return names, nil
}
