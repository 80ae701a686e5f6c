package migrations_test

import (
	"context"
	"testing"
)

// Invitations from before migration 9 keep the language their email was
// written in: their sender's, English when the sender had said none or is
// gone.
func TestInvitationsKeepTheLanguageTheyWereSentIn(t *testing.T) {
	t.Parallel()
	db, provider := migratedTo(t, 8)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO organizations (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'Acme');
		INSERT INTO users (id, email, full_name, password_hash, locale) VALUES
		    ('00000000-0000-0000-0000-0000000000a1', 'ada@acme.test', 'Ada', 'x', 'fr'),
		    ('00000000-0000-0000-0000-0000000000b1', 'bob@acme.test', 'Bob', 'x', NULL);
		INSERT INTO invitations (id, organization_id, email, role, invited_by, token_hash, expires_at) VALUES
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a', 'by-ada@acme.test', 'member', '00000000-0000-0000-0000-0000000000a1', 'h1', now()),
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a', 'by-bob@acme.test', 'member', '00000000-0000-0000-0000-0000000000b1', 'h2', now()),
		    (gen_random_uuid(), '00000000-0000-0000-0000-00000000000a', 'by-nobody@acme.test', 'member', NULL, 'h3', now());`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT email, locale FROM invitations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var email, locale string
		if err := rows.Scan(&email, &locale); err != nil {
			t.Fatal(err)
		}
		got[email] = locale
	}
	if got["by-ada@acme.test"] != "fr" || got["by-bob@acme.test"] != "en" || got["by-nobody@acme.test"] != "en" || len(got) != 3 {
		t.Fatalf("backfilled locales %v", got)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE invitations SET locale = 'de' WHERE email = 'by-ada@acme.test'`); err == nil {
		t.Fatal("an invitation took a language we do not write in")
	}
}
