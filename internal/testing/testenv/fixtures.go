package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
)

// Org is an organization made directly in the database, with its owner,
// for tests of areas that need one without going through signup.
type Org struct {
	ID         uuid.UUID
	Name       string
	OwnerID    uuid.UUID
	OwnerToken string // an access token for the owner
}

// OrgOptions shape NewOrg's organization.
type OrgOptions struct {
	Name      string
	CreatedAt time.Time // signup time; zero: now
	UTMSource string
}

// NewOrg inserts an organization and its owner and mints the owner a token.
func (e *Env) NewOrg(t testing.TB, o OrgOptions) Org {
	t.Helper()
	if o.Name == "" {
		o.Name = "Org " + uuid.NewString()[:8]
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	var source *string
	if o.UTMSource != "" {
		source = &o.UTMSource
	}
	org := Org{ID: uuid.Must(uuid.NewV7()), Name: o.Name}
	e.exec(t, `INSERT INTO organizations (id, name, utm_source, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
		org.ID, o.Name, source, o.CreatedAt)
	org.OwnerID, org.OwnerToken = e.NewMember(t, org.ID, "owner")
	return org
}

// NewMember inserts a user with a membership of role in org and returns the
// user's id and an access token.
func (e *Env) NewMember(t testing.TB, orgID uuid.UUID, role string) (uuid.UUID, string) {
	t.Helper()
	userID := e.newUser(t, false)
	e.exec(t, `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)`, orgID, userID, role)
	return userID, e.Token(t, auth.Principal{UserID: userID, OrgID: orgID, Role: role})
}

// StaffToken inserts a staff user (no organization) and returns its id and
// an access token, as `onramp staff create` then login would.
func (e *Env) StaffToken(t testing.TB) (uuid.UUID, string) {
	t.Helper()
	userID := e.newUser(t, true)
	return userID, e.Token(t, auth.Principal{UserID: userID, Staff: true})
}

// Token opens a session for p (a refresh-token family, as sign-in does)
// and mints an access token in it with the service's own key. The token
// works as long as its session, user and membership do.
func (e *Env) Token(t testing.TB, p auth.Principal) string {
	t.Helper()
	p.SessionID = uuid.Must(uuid.NewV7())
	var org *uuid.UUID
	if p.HasOrg() {
		org = &p.OrgID
	}
	e.exec(t, `INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, expires_at)
		VALUES ($1, $2, $3, $4, $5, now() + interval '30 days')`, uuid.Must(uuid.NewV7()), p.SessionID, p.UserID, org, uuid.New().String())
	tok, _, err := e.App.Signer.Issue(p)
	if err != nil {
		t.Fatalf("mint token: %v", err)
	}
	return tok
}

func (e *Env) newUser(t testing.TB, staff bool) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	email := fmt.Sprintf("user-%s@example.test", id) // the whole id: v7 ids share their first digits within a millisecond
	// Not a real hash: fixture users sign in with tokens, never passwords.
	e.exec(t, `INSERT INTO users (id, email, full_name, password_hash, is_staff, email_verified_at) VALUES ($1, $2, $3, 'fixture-no-password', $4, now())`,
		id, email, "Fixture "+id.String()[:8], staff)
	return id
}

func (e *Env) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := e.DB.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}
