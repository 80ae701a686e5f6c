package main

import (
	"context"
	"io"

	"github.com/onramp/onramp/config"
)

// staff manages staff users; implemented with the accounts work.
func staff(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) error {
	return usageError{"staff: not implemented yet"}
}
