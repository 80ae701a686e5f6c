package api_test

import (
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestMembersListIsForOwnersAndAdmins: who enrolled in a mental-health
// offer is itself private, so a member cannot list the others.
func TestMembersListIsForOwnersAndAdmins(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, admin := env.NewMember(t, org.ID, "admin")
	_, member := env.NewMember(t, org.ID, "member")

	for _, tok := range []string{org.OwnerToken, admin} {
		env.Do(t, http.MethodGet, "/v1/organization/members", nil, testenv.WithBearer(tok)).Expect(t, http.StatusOK)
	}
	res := env.Do(t, http.MethodGet, "/v1/organization/members", nil, testenv.WithBearer(member)).Expect(t, http.StatusForbidden)
	if res.Map(t)["items"] != nil {
		t.Fatalf("a member was shown the members: %s", res.Body)
	}
}
