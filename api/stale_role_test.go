package api_test

import (
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestRemovedOrDemotedAdminIsRefusedAtOnce: owner/admin routes check the
// membership as it is now, not the role in a token minted before the owner
// removed or demoted its holder. The removed admin's token no longer grants
// any access (401: the removal ended its session); the demoted admin is a
// member, whom these routes refuse (403).
func TestRemovedOrDemotedAdminIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme"})
	removedID, removedToken := env.NewMember(t, org.ID, "admin")
	demotedID, demotedToken := env.NewMember(t, org.ID, "admin")
	owner := testenv.WithBearer(org.OwnerToken)

	// Both admins can manage while they are admins.
	env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": "Acme Corp"}, testenv.WithBearer(removedToken)).Expect(t, http.StatusOK)

	env.Do(t, http.MethodDelete, "/v1/organization/members/"+removedID.String(), nil, owner).Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodPatch, "/v1/organization/members/"+demotedID.String(), map[string]any{"role": "member"}, owner).Expect(t, http.StatusOK)

	for tok, status := range map[string]int{removedToken: http.StatusUnauthorized, demotedToken: http.StatusForbidden} {
		bearer := testenv.WithBearer(tok)
		env.Do(t, http.MethodPatch, "/v1/organization", map[string]any{"name": "Taken over"}, bearer).Expect(t, status)
		env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "eve@evil.test", "role": "admin"}, bearer).Expect(t, status)
		env.Do(t, http.MethodPost, "/v1/billing/portal-sessions", map[string]any{}, bearer).Expect(t, status)
		env.Do(t, http.MethodPost, "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 5}, bearer).Expect(t, status)
	}
	var name string
	var invitations int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT name, (SELECT count(*) FROM invitations WHERE organization_id = $1) FROM organizations WHERE id = $1`, org.ID).Scan(&name, &invitations); err != nil {
		t.Fatal(err)
	}
	if name != "Acme Corp" || invitations != 0 {
		t.Fatalf("a former admin changed the organization: name %q, %d invitations", name, invitations)
	}
}
