package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// eventStep is a draft step completed by count events named event.
func eventStep(key, event string, count int, required bool) map[string]any {
	return map[string]any{
		"key": key, "title": "Step " + key, "description": "Do " + key, "required": required,
		"completion": map[string]any{"type": "event", "event": event, "count": count},
	}
}

// manualStep is a draft step a person ticks off.
func manualStep(key string, required bool, roles ...string) map[string]any {
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{
		"key": key, "title": "Step " + key, "required": required,
		"audience":   map[string]any{"roles": roles, "plans": []string{}},
		"completion": map[string]any{"type": "manual"},
	}
}

// publishSteps drafts steps (replacing nothing) and publishes them.
func publishSteps(t *testing.T, env *testenv.Env, staff string, steps ...map[string]any) map[string]any {
	t.Helper()
	for _, s := range steps {
		env.Do(t, "POST", "/v1/admin/onboarding/steps", s, testenv.WithBearer(staff)).Expect(t, http.StatusCreated)
	}
	return env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, testenv.WithBearer(staff)).Expect(t, http.StatusCreated).Map(t)
}

func setActivation(t *testing.T, env *testenv.Env, staff string, windowDays int, keys ...string) map[string]any {
	t.Helper()
	return env.Do(t, "PUT", "/v1/admin/activation", map[string]any{"required_steps": keys, "window_days": windowDays},
		testenv.WithBearer(staff)).Expect(t, http.StatusOK).Map(t)
}

// ev is a client event with a fresh id.
func ev(name string, at time.Time) map[string]any {
	return map[string]any{"id": uuid.NewString(), "name": name, "timestamp": at.UTC().Format(time.RFC3339Nano)}
}

func postEvents(t *testing.T, env *testenv.Env, token string, events ...map[string]any) *testenv.Response {
	t.Helper()
	return env.Do(t, "POST", "/v1/events", map[string]any{"events": events}, testenv.WithBearer(token))
}

// record records a server-side event as accounts and billing do, in a
// committed transaction of their own.
func record(t *testing.T, env *testenv.Env, orgID uuid.UUID, name string, at time.Time) {
	t.Helper()
	err := env.DB.InTx(context.Background(), func(tx *database.Tx) error {
		return env.App.Onboarding.Record(context.Background(), tx, serverevent.Event{OrganizationID: orgID, Name: name, OccurredAt: at})
	})
	if err != nil {
		t.Fatalf("record %s: %v", name, err)
	}
}

type checklistBody struct {
	Version int `json:"version"`
	Steps   []struct {
		Key         string     `json:"key"`
		Status      string     `json:"status"`
		Required    bool       `json:"required"`
		CompletedAt *time.Time `json:"completed_at"`
		Progress    struct {
			Count  int `json:"count"`
			Target int `json:"target"`
		} `json:"progress"`
	} `json:"steps"`
	Completed   int        `json:"completed"`
	Total       int        `json:"total"`
	Percent     int        `json:"percent"`
	Dismissed   bool       `json:"dismissed"`
	ActivatedAt *time.Time `json:"activated_at"`
}

func checklist(t *testing.T, env *testenv.Env, token string) checklistBody {
	t.Helper()
	var c checklistBody
	env.Do(t, "GET", "/v1/onboarding/checklist", nil, testenv.WithBearer(token)).Expect(t, http.StatusOK).Decode(t, &c)
	return c
}

func (c checklistBody) keys() []string {
	out := []string{}
	for _, s := range c.Steps {
		out = append(out, s.Key)
	}
	return out
}

func (c checklistBody) step(t *testing.T, key string) (status string, count, target int, completedAt *time.Time) {
	t.Helper()
	for _, s := range c.Steps {
		if s.Key == key {
			return s.Status, s.Progress.Count, s.Progress.Target, s.CompletedAt
		}
	}
	t.Fatalf("checklist has no step %q: %v", key, c.keys())
	return
}

func scalar[T any](t *testing.T, env *testenv.Env, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := env.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}
