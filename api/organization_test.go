package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestOrganizationReadAndRename(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme"})
	org := env.Do(t, http.MethodGet, "/v1/organization", nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusOK).Map(t)
	if org["name"] != "Acme" || org["billing_status"] != "none" || org["activated_at"] != nil {
		t.Fatalf("organization %v", org)
	}
	renamed := env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": "  Acme Corp  "}, testenv.WithBearer(owner.AccessToken)).
		Expect(t, http.StatusOK).Map(t)
	if renamed["name"] != "Acme Corp" {
		t.Fatalf("renamed %v", renamed)
	}
	res := env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": ""}, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusUnprocessableEntity)
	if !problemFields(t, res)["name"] {
		t.Fatalf("fields %s", res.Body)
	}
	_, member := env.NewMember(t, owner.Organization.ID, "member")
	env.Do(t, http.MethodGet, "/v1/organization", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK)
	env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": "Hijacked"}, testenv.WithBearer(member)).Expect(t, http.StatusForbidden)

	_, staff := env.StaffToken(t)
	env.Do(t, http.MethodGet, "/v1/organization", nil, testenv.WithBearer(staff)).Expect(t, http.StatusForbidden)
	me := env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Map(t)
	if me["organization"] != nil || me["role"] != nil || me["user"].(map[string]any)["staff"] != true {
		t.Fatalf("staff me %v", me)
	}
}

func TestMembersListIsPaginated(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	want := map[uuid.UUID]bool{owner.User.ID: true}
	for i := 0; i < 4; i++ {
		id, _ := env.NewMember(t, owner.Organization.ID, "member")
		want[id] = true
	}
	env.NewOrg(t, testenv.OrgOptions{}) // another tenant's members never show

	seen := map[uuid.UUID]bool{}
	cursor, pages := "", 0
	for {
		path := "/v1/organization/members?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Items []struct {
				UserID uuid.UUID `json:"user_id"`
				Role   string    `json:"role"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		env.Do(t, http.MethodGet, path, nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusOK).Decode(t, &page)
		pages++
		for _, m := range page.Items {
			if seen[m.UserID] {
				t.Fatalf("member %s on two pages", m.UserID)
			}
			seen[m.UserID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if pages != 3 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d members; want 3 pages, %d members", pages, len(seen), len(want))
	}
	for id := range want {
		if !seen[id] {
			t.Fatalf("member %s missing", id)
		}
	}
	env.Do(t, http.MethodGet, "/v1/organization/members?cursor=garbage", nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodGet, "/v1/organization/members?limit=0", nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodGet, "/v1/organization/members", nil).Expect(t, http.StatusUnauthorized)
}

func TestMemberRoles(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	orgID := owner.Organization.ID
	adminID, admin := env.NewMember(t, orgID, "admin")
	memberID, member := env.NewMember(t, orgID, "member")
	path := func(id uuid.UUID) string { return "/v1/organization/members/" + id.String() }
	patch := func(tok string, id uuid.UUID, role string) *testenv.Response {
		return env.Do(t, http.MethodPatch, path(id), map[string]any{"role": role}, testenv.WithBearer(tok))
	}

	// The last owner can never be demoted, not even by themselves.
	if patch(owner.AccessToken, owner.User.ID, "admin").Expect(t, http.StatusConflict).Code(t) != "last_owner" {
		t.Fatal("want last_owner")
	}
	// Admins manage members and admins, never the owner role.
	got := patch(admin, memberID, "admin").Expect(t, http.StatusOK).Map(t)
	if got["role"] != "admin" || got["user_id"] != memberID.String() {
		t.Fatalf("patched %v", got)
	}
	patch(admin, memberID, "member").Expect(t, http.StatusOK)
	patch(admin, memberID, "owner").Expect(t, http.StatusForbidden)
	patch(admin, owner.User.ID, "member").Expect(t, http.StatusForbidden)
	patch(member, adminID, "member").Expect(t, http.StatusForbidden)
	patch(owner.AccessToken, memberID, "boss").Expect(t, http.StatusUnprocessableEntity)

	// An owner makes a second owner; then the first may step down.
	patch(owner.AccessToken, adminID, "owner").Expect(t, http.StatusOK)
	patch(owner.AccessToken, owner.User.ID, "member").Expect(t, http.StatusOK)
	if patch(admin, adminID, "admin").Expect(t, http.StatusConflict).Code(t) != "last_owner" {
		t.Fatal("want last_owner")
	}

	// A token minted before a demotion does not keep its powers: the role
	// is read from the database.
	patch(owner.AccessToken, memberID, "admin").Expect(t, http.StatusForbidden)
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, owner.User.Email)
	orgID := owner.Organization.ID
	_, admin := env.NewMember(t, orgID, "admin")
	del := func(tok string, id uuid.UUID) *testenv.Response {
		return env.Do(t, http.MethodDelete, "/v1/organization/members/"+id.String(), nil, testenv.WithBearer(tok))
	}

	// A member removed loses their sessions in the organization.
	env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "bob@acme.test"}, testenv.WithBearer(owner.AccessToken)).
		Expect(t, http.StatusCreated)
	var bob testenv.Session
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{
		"token": testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@acme.test", "Join").Text), "full_name": "Bob", "password": "bob's long password",
	}).Expect(t, http.StatusCreated).Decode(t, &bob)
	del(admin, bob.User.ID).Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": bob.RefreshToken}).Expect(t, http.StatusUnauthorized)
	del(admin, bob.User.ID).Expect(t, http.StatusNotFound)

	del(admin, owner.User.ID).Expect(t, http.StatusForbidden)
	if del(owner.AccessToken, owner.User.ID).Expect(t, http.StatusConflict).Code(t) != "last_owner" {
		t.Fatal("want last_owner")
	}
	var owners int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM memberships WHERE organization_id = $1 AND role = 'owner'`, orgID).Scan(&owners); err != nil || owners != 1 {
		t.Fatalf("owners %d, %v", owners, err)
	}
	del(owner.AccessToken, uuid.Must(uuid.NewV7())).Expect(t, http.StatusNotFound)
	env.Do(t, http.MethodDelete, "/v1/organization/members/not-a-uuid", nil, testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusNotFound)
}

func TestAnotherOrganizationsMembersAndInvitationsAre404(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	mine := env.Signup(t, testenv.SignupOptions{})
	theirs := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, theirs.User.Email)
	theirMemberID, _ := env.NewMember(t, theirs.Organization.ID, "member")
	var inv struct {
		ID uuid.UUID `json:"id"`
	}
	env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "x@theirs.test"}, testenv.WithBearer(theirs.AccessToken)).
		Expect(t, http.StatusCreated).Decode(t, &inv)

	tok := testenv.WithBearer(mine.AccessToken)
	for _, id := range []uuid.UUID{theirMemberID, theirs.User.ID} {
		env.Do(t, http.MethodPatch, "/v1/organization/members/"+id.String(), map[string]any{"role": "admin"}, tok).Expect(t, http.StatusNotFound)
		env.Do(t, http.MethodDelete, "/v1/organization/members/"+id.String(), nil, tok).Expect(t, http.StatusNotFound)
	}
	env.Do(t, http.MethodDelete, "/v1/organization/invitations/"+inv.ID.String(), nil, tok).Expect(t, http.StatusNotFound)

	var status string
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT role FROM memberships WHERE user_id = $1`, theirMemberID).Scan(&status); err != nil || status != "member" {
		t.Fatalf("their member: %q, %v", status, err)
	}
	var revoked bool
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT revoked_at IS NOT NULL FROM invitations WHERE id = $1`, inv.ID).Scan(&revoked); err != nil || revoked {
		t.Fatalf("their invitation revoked: %v, %v", revoked, err)
	}
	// A token for an organization the user is not in does not help either:
	// it stands for no membership, so it grants nothing.
	forged := env.Token(t, auth.Principal{UserID: mine.User.ID, OrgID: theirs.Organization.ID, Role: "owner"})
	env.Do(t, http.MethodDelete, "/v1/organization/members/"+theirMemberID.String(), nil, testenv.WithBearer(forged)).Expect(t, http.StatusUnauthorized)
}

func TestTwoOwnersDemotingEachOtherAtOnceLeaveAnOwner(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for round := 0; round < 5; round++ {
		org := env.NewOrg(t, testenv.OrgOptions{})
		otherID, other := env.NewMember(t, org.ID, "owner")
		statuses := parallel(2, func(i int) int {
			tok, target := org.OwnerToken, otherID
			if i == 1 {
				tok, target = other, org.OwnerID
			}
			return env.Do(t, http.MethodPatch, "/v1/organization/members/"+target.String(), map[string]any{"role": "member"}, testenv.WithBearer(tok)).Status
		})
		var owners int
		if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM memberships WHERE organization_id = $1 AND role = 'owner'`, org.ID).Scan(&owners); err != nil {
			t.Fatal(err)
		}
		// The loser is refused: either the last owner (409) or, if demoted
		// first, no longer a manager (403).
		if owners != 1 || count(statuses, http.StatusOK) != 1 {
			t.Fatalf("round %d: statuses %v, %d owners left; want exactly one demotion and one owner", round, statuses, owners)
		}
	}
}

func TestRacingInvitationsForOneEmail(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, owner.User.Email)
	statuses := parallel(6, func(int) int {
		return env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "bob@acme.test"}, testenv.WithBearer(owner.AccessToken)).Status
	})
	if count(statuses, http.StatusCreated) != 1 || count(statuses, http.StatusConflict) != 5 {
		t.Fatalf("statuses %v: want one 201 and five 409", statuses)
	}
}
