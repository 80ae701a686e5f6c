package api_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestWebhookIsSignedAndRetriedUnderOneID(t *testing.T) {
	t.Parallel()
	// The services' clock stands at the wall clock's now (the receiver's
	// library checks timestamps against it) and moves only when told.
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	env := testenv.New(t, func(c *config.Config) { c.Clock = clock })
	_, staff := env.StaffToken(t)
	recv := newReceiver(t, http.StatusInternalServerError, http.StatusInternalServerError)
	endpoint, secret := createEndpoint(t, env, staff, recv.URL+"/hooks", "organization.activated")
	verifier, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	publishSteps(t, env, staff, manualStep("setup", true))
	setActivation(t, env, staff, 30, "setup")
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: clock.Now().Add(-time.Hour)})

	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/steps/setup/complete", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	first := recv.waitFor(t, 1)[0]
	if err := verifier.Verify(first.body, first.header); err != nil {
		t.Fatalf("the first attempt does not verify: %v", err)
	}
	waitForRetryable(t, env, 1)
	if n := runDueRetries(t, env, clock.Now().Add(59*time.Second)); n != 0 {
		t.Fatal("the retry ran before its backoff")
	}
	clock.Advance(time.Minute)
	if n := runDueRetries(t, env, clock.Now()); n != 1 {
		t.Fatalf("%d retries due a minute after the first failure, want 1", n)
	}
	recv.waitFor(t, 2)
	waitForRetryable(t, env, 1)
	clock.Advance(5 * time.Minute)
	runDueRetries(t, env, clock.Now())
	got := recv.waitFor(t, 3)
	waitForJobs(t, env, "deliver_webhook")

	for i, w := range got {
		// The library checks the signature; the timestamp is each
		// attempt's own, on the services' clock (moved past the library's
		// tolerance of the wall clock), so it is compared here.
		if err := verifier.VerifyIgnoringTimestamp(w.body, w.header); err != nil {
			t.Errorf("attempt %d does not verify: %v", i+1, err)
		}
		if id := w.header.Get("webhook-id"); id != first.header.Get("webhook-id") || !strings.HasPrefix(id, "msg_") {
			t.Errorf("attempt %d has webhook-id %q, want %q on every attempt", i+1, id, first.header.Get("webhook-id"))
		}
		if string(w.body) != string(first.body) {
			t.Errorf("attempt %d sent another body", i+1)
		}
	}
	wantTimes := []time.Time{clock.Now().Add(-6 * time.Minute), clock.Now().Add(-5 * time.Minute), clock.Now()}
	for i, w := range got {
		if ts := w.header.Get("webhook-timestamp"); ts != strconv.FormatInt(wantTimes[i].Unix(), 10) {
			t.Errorf("attempt %d: webhook-timestamp %s, want %d", i+1, ts, wantTimes[i].Unix())
		}
	}
	body := decodeWebhook(t, first)
	if body.Type != "organization.activated" || !strings.Contains(string(body.Data), org.ID.String()) || strings.Contains(string(first.body), org.OwnerID.String()) {
		t.Fatalf("body %s: want the organization's activation, naming no one", first.body)
	}

	list := env.Do(t, http.MethodGet, "/v1/admin/webhook-endpoints/"+endpoint+"/deliveries", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
	var deliveries struct {
		Items []struct {
			ID            string
			WebhookID     string     `json:"webhook_id"`
			Status        string     `json:"status"`
			AttemptCount  int        `json:"attempt_count"`
			NextAttemptAt *time.Time `json:"next_attempt_at"`
			Attempts      []struct {
				StatusCode *int `json:"status_code"`
			} `json:"attempts"`
		} `json:"items"`
	}
	list.Decode(t, &deliveries)
	if len(deliveries.Items) != 1 {
		t.Fatalf("%d deliveries, want 1: %s", len(deliveries.Items), list.Body)
	}
	d := deliveries.Items[0]
	if d.Status != "succeeded" || d.AttemptCount != 3 || d.NextAttemptAt != nil || d.WebhookID != first.header.Get("webhook-id") || len(d.Attempts) != 3 ||
		*d.Attempts[0].StatusCode != 500 || *d.Attempts[1].StatusCode != 500 || *d.Attempts[2].StatusCode != 200 {
		t.Fatalf("delivery %s: want succeeded on the third attempt after two 500s", list.Body)
	}

	// Sent again on request, under the same id.
	env.Do(t, http.MethodPost, "/v1/admin/webhook-endpoints/"+endpoint+"/deliveries/"+d.ID+"/retry", nil, testenv.WithBearer(staff)).Expect(t, http.StatusAccepted)
	again := recv.waitFor(t, 4)[3]
	if again.header.Get("webhook-id") != first.header.Get("webhook-id") {
		t.Fatal("a manual retry changed the webhook-id")
	}
	env.Do(t, http.MethodPost, "/v1/admin/webhook-endpoints/"+endpoint+"/deliveries/"+org.ID.String()+"/retry", nil, testenv.WithBearer(staff)).Expect(t, http.StatusNotFound)
	env.Do(t, http.MethodGet, "/v1/admin/webhook-endpoints/"+endpoint+"/deliveries", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusForbidden)
}

func TestNothingIsDeliveredForAChangeThatRolledBack(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	recv := newReceiver(t)
	createEndpoint(t, env, staff, recv.URL, "member.joined")
	org := env.NewOrg(t, testenv.OrgOptions{})
	member, _ := env.NewMember(t, org.ID, "member")
	ctx := context.Background()
	joined := serverevent.Event{OrganizationID: org.ID, Name: serverevent.MemberJoined, UserID: member}

	failed := errors.New("the change failed after recording its event")
	err := env.DB.InTx(ctx, func(tx *database.Tx) error {
		if err := env.App.Onboarding.Record(ctx, tx, joined); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("rolled-back change: %v", err)
	}
	if err := env.DB.InTx(ctx, func(tx *database.Tx) error { return env.App.Onboarding.Record(ctx, tx, joined) }); err != nil {
		t.Fatal(err)
	}
	got := recv.waitFor(t, 1)
	waitForJobs(t, env, "deliver_webhook")
	if n := len(recv.received()); n != 1 {
		t.Fatalf("%d deliveries, want only the committed change's", n)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM webhook_messages`); n != 1 {
		t.Fatalf("%d messages in the outbox, want 1", n)
	}
	body := decodeWebhook(t, got[0])
	// Who joined stays inside: only the organization and its count.
	if body.Type != "member.joined" || strings.Contains(string(got[0].body), member.String()) || !strings.Contains(string(body.Data), `"members_joined":2`) {
		t.Fatalf("member.joined body %s", got[0].body)
	}
}

func TestWebhookPayloadsCarryOrganizationFactsOnly(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	recv := newReceiver(t)
	createEndpoint(t, env, staff, recv.URL, "organization.step_completed", "subscription.updated")
	member := manualStep("read_guide", false)
	member["scope"] = "member"
	publishSteps(t, env, staff, manualStep("invite_team", false), member)
	org := env.NewOrg(t, testenv.OrgOptions{})
	memberID, memberToken := env.NewMember(t, org.ID, "member")

	// A member's own step is theirs alone: no webhook.
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(memberToken)).Expect(t, http.StatusOK)
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/steps/invite_team/complete", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	ctx := context.Background()
	err := env.DB.InTx(ctx, func(tx *database.Tx) error {
		return env.App.Onboarding.Record(ctx, tx, serverevent.Event{OrganizationID: org.ID, Name: serverevent.SubscriptionUpdated,
			Properties: map[string]any{"subscription_id": "sub-1", "status": "active", "seats": 12, "plan_id": "standalone-monthly"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := recv.waitFor(t, 2)
	waitForJobs(t, env, "deliver_webhook")
	if len(recv.received()) != 2 {
		t.Fatalf("%d webhooks, want the organization step and the subscription only", len(recv.received()))
	}
	types := map[string]string{}
	for _, w := range got {
		b := decodeWebhook(t, w)
		types[b.Type] = string(b.Data)
		if strings.Contains(string(w.body), memberID.String()) || strings.Contains(string(w.body), "read_guide") || strings.Contains(string(w.body), org.OwnerID.String()) {
			t.Errorf("%s names a person or a member step: %s", b.Type, w.body)
		}
	}
	if !strings.Contains(types["organization.step_completed"], `"key":"invite_team"`) {
		t.Errorf("step_completed data %s", types["organization.step_completed"])
	}
	if !strings.Contains(types["subscription.updated"], `"seats":12`) || !strings.Contains(types["subscription.updated"], `"change":"updated"`) {
		t.Errorf("subscription.updated data %s", types["subscription.updated"])
	}
}

func TestPrivateWebhookURLsAreRefused(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.WebhookAllowPrivate = false })
	_, staff := env.StaffToken(t)
	for _, url := range []string{"http://127.0.0.1:8080/hooks", "http://localhost/hooks", "https://10.1.2.3/", "http://192.168.1.10/",
		"http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
		"ftp://example.com/", "https://user:pass@example.com/"} {
		res := env.Do(t, http.MethodPost, "/v1/admin/webhook-endpoints", map[string]any{"url": url, "events": []string{"member.joined"}},
			testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(res.Body), `"url"`) {
			t.Errorf("%s: the 422 does not name url: %s", url, res.Body)
		}
	}
	org := env.NewOrg(t, testenv.OrgOptions{})
	env.Do(t, http.MethodPost, "/v1/admin/webhook-endpoints", map[string]any{"url": "https://example.com/", "events": []string{"member.joined"}},
		testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodPost, "/v1/admin/webhook-endpoints", map[string]any{"url": "https://93.184.215.14/", "events": []string{"nope"}},
		testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)
	if n := scalar[int](t, env, `SELECT count(*) FROM webhook_endpoints`); n != 0 {
		t.Fatalf("%d endpoints stored", n)
	}
}
