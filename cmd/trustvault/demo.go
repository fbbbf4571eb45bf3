package main

import (
	"errors"
)

// runDemo generates a demo vault in a temporary directory and shows it.
func (a *app) runDemo() error {
	return fail("--demo", errors.New("the demo vault generator is not built yet"))
}
