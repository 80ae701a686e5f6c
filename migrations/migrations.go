// Package migrations embeds the versioned SQL files applied by goose.
// Files are named NNNNN_what.sql and never edited once landed: a change to
// the schema is a new file.
package migrations

import "embed"

//go:embed *.sql
var FS embed.FS
