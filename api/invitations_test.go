package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

type invitation struct {
	ID        uuid.UUID  `json:"id"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	Status    string     `json:"status"`
	InvitedBy *uuid.UUID `json:"invited_by"`
}

func invite(t *testing.T, env *testenv.Env, token, email, role string) *testenv.Response {
	t.Helper()
	body := map[string]any{"email": email}
	if role != "" {
		body["role"] = role
	}
	return env.Do(t, http.MethodPost, "/v1/organization/invitations", body, testenv.WithBearer(token))
}

func TestInviteAndAcceptAsNewUser(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme", FullName: "Ada Admin"})
	env.VerifyEmail(t, owner.User.Email)

	var inv invitation
	invite(t, env, owner.AccessToken, "Bob@Acme.test", "").Expect(t, http.StatusCreated).Decode(t, &inv)
	if inv.Email != "bob@acme.test" || inv.Role != "member" || inv.Status != "pending" || inv.InvitedBy == nil || *inv.InvitedBy != owner.User.ID {
		t.Fatalf("invitation %+v", inv)
	}
	msg := env.Mail.WaitFor(t, "bob@acme.test", "Join Acme on Onramp")
	if !strings.Contains(msg.Text, "http://onramp.test/accept-invitation?token=") || !strings.Contains(msg.Text, "Ada Admin") {
		t.Fatalf("invitation email:\n%s", msg.Text)
	}
	token := testenv.LinkToken(t, msg.Text)
	var stored []byte
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT token_hash FROM invitations WHERE id = $1`, inv.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), token) || len(stored) != 32 {
		t.Fatal("the invitation token is not stored as a hash")
	}

	res := env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}).Expect(t, http.StatusUnprocessableEntity)
	if f := problemFields(t, res); !f["full_name"] || !f["password"] {
		t.Fatalf("fields %s", res.Body)
	}
	var bob testenv.Session
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Bob Builder", "password": "another long password"}).
		Expect(t, http.StatusCreated).Decode(t, &bob)
	if bob.Organization.ID != owner.Organization.ID || *bob.Role != "member" || bob.User.Email != "bob@acme.test" || !bob.User.EmailVerified {
		t.Fatalf("accepted session %+v", bob)
	}
	env.Do(t, http.MethodGet, "/v1/organization", nil, testenv.WithBearer(bob.AccessToken)).Expect(t, http.StatusOK)
	env.Login(t, "bob@acme.test", "another long password")

	// Single use.
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Mallory", "password": "another long password"}).
		Expect(t, http.StatusUnprocessableEntity)

	var list struct{ Items []invitation }
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusOK).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Status != "accepted" {
		t.Fatalf("invitations %+v", list.Items)
	}
	if invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusConflict).Code(t) != "already_member" {
		t.Fatal("want already_member")
	}
	if env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+inv.ID.String(), nil, testenv.WithBearer(owner.AccessToken)).
		Expect(t, http.StatusConflict).Code(t) != "invitation_accepted" {
		t.Fatal("want invitation_accepted")
	}
}

func TestInvitationRules(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, owner.User.Email)
	_, admin := env.NewMember(t, owner.Organization.ID, "admin")
	_, member := env.NewMember(t, owner.Organization.ID, "member")

	invite(t, env, member, "x@acme.test", "").Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, testenv.WithBearer(member)).Expect(t, http.StatusForbidden)
	invite(t, env, admin, "x@acme.test", "owner").Expect(t, http.StatusForbidden)
	invite(t, env, owner.AccessToken, "x@acme.test", "owner").Expect(t, http.StatusCreated)
	if invite(t, env, admin, "X@acme.test", "member").Expect(t, http.StatusConflict).Code(t) != "invitation_exists" {
		t.Fatal("want invitation_exists")
	}
	if invite(t, env, admin, owner.User.Email, "member").Expect(t, http.StatusConflict).Code(t) != "already_member" {
		t.Fatal("want already_member")
	}
	res := invite(t, env, admin, "not an email", "chief").Expect(t, http.StatusUnprocessableEntity)
	if f := problemFields(t, res); !f["email"] || !f["role"] {
		t.Fatalf("fields %s", res.Body)
	}
	invite(t, env, admin, "y@acme.test", "").Expect(t, http.StatusCreated)
	invite(t, env, admin, "z@acme.test", "admin").Expect(t, http.StatusCreated)

	// Newest first, paginated.
	var p1, p2 struct {
		Items      []invitation
		NextCursor string `json:"next_cursor"`
	}
	env.Do(t, http.MethodGet, "/v1/organization/invitations?limit=2", nil, testenv.WithBearer(admin)).Expect(t, http.StatusOK).Decode(t, &p1)
	env.Do(t, http.MethodGet, "/v1/organization/invitations?limit=2&cursor="+p1.NextCursor, nil, testenv.WithBearer(admin)).Expect(t, http.StatusOK).Decode(t, &p2)
	if len(p1.Items) != 2 || p1.Items[0].Email != "z@acme.test" || p1.Items[1].Email != "y@acme.test" || len(p2.Items) != 1 || p2.Items[0].Email != "x@acme.test" || p2.NextCursor != "" {
		t.Fatalf("pages %+v / %+v", p1, p2)
	}
}

func TestRevokedAndExpiredInvitationsCannotBeAccepted(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, owner.User.Email)
	var inv invitation
	invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusCreated).Decode(t, &inv)
	revoked := testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@acme.test", "Join").Text)

	env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+inv.ID.String(), nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+inv.ID.String(), nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+uuid.NewString(), nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusNotFound)
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": revoked, "full_name": "Bob", "password": "another long password"}).
		Expect(t, http.StatusUnprocessableEntity)

	// A revoked invitation frees the email for a new one; once expired, so
	// does an unanswered one.
	var second invitation
	invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusCreated).Decode(t, &second)
	waitForCount(t, env, "bob@acme.test", 2)
	var expired string
	for _, m := range env.Mail.Messages() {
		if tok := testenv.LinkToken(t, m.Text); m.To[0] == "bob@acme.test" && tok != revoked {
			expired = tok
		}
	}
	var ttl float64
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT extract(epoch FROM expires_at - created_at) FROM invitations WHERE id = $1`, second.ID).Scan(&ttl); err != nil || ttl != 7*24*3600 {
		t.Fatalf("invitation lifetime %vs, %v; want 7 days", ttl, err)
	}
	if _, err := env.DB.Pool.Exec(t.Context(), `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, second.ID); err != nil {
		t.Fatal(err)
	}
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": expired, "full_name": "Bob", "password": "another long password"}).
		Expect(t, http.StatusUnprocessableEntity)
	var list struct{ Items []invitation }
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusOK).Decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].Status != "expired" || list.Items[1].Status != "revoked" {
		t.Fatalf("statuses %+v", list.Items)
	}
	invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusCreated)
	var users int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE email = 'bob@acme.test'`).Scan(&users); err != nil || users != 0 {
		t.Fatalf("users %d, %v", users, err)
	}
}

func TestAcceptInvitationAsExistingUser(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	acme := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, acme.User.Email)
	bob := env.Signup(t, testenv.SignupOptions{Email: "bob@other.test"})
	eve := env.Signup(t, testenv.SignupOptions{Email: "eve@other.test"})
	invite(t, env, acme.AccessToken, "bob@other.test", "admin").Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@other.test", "Join").Text)

	// Without a bearer token, the address is taken.
	if env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Bob", "password": "another long password"}).
		Expect(t, http.StatusConflict).Code(t) != "email_taken" {
		t.Fatal("want email_taken")
	}
	// Someone else signed in cannot take it.
	if env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}, testenv.WithBearer(eve.AccessToken)).
		Expect(t, http.StatusForbidden).Code(t) != "invitation_email_mismatch" {
		t.Fatal("want invitation_email_mismatch")
	}
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "password": "another long password"}, testenv.WithBearer(bob.AccessToken)).
		Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}, testenv.WithBearer("forged")).Expect(t, http.StatusUnauthorized)

	var joined testenv.Session
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}, testenv.WithBearer(bob.AccessToken)).
		Expect(t, http.StatusCreated).Decode(t, &joined)
	if joined.Organization.ID != acme.Organization.ID || *joined.Role != "admin" || joined.User.ID != bob.User.ID {
		t.Fatalf("joined %+v", joined)
	}
	var members struct {
		Items []struct{ Email, Role string }
	}
	env.Do(t, http.MethodGet, "/v1/organization/members", nil, testenv.WithBearer(acme.AccessToken)).Expect(t, http.StatusOK).Decode(t, &members)
	if len(members.Items) != 2 || members.Items[1].Email != "bob@other.test" || members.Items[1].Role != "admin" {
		t.Fatalf("members %+v", members.Items)
	}
}

func TestRacingAcceptsOfOneInvitation(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, owner.User.Email)
	invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@acme.test", "Join").Text)
	statuses := parallel(5, func(int) int {
		return env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Bob", "password": "another long password"}).Status
	})
	if n := count(statuses, http.StatusCreated); n != 1 {
		t.Fatalf("statuses %v: %d accepted, want 1", statuses, n)
	}
}

// TestInvitingNeedsAVerifiedEmail: invitations email other people, so
// the inviter must have proved their own address first.
func TestInvitingNeedsAVerifiedEmail(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	if invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusForbidden).Code(t) != "email_unverified" {
		t.Fatal("want email_unverified")
	}
	var invitations int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations`).Scan(&invitations); err != nil || invitations != 0 {
		t.Fatalf("%d invitations, %v", invitations, err)
	}
	env.VerifyEmail(t, "ada@acme.test")
	invite(t, env, owner.AccessToken, "bob@acme.test", "").Expect(t, http.StatusCreated)
	env.Mail.WaitFor(t, "bob@acme.test", "Join")
}

// TestInvitationsAreLimitedPerOrganization: an organization sends at most
// 100 invitations an hour, then 429 with Retry-After; other organizations
// are not affected.
func TestInvitationsAreLimitedPerOrganization(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	other := env.NewOrg(t, testenv.OrgOptions{})
	statuses := parallel(100, func(i int) int {
		return invite(t, env, org.OwnerToken, fmt.Sprintf("employee%d@acme.test", i), "").Status
	})
	if count(statuses, http.StatusCreated) != 100 {
		t.Fatalf("statuses %v: want 100 invitations within the hourly limit", statuses)
	}
	expectRetryAfter(t, invite(t, env, org.OwnerToken, "one-more@acme.test", "").Expect(t, http.StatusTooManyRequests), time.Hour)
	invite(t, env, other.OwnerToken, "one-more@acme.test", "").Expect(t, http.StatusCreated)
	var invitations int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations WHERE organization_id = $1`, org.ID).Scan(&invitations); err != nil || invitations != 100 {
		t.Fatalf("%d invitations, %v; want 100", invitations, err)
	}
}

// TestInvitationsAreLimitedPerRecipient: an organization sends an address
// at most 5 invitations a day (invite, revoke, invite again no longer
// floods it); refused invitations do not count. The limit is per
// (organization, address): another organization can still invite the
// address, and its answer does not tell that someone else invited it.
func TestInvitationsAreLimitedPerRecipient(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	acme := env.NewOrg(t, testenv.OrgOptions{})
	globex := env.NewOrg(t, testenv.OrgOptions{})
	for i := 0; i < 5; i++ {
		var inv invitation
		invite(t, env, acme.OwnerToken, "victim@example.test", "").Expect(t, http.StatusCreated).Decode(t, &inv)
		if invite(t, env, acme.OwnerToken, "victim@example.test", "").Expect(t, http.StatusConflict).Code(t) != "invitation_exists" {
			t.Fatal("want invitation_exists")
		}
		env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+inv.ID.String(), nil, testenv.WithBearer(acme.OwnerToken)).Expect(t, http.StatusNoContent)
	}
	expectRetryAfter(t, invite(t, env, acme.OwnerToken, "victim@example.test", "").Expect(t, http.StatusTooManyRequests), 24*time.Hour)
	invite(t, env, globex.OwnerToken, "Victim@Example.test", "").Expect(t, http.StatusCreated)
	expectRetryAfter(t, invite(t, env, acme.OwnerToken, "Victim@Example.test", "").Expect(t, http.StatusTooManyRequests), 24*time.Hour)
	invite(t, env, acme.OwnerToken, "someone-else@example.test", "").Expect(t, http.StatusCreated)
	waitForCount(t, env, "victim@example.test", 6)
	if n := env.Mail.Count("victim@example.test"); n != 6 {
		t.Fatalf("%d invitation emails to one address, want 6 (5 from one organization, 1 from another)", n)
	}
}
