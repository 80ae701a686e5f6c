package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestEventTimesMustStayWithinYear9999: a timestamp that lands after year
// 9999 once converted to UTC could be stored but never shown again as RFC
// 3339, so it is refused with the event's index; the last instant of 9999
// is still an event (clamped, being far in the future).
func TestEventTimesMustStayWithinYear9999(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	late := map[string]any{"id": uuid.NewString(), "name": "app_opened", "timestamp": "9999-12-31T23:00:00-05:00"}
	res := postEvents(t, env, org.OwnerToken, ev("app_opened", time.Now()), late).Expect(t, http.StatusUnprocessableEntity)
	var p struct {
		Code   string `json:"code"`
		Errors []struct{ Field string }
	}
	res.Decode(t, &p)
	if p.Code != "invalid" || len(p.Errors) != 1 || p.Errors[0].Field != "events[1].timestamp" {
		t.Fatalf("problem %s, want one error on events[1].timestamp", res.Body)
	}
	if n := scalar[int64](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, org.ID); n != 0 {
		t.Fatalf("%d events stored from a refused batch", n)
	}

	last := map[string]any{"id": uuid.NewString(), "name": "app_opened", "timestamp": "9999-12-31T23:59:59.999999Z"}
	postEvents(t, env, org.OwnerToken, last).Expect(t, http.StatusAccepted)
	_, staff := env.StaffToken(t)
	env.Do(t, "GET", "/v1/admin/organizations/"+org.ID.String(), nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
}

// TestMetricsRangeMustStayWithinYear9999: the cohorts answer repeats its
// range, so a bound past 9999 in UTC is refused rather than answered with a
// body that cannot be written.
func TestMetricsRangeMustStayWithinYear9999(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	res := env.Do(t, "GET", "/v1/admin/metrics/activation?interval=week&from=9999-12-01&to=9999-12-31T23:00:00-05:00", nil,
		testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)
	var p struct{ Errors []struct{ Field string } }
	res.Decode(t, &p)
	if len(p.Errors) != 1 || p.Errors[0].Field != "to" {
		t.Fatalf("problem %s, want one error on to", res.Body)
	}
}

// TestAnswerThatCannotBeEncodedIsAProblem: when a stored value cannot be
// written as JSON (here a server-side event's time in year 10000, which
// only a bug could store), the answer is a logged 500 problem, never a 200
// without a body.
func TestAnswerThatCannotBeEncodedIsAProblem(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	postEvents(t, env, org.OwnerToken, ev("app_opened", time.Now())).Expect(t, http.StatusAccepted)
	if _, err := env.DB.Pool.Exec(t.Context(), `
		INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at, clamped)
		VALUES ($1, $2, 'member_joined', 'server', now(), '10000-01-01T04:00:00Z', now(), false)`, org.ID, uuid.New()); err != nil {
		t.Fatal(err)
	}
	res := env.Do(t, "GET", "/v1/admin/organizations/"+org.ID.String(), nil, testenv.WithBearer(staff),
		testenv.WithHeader("X-Request-Id", "support-view-10000")).Expect(t, http.StatusInternalServerError)
	if res.Header.Get("Content-Type") != "application/problem+json" || res.Code(t) != "internal" {
		t.Fatalf("%q %s, want an internal problem", res.Header.Get("Content-Type"), res.Body)
	}
	logged := false
	for _, l := range env.Log.Lines() {
		logged = logged || (l["msg"] == "internal error" && l["request_id"] == "support-view-10000")
	}
	if !logged {
		t.Fatalf("the encoding failure was not logged with the request id:\n%s", env.Log.String())
	}
}
