package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// createKey makes a server key as staff and returns its id and secret.
func createKey(t *testing.T, env *testenv.Env, staff string) (string, string) {
	t.Helper()
	res := env.Do(t, http.MethodPost, "/v1/admin/api-keys", map[string]any{"name": "Booking backend", "scopes": []string{"events:write"}},
		testenv.WithBearer(staff)).Expect(t, http.StatusCreated)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
	body := res.Map(t)
	key, _ := body["key"].(string)
	if !strings.HasPrefix(key, "onr_sk_") || len(key) < 40 {
		t.Fatalf("key %q: want onr_sk_ and 32 random bytes", key)
	}
	return body["id"].(string), key
}

// keyEvent is a server key's event about member user of org.
func keyEvent(org, user uuid.UUID, name string, at time.Time) map[string]any {
	e := ev(name, at)
	e["organization_id"], e["user_id"] = org.String(), user.String()
	return e
}

func TestServerKeysAreForStaffShownOnceAndAudited(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, admin := env.NewMember(t, org.ID, "admin")
	for _, token := range []string{org.OwnerToken, admin} {
		env.Do(t, http.MethodPost, "/v1/admin/api-keys", map[string]any{"name": "x", "scopes": []string{"events:write"}},
			testenv.WithBearer(token)).Expect(t, http.StatusForbidden)
		env.Do(t, http.MethodGet, "/v1/admin/api-keys", nil, testenv.WithBearer(token)).Expect(t, http.StatusForbidden)
	}
	_, staff := env.StaffToken(t)
	env.Do(t, http.MethodPost, "/v1/admin/api-keys", map[string]any{"name": "x", "scopes": []string{"events:read"}},
		testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/admin/api-keys", map[string]any{"name": "", "scopes": []string{}},
		testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)

	id, key := createKey(t, env, staff)
	list := env.Do(t, http.MethodGet, "/v1/admin/api-keys", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
	if strings.Contains(string(list.Body), key) || !strings.Contains(string(list.Body), id) {
		t.Fatalf("the list must name the key without showing it: %s", list.Body)
	}
	stored := scalar[[]byte](t, env, `SELECT key_hash FROM api_keys WHERE id = $1`, id)
	if len(stored) != 32 || strings.Contains(string(stored), key) {
		t.Fatalf("stored %x, want a SHA-256", stored)
	}
	env.Do(t, http.MethodDelete, "/v1/admin/api-keys/"+id, nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodDelete, "/v1/admin/api-keys/"+id, nil, testenv.WithBearer(staff)).Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodDelete, "/v1/admin/api-keys/"+id, nil, testenv.WithBearer(staff)).Expect(t, http.StatusNotFound)
	env.Do(t, http.MethodDelete, "/v1/admin/api-keys/not-an-id", nil, testenv.WithBearer(staff)).Expect(t, http.StatusNotFound)

	audit := env.Do(t, http.MethodGet, "/v1/admin/audit-log", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
	for _, action := range []string{"api_key.created", "api_key.revoked"} {
		if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_audit_log WHERE action = $1 AND target = $2`, action, "api_key:"+id); n != 1 {
			t.Errorf("%d %s audit entries, want 1", n, action)
		}
	}
	if strings.Contains(string(audit.Body), key) || strings.Contains(env.Log.String(), key) {
		t.Fatal("the key reached the audit log or the service's logs")
	}
}

func TestServerKeyEventsAreTheMembersOwnAndRevokedKeysStopAtOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, eventStep("book_session", "session_booked", 1, true))
	env.Do(t, http.MethodPatch, "/v1/admin/onboarding/steps/book_session", map[string]any{"scope": "member"}, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
	env.Do(t, http.MethodPost, "/v1/admin/onboarding/versions", nil, testenv.WithBearer(staff)).Expect(t, http.StatusCreated)
	org := env.NewOrg(t, testenv.OrgOptions{})
	member, memberToken := env.NewMember(t, org.ID, "member")
	other := env.NewOrg(t, testenv.OrgOptions{})
	id, key := createKey(t, env, staff)
	now := time.Now()

	// The member's booking, sent by the product's backend, is the member's own.
	e := keyEvent(org.ID, member, "session_booked", now)
	res := postEvents(t, env, key, e).Expect(t, http.StatusAccepted).Map(t)
	if res["accepted"] != float64(1) {
		t.Fatalf("accepted %v, want 1", res["accepted"])
	}
	if status, _, _, _ := checklist(t, env, memberToken).step(t, "book_session"); status != "completed" {
		t.Fatalf("the member's step is %s, want completed by the key's event", status)
	}
	if status, _, _, _ := checklist(t, env, org.OwnerToken).step(t, "book_session"); status != "pending" {
		t.Fatalf("the owner's own member step is %s: the member's event counted for someone else", status)
	}
	if got := scalar[uuid.UUID](t, env, `SELECT user_id FROM onboarding_events WHERE organization_id = $1 AND id = $2`, org.ID, e["id"]); got != member {
		t.Fatalf("event recorded for %v, want the member", got)
	}
	// The same id again is a duplicate, as for the member's own batches.
	res = postEvents(t, env, key, e).Expect(t, http.StatusAccepted).Map(t)
	if res["duplicates"] != float64(1) {
		t.Fatalf("duplicates %v, want 1", res["duplicates"])
	}

	// A non-member, an unknown organization or a missing user: 422 naming the event, nothing recorded.
	// (A malformed batch is refused before anyone's membership is read.)
	bad := postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", now), ev("session_booked", now)).Expect(t, http.StatusUnprocessableEntity)
	for _, field := range []string{"events[1].organization_id", "events[1].user_id"} {
		if !strings.Contains(string(bad.Body), `"`+field+`"`) {
			t.Errorf("the 422 does not name %s: %s", field, bad.Body)
		}
	}
	bad = postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", now), keyEvent(other.ID, member, "session_booked", now),
		keyEvent(uuid.New(), member, "session_booked", now)).Expect(t, http.StatusUnprocessableEntity)
	for _, field := range []string{"events[1].user_id", "events[2].organization_id"} {
		if !strings.Contains(string(bad.Body), `"`+field+`"`) {
			t.Errorf("the 422 does not name %s: %s", field, bad.Body)
		}
	}
	if strings.Contains(string(bad.Body), `"events[0]`) {
		t.Errorf("the 422 names the good event: %s", bad.Body)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE name = 'session_booked'`); n != 1 {
		t.Fatalf("%d events stored, want only the first", n)
	}
	// A member's token names no one else.
	postEvents(t, env, memberToken, keyEvent(org.ID, member, "session_booked", now)).Expect(t, http.StatusUnprocessableEntity)
	// Someone removed from the organization is no longer its member.
	env.Do(t, http.MethodDelete, "/v1/organization/members/"+member.String(), nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusNoContent)
	gone := postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", now)).Expect(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(gone.Body), `"events[0].user_id"`) {
		t.Fatalf("a removed member's event: %s", gone.Body)
	}

	// Revoked: refused on the very next request.
	env.Do(t, http.MethodDelete, "/v1/admin/api-keys/"+id, nil, testenv.WithBearer(staff)).Expect(t, http.StatusNoContent)
	postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", now)).Expect(t, http.StatusUnauthorized)
	postEvents(t, env, "onr_sk_made-up", keyEvent(org.ID, member, "session_booked", now)).Expect(t, http.StatusUnauthorized)
	// A key is no access token anywhere else.
	_, live := createKey(t, env, staff)
	env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(live)).Expect(t, http.StatusUnauthorized)

	// Nothing about the member's use of the service in the logs.
	if logs := env.Log.String(); strings.Contains(logs, member.String()) || strings.Contains(logs, "session_booked") {
		t.Fatal("the logs name the member or their event")
	}
}

func TestServerKeyRateLimit(t *testing.T) {
	t.Parallel()
	clock := fakeclock.At("2026-11-24T10:00:10Z")
	env := testenv.New(t, func(c *config.Config) { c.APIKeyRateLimit, c.Clock = 3, clock })
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: clock.Now().Add(-time.Hour)})
	member, _ := env.NewMember(t, org.ID, "member")
	_, key := createKey(t, env, staff)
	_, other := createKey(t, env, staff)
	at := clock.Now()

	postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", at), keyEvent(org.ID, member, "session_booked", at)).Expect(t, http.StatusAccepted)
	// Two more would make four in this minute: refused whole, until the minute ends.
	res := postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", at), keyEvent(org.ID, member, "session_booked", at)).
		Expect(t, http.StatusTooManyRequests)
	if got := res.Header.Get("Retry-After"); got != "50" {
		t.Fatalf("Retry-After %q, want 50 (the rest of the minute)", got)
	}
	postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", at)).Expect(t, http.StatusAccepted) // the third fits
	postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", at)).Expect(t, http.StatusTooManyRequests)
	// Another key has its own budget; the next minute starts over.
	postEvents(t, env, other, keyEvent(org.ID, member, "session_booked", at)).Expect(t, http.StatusAccepted)
	clock.Advance(50 * time.Second)
	postEvents(t, env, key, keyEvent(org.ID, member, "session_booked", at), keyEvent(org.ID, member, "session_booked", at)).Expect(t, http.StatusAccepted)
}
