package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestEventsAreRecordedOnceAndCountTowardsSteps(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, eventStep("three_sessions", "session_booked", 3, true))
	org := env.NewOrg(t, testenv.OrgOptions{})
	userID, member := env.NewMember(t, org.ID, "member")
	now := time.Now().UTC()

	a, b := ev("session_booked", now.Add(-time.Hour)), ev("session_booked", now.Add(-2*time.Hour))
	a["properties"] = map[string]any{"psychologist_id": "p_42", "nested": map[string]any{"ok": true}}
	res := postEvents(t, env, member, a, b, a).Expect(t, http.StatusAccepted).Map(t)
	if res["accepted"] != float64(2) || res["duplicates"] != float64(1) {
		t.Fatalf("first batch %v", res)
	}
	// The same ids again, forever: duplicates, counted once.
	res = postEvents(t, env, member, b, a, ev("session_booked", now)).Expect(t, http.StatusAccepted).Map(t)
	if res["accepted"] != float64(1) || res["duplicates"] != float64(2) {
		t.Fatalf("second batch %v", res)
	}
	status, count, _, at := checklist(t, env, member).step(t, "three_sessions")
	if status != "completed" || count != 3 || !at.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("three_sessions: %s %d %v", status, count, at)
	}
	if n := scalar[int64](t, env, `SELECT count FROM onboarding_event_counts WHERE organization_id = $1 AND name = 'session_booked'`, org.ID); n != 3 {
		t.Fatalf("event counter %d", n)
	}
	var props, source, user string
	var sent, received time.Time
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT properties::text, source, user_id::text, sent_at, received_at FROM onboarding_events WHERE organization_id = $1 AND id = $2`,
		org.ID, a["id"]).Scan(&props, &source, &user, &sent, &received); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(props, `"psychologist_id": "p_42"`) || source != "client" || user != userID.String() || !sent.Equal(now.Add(-time.Hour).Truncate(time.Microsecond)) || received.Before(now.Add(-time.Minute)) {
		t.Fatalf("stored event: %s %s %s %v %v", props, source, user, sent, received)
	}
	// The same client id from another organization is another event.
	other := env.NewOrg(t, testenv.OrgOptions{})
	if res := postEvents(t, env, other.OwnerToken, a).Expect(t, http.StatusAccepted).Map(t); res["accepted"] != float64(1) {
		t.Fatalf("other organization %v", res)
	}
}

func TestEventsFarInTheFutureAreClamped(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	before := time.Now().UTC()
	future := before.Add(72 * time.Hour)
	soon := before.Add(12 * time.Hour)
	e1, e2 := ev("app_opened", future), ev("app_opened", soon)
	postEvents(t, env, org.OwnerToken, e1, e2).Expect(t, http.StatusAccepted)

	var sent, occurred, received time.Time
	var clamped bool
	q := `SELECT sent_at, occurred_at, received_at, clamped FROM onboarding_events WHERE organization_id = $1 AND id = $2`
	if err := env.DB.Pool.QueryRow(t.Context(), q, org.ID, e1["id"]).Scan(&sent, &occurred, &received, &clamped); err != nil {
		t.Fatal(err)
	}
	if !clamped || !sent.Equal(future.Truncate(time.Microsecond)) || !occurred.Equal(received) {
		t.Fatalf("far-future event: clamped %v sent %v occurred %v received %v", clamped, sent, occurred, received)
	}
	if err := env.DB.Pool.QueryRow(t.Context(), q, org.ID, e2["id"]).Scan(&sent, &occurred, &received, &clamped); err != nil {
		t.Fatal(err)
	}
	if clamped || !occurred.Equal(soon.Truncate(time.Microsecond)) {
		t.Fatalf("near-future event: clamped %v occurred %v", clamped, occurred)
	}
}

func TestEventValidationNamesEachBadEvent(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	now := time.Now()
	good := ev("app_opened", now)
	badID := ev("app_opened", now)
	badID["id"] = "not-a-uuid"
	badName := ev("App Opened!", now)
	reserved := ev("subscription_activated", now)
	badTime := ev("app_opened", now)
	badTime["timestamp"] = "yesterday"
	arrayProps := ev("app_opened", now)
	arrayProps["properties"] = []int{1}
	bigProps := ev("app_opened", now)
	bigProps["properties"] = map[string]any{"blob": strings.Repeat("x", 9000)}

	res := postEvents(t, env, org.OwnerToken, good, badID, badName, reserved, badTime, arrayProps, bigProps).Expect(t, http.StatusUnprocessableEntity)
	var problem struct {
		Errors []struct{ Field string }
	}
	res.Decode(t, &problem)
	var fields []string
	for _, e := range problem.Errors {
		fields = append(fields, e.Field)
	}
	want := "[events[1].id events[2].name events[3].name events[4].timestamp events[5].properties events[6].properties]"
	if fmt.Sprint(fields) != want {
		t.Fatalf("fields %v, want %s", fields, want)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events`); n != 0 {
		t.Fatalf("a refused batch recorded %d events", n)
	}

	postEvents(t, env, org.OwnerToken).Expect(t, http.StatusUnprocessableEntity)
	many := make([]map[string]any, 501)
	for i := range many {
		many[i] = map[string]any{"id": uuid.NewString(), "name": "a", "timestamp": "2026-01-01T00:00:00Z"}
	}
	postEvents(t, env, org.OwnerToken, many...).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, "POST", "/v1/events", map[string]any{"events": []map[string]any{{"id": uuid.NewString(), "name": "a", "timestamp": "2026-01-01T00:00:00Z", "extra": 1}}},
		testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, "POST", "/v1/events", testenv.Raw(`{"events": [`), testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusBadRequest)
	env.Do(t, "POST", "/v1/events", testenv.Raw(`{"events":[{"properties":"`+strings.Repeat("x", 1<<20)+`"}]}`), testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusRequestEntityTooLarge)
	env.Do(t, "POST", "/v1/events", map[string]any{"events": []any{good}}).Expect(t, http.StatusUnauthorized)
}

// Several members of one organization send batches at the same time: every
// event is counted exactly once.
func TestConcurrentBatchesCountExactly(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, eventStep("many_sessions", "session_booked", 1000, false), eventStep("opened", "app_opened", 1, false))
	org := env.NewOrg(t, testenv.OrgOptions{})
	tokens := []string{org.OwnerToken}
	for range 3 {
		_, tok := env.NewMember(t, org.ID, "member")
		tokens = append(tokens, tok)
	}
	const batches, perBatch = 5, 100
	shared := make([]map[string]any, perBatch) // every member also re-sends the same batch
	for i := range shared {
		shared[i] = ev("session_booked", time.Now().Add(-time.Hour))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(tokens)*(batches+1))
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b <= batches; b++ {
				events := shared
				if b < batches {
					events = make([]map[string]any, perBatch)
					for i := range events {
						name := "session_booked"
						if i%10 == 0 {
							name = "app_opened"
						}
						events[i] = ev(name, time.Now().Add(-time.Duration(i)*time.Second))
					}
				}
				body, _ := json.Marshal(map[string]any{"events": events})
				req, _ := http.NewRequest("POST", env.URL+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				res.Body.Close()
				if res.StatusCode != http.StatusAccepted {
					errs <- fmt.Errorf("status %d", res.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantSessions := len(tokens)*batches*perBatch*9/10 + perBatch
	wantOpened := len(tokens) * batches * perBatch / 10
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, org.ID); n != wantSessions+wantOpened {
		t.Fatalf("%d events stored, want %d", n, wantSessions+wantOpened)
	}
	if n := scalar[int64](t, env, `SELECT count FROM onboarding_event_counts WHERE organization_id = $1 AND name = 'session_booked'`, org.ID); n != int64(wantSessions) {
		t.Fatalf("session counter %d, want %d", n, wantSessions)
	}
	c := checklist(t, env, org.OwnerToken)
	if _, count, _, _ := c.step(t, "many_sessions"); count != wantSessions {
		t.Fatalf("step progress %d, want %d", count, wantSessions)
	}
	if status, count, _, _ := c.step(t, "opened"); status != "completed" || count != wantOpened {
		t.Fatalf("opened: %s %d, want %d", status, count, wantOpened)
	}
}

// A late event that happened earlier moves a step's completed_at back
// (LEAST): history is corrected, never rewritten forward.
func TestLateEventsMoveCompletionBack(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, eventStep("first_session_booked", "session_booked", 1, true), eventStep("two_invites", "member_invited", 2, false))
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: time.Now().Add(-10 * 24 * time.Hour)})
	now := time.Now().UTC().Truncate(time.Microsecond)

	postEvents(t, env, org.OwnerToken, ev("session_booked", now.Add(-time.Hour))).Expect(t, http.StatusAccepted)
	postEvents(t, env, org.OwnerToken, ev("session_booked", now.Add(-5*time.Hour))).Expect(t, http.StatusAccepted)
	postEvents(t, env, org.OwnerToken, ev("session_booked", now.Add(-2*time.Hour))).Expect(t, http.StatusAccepted)
	if _, count, _, at := checklist(t, env, org.OwnerToken).step(t, "first_session_booked"); count != 3 || !at.Equal(now.Add(-5*time.Hour)) {
		t.Fatalf("completed_at %v (count %d), want the earliest event %v", at, count, now.Add(-5*time.Hour))
	}

	// A two-event step completes at the event that reached the target.
	record(t, env, org.ID, "member_invited", now.Add(-3*time.Hour))
	if status, _, _, _ := checklist(t, env, org.OwnerToken).step(t, "two_invites"); status != "pending" {
		t.Fatalf("two_invites after one invitation: %s", status)
	}
	record(t, env, org.ID, "member_invited", now.Add(-30*time.Minute))
	if status, count, _, at := checklist(t, env, org.OwnerToken).step(t, "two_invites"); status != "completed" || count != 2 || !at.Equal(now.Add(-30*time.Minute)) {
		t.Fatalf("two_invites: %s %d %v", status, count, at)
	}
}
