package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestAdminRoutesRefuseNonStaff(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/admin/onboarding/steps", nil},
		{"POST", "/v1/admin/onboarding/steps", manualStep("tour", false)},
		{"PUT", "/v1/admin/onboarding/steps/order", map[string]any{"keys": []string{}}},
		{"PATCH", "/v1/admin/onboarding/steps/tour", map[string]any{"title": "x"}},
		{"DELETE", "/v1/admin/onboarding/steps/tour", nil},
		{"POST", "/v1/admin/onboarding/versions", nil},
		{"GET", "/v1/admin/onboarding/versions", nil},
		{"GET", "/v1/admin/activation", nil},
		{"PUT", "/v1/admin/activation", map[string]any{"required_steps": []string{"tour"}, "window_days": 3}},
		{"GET", "/v1/admin/metrics/funnel?from=2026-01-01&to=2026-02-01", nil},
		{"GET", "/v1/admin/metrics/activation?from=2026-01-01&to=2026-02-01&interval=week", nil},
		{"GET", "/v1/admin/organizations/" + org.ID.String(), nil},
		{"GET", "/v1/admin/audit-log", nil},
		{"POST", "/v1/admin/api-keys", map[string]any{"name": "x", "scopes": []string{"events:write"}}},
		{"GET", "/v1/admin/api-keys", nil},
		{"DELETE", "/v1/admin/api-keys/" + org.ID.String(), nil},
		{"POST", "/v1/admin/webhook-endpoints", map[string]any{"url": "https://example.com/", "events": []string{"member.joined"}}},
		{"GET", "/v1/admin/webhook-endpoints", nil},
		{"DELETE", "/v1/admin/webhook-endpoints/" + org.ID.String(), nil},
		{"GET", "/v1/admin/webhook-endpoints/" + org.ID.String() + "/deliveries", nil},
		{"POST", "/v1/admin/webhook-endpoints/" + org.ID.String() + "/deliveries/" + org.ID.String() + "/retry", nil},
	}
	for _, r := range routes {
		env.Do(t, r.method, r.path, r.body).Expect(t, http.StatusUnauthorized)
		if code := env.Do(t, r.method, r.path, r.body, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusForbidden).Code(t); code != "forbidden" {
			t.Fatalf("%s %s: code %q", r.method, r.path, code)
		}
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_steps`); n != 0 {
		t.Fatalf("a refused request left %d steps", n)
	}
}

func TestDraftStepsCRUD(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)

	env.Do(t, "POST", "/v1/admin/onboarding/steps", eventStep("invite_teammate", "member_invited", 1, true), as).Expect(t, http.StatusCreated)
	created := env.Do(t, "POST", "/v1/admin/onboarding/steps", manualStep("read_guide", false, "owner"), as).Expect(t, http.StatusCreated).Map(t)
	if created["position"] != float64(2) || created["completion"].(map[string]any)["type"] != "manual" {
		t.Fatalf("created %v", created)
	}
	// position inserts and shifts the others.
	first := eventStep("verify_email", "email_verified", 1, false)
	first["position"] = 1
	env.Do(t, "POST", "/v1/admin/onboarding/steps", first, as).Expect(t, http.StatusCreated)
	assertDraftOrder(t, env, staff, "verify_email", "invite_teammate", "read_guide")

	// Duplicate key: 409.
	if code := env.Do(t, "POST", "/v1/admin/onboarding/steps", manualStep("read_guide", true), as).Expect(t, http.StatusConflict).Code(t); code != "step_exists" {
		t.Fatalf("duplicate key: code %q", code)
	}
	// Validation: every problem at once, by field.
	bad := []struct {
		body  any
		field string
	}{
		{map[string]any{"key": "booked", "title": "Booked", "completion": map[string]any{"type": "event"}}, "completion.event"},
		{map[string]any{"key": "Bad-Key", "title": "x", "completion": map[string]any{"type": "manual"}}, "key"},
		{map[string]any{"key": "x", "title": "x", "completion": map[string]any{"type": "manual"}}, "key"},
		{map[string]any{"key": "ok_key", "title": "", "completion": map[string]any{"type": "manual"}}, "title"},
		{map[string]any{"key": "ok_key", "title": "t", "completion": map[string]any{"type": "sometimes"}}, "completion.type"},
		{map[string]any{"key": "ok_key", "title": "t", "completion": map[string]any{"type": "event", "event": "e", "count": -1}}, "completion.count"},
		{map[string]any{"key": "ok_key", "title": "t", "completion": map[string]any{"type": "manual"}, "audience": map[string]any{"roles": []string{"boss"}}}, "audience.roles[0]"},
		{map[string]any{"key": "ok_key", "title": "t", "completion": map[string]any{"type": "manual"}, "colour": "red"}, "colour"},
	}
	for _, b := range bad {
		res := env.Do(t, "POST", "/v1/admin/onboarding/steps", b.body, as).Expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(res.Body), `"field":"`+b.field+`"`) {
			t.Fatalf("%v: want an error on %s, got %s", b.body, b.field, res.Body)
		}
	}
	env.Do(t, "POST", "/v1/admin/onboarding/steps", testenv.Raw(`{"key":`), as).Expect(t, http.StatusBadRequest)

	// PATCH edits fields and moves the step.
	pos := 1
	edited := env.Do(t, "PATCH", "/v1/admin/onboarding/steps/read_guide", map[string]any{"title": "Read the guide", "position": pos, "required": true}, as).
		Expect(t, http.StatusOK).Map(t)
	if edited["title"] != "Read the guide" || edited["required"] != true || edited["position"] != float64(1) {
		t.Fatalf("edited %v", edited)
	}
	assertDraftOrder(t, env, staff, "read_guide", "verify_email", "invite_teammate")
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/nope", map[string]any{"title": "x"}, as).Expect(t, http.StatusNotFound)
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/read_guide", map[string]any{"completion": map[string]any{"type": "event"}}, as).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/read_guide", map[string]any{"key": "renamed"}, as).Expect(t, http.StatusUnprocessableEntity)

	// Whole order.
	env.Do(t, "PUT", "/v1/admin/onboarding/steps/order", map[string]any{"keys": []string{"invite_teammate", "read_guide", "verify_email"}}, as).Expect(t, http.StatusOK)
	assertDraftOrder(t, env, staff, "invite_teammate", "read_guide", "verify_email")
	for _, keys := range [][]string{{"invite_teammate", "read_guide"}, {"invite_teammate", "read_guide", "verify_email", "nope"}, {"invite_teammate", "read_guide", "read_guide"}} {
		env.Do(t, "PUT", "/v1/admin/onboarding/steps/order", map[string]any{"keys": keys}, as).Expect(t, http.StatusUnprocessableEntity)
	}

	// Delete compacts positions.
	env.Do(t, "DELETE", "/v1/admin/onboarding/steps/read_guide", nil, as).Expect(t, http.StatusNoContent)
	env.Do(t, "DELETE", "/v1/admin/onboarding/steps/read_guide", nil, as).Expect(t, http.StatusNotFound)
	steps := assertDraftOrder(t, env, staff, "invite_teammate", "verify_email")
	if steps[1]["position"] != float64(2) {
		t.Fatalf("positions not compacted: %v", steps)
	}
}

func assertDraftOrder(t *testing.T, env *testenv.Env, staff string, keys ...string) []map[string]any {
	t.Helper()
	var list struct{ Items []map[string]any }
	env.Do(t, "GET", "/v1/admin/onboarding/steps", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &list)
	var got []string
	for i, s := range list.Items {
		got = append(got, s["key"].(string))
		if s["position"] != float64(i+1) {
			t.Fatalf("step %s at position %v, want %d", s["key"], s["position"], i+1)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(keys) {
		t.Fatalf("draft order %v, want %v", got, keys)
	}
	return list.Items
}

func TestPublishVersions(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	staffID, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)

	if code := env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusConflict).Code(t); code != "draft_empty" {
		t.Fatalf("empty draft: %q", code)
	}
	v1 := publishSteps(t, env, staff, manualStep("read_guide", false))
	if v1["version"] != float64(1) || v1["published_by"] != staffID.String() || len(v1["steps"].([]any)) != 1 {
		t.Fatalf("v1 %v", v1)
	}
	if code := env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusConflict).Code(t); code != "draft_unchanged" {
		t.Fatalf("unchanged draft: %q", code)
	}
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/read_guide", map[string]any{"title": "Changed"}, as).Expect(t, http.StatusOK)
	v2 := env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusCreated).Map(t)
	if v2["version"] != float64(2) {
		t.Fatalf("v2 %v", v2)
	}
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/read_guide", map[string]any{"title": "Changed again"}, as).Expect(t, http.StatusOK)

	// Newest first, paginated; a published version never changes.
	var page struct {
		Items      []map[string]any
		NextCursor string `json:"next_cursor"`
	}
	env.Do(t, "GET", "/v1/admin/onboarding/versions?limit=1", nil, as).Expect(t, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0]["version"] != float64(2) || page.NextCursor == "" {
		t.Fatalf("page 1 %+v", page)
	}
	cursor := page.NextCursor
	page.NextCursor = ""
	env.Do(t, "GET", "/v1/admin/onboarding/versions?limit=1&cursor="+cursor, nil, as).Expect(t, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0]["version"] != float64(1) || page.NextCursor != "" {
		t.Fatalf("page 2 %+v", page)
	}
	if title := page.Items[0]["steps"].([]any)[0].(map[string]any)["title"]; title != "Step read_guide" {
		t.Fatalf("version 1 changed: title %v", title)
	}
	env.Do(t, "GET", "/v1/admin/onboarding/versions?limit=0", nil, as).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, "GET", "/v1/admin/onboarding/versions?cursor=abc", nil, as).Expect(t, http.StatusUnprocessableEntity)
}

func TestActivationDefinition(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)

	def := env.Do(t, "GET", "/v1/admin/activation", nil, as).Expect(t, http.StatusOK).Map(t)
	if len(def["required_steps"].([]any)) != 0 || def["window_days"] != float64(30) || def["updated_at"] != nil {
		t.Fatalf("default definition %v", def)
	}
	// Unknown before anything is published.
	env.Do(t, "PUT", "/v1/admin/activation", map[string]any{"required_steps": []string{"invite_teammate"}, "window_days": 14}, as).Expect(t, http.StatusUnprocessableEntity)

	publishSteps(t, env, staff, eventStep("invite_teammate", "member_invited", 1, true), manualStep("read_guide", false))
	// A step only in the draft is unknown too: nobody can complete it yet.
	env.Do(t, "POST", "/v1/admin/onboarding/steps", manualStep("draft_only", false), as).Expect(t, http.StatusCreated)
	res := env.Do(t, "PUT", "/v1/admin/activation", map[string]any{"required_steps": []string{"invite_teammate", "draft_only"}, "window_days": 14}, as).
		Expect(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(res.Body), `"field":"required_steps[1]"`) {
		t.Fatalf("error does not name the unknown step: %s", res.Body)
	}
	for _, body := range []map[string]any{
		{"required_steps": []string{}, "window_days": 14},
		{"required_steps": []string{"invite_teammate"}, "window_days": 0},
		{"required_steps": []string{"invite_teammate"}, "window_days": 366},
		{"required_steps": []string{"invite_teammate", "invite_teammate"}, "window_days": 3},
	} {
		env.Do(t, "PUT", "/v1/admin/activation", body, as).Expect(t, http.StatusUnprocessableEntity)
	}
	def = setActivation(t, env, staff, 14, "invite_teammate")
	if def["window_days"] != float64(14) || def["organizations_activated"] != float64(0) {
		t.Fatalf("set definition %v", def)
	}
	def = env.Do(t, "GET", "/v1/admin/activation", nil, as).Expect(t, http.StatusOK).Map(t)
	if fmt.Sprint(def["required_steps"]) != "[invite_teammate]" || def["updated_at"] == nil {
		t.Fatalf("stored definition %v", def)
	}

	// Publishing a draft without a required step would make activation
	// impossible: refused until the definition changes.
	env.Do(t, "DELETE", "/v1/admin/onboarding/steps/invite_teammate", nil, as).Expect(t, http.StatusNoContent)
	if code := env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusConflict).Code(t); code != "activation_step_removed" {
		t.Fatalf("publish without a required step: %q", code)
	}
}

func TestAuditLogRecordsEveryAdminChange(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	staffID, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)

	publishSteps(t, env, staff, manualStep("read_guide", false), eventStep("invite_teammate", "member_invited", 1, true))
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/read_guide", map[string]any{"title": "Read it"}, as).Expect(t, http.StatusOK)
	env.Do(t, "PUT", "/v1/admin/onboarding/steps/order", map[string]any{"keys": []string{"invite_teammate", "read_guide"}}, as).Expect(t, http.StatusOK)
	env.Do(t, "DELETE", "/v1/admin/onboarding/steps/read_guide", nil, as).Expect(t, http.StatusNoContent)
	setActivation(t, env, staff, 7, "invite_teammate")
	// Refused changes leave no entry.
	env.Do(t, "POST", "/v1/admin/onboarding/steps", manualStep("invite_teammate", false), as).Expect(t, http.StatusConflict)

	var all []map[string]any
	cursor := ""
	for {
		var page struct {
			Items      []map[string]any
			NextCursor string `json:"next_cursor"`
		}
		env.Do(t, "GET", "/v1/admin/audit-log?limit=3&cursor="+cursor, nil, as).Expect(t, http.StatusOK).Decode(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	var actions []string
	for _, e := range all {
		actions = append(actions, e["action"].(string))
		if e["actor_id"] != staffID.String() || e["created_at"] == nil {
			t.Fatalf("entry %v", e)
		}
	}
	want := "[activation.update step.delete steps.reorder step.update version.publish step.create step.create]"
	if fmt.Sprint(actions) != want {
		t.Fatalf("audit actions %v, want %s", actions, want)
	}
	update := all[3]
	if update["target"] != "step:read_guide" || update["before"].(map[string]any)["title"] != "Step read_guide" || update["after"].(map[string]any)["title"] != "Read it" {
		t.Fatalf("update entry %v", update)
	}
	if all[1]["after"] != nil || all[6]["before"] != nil {
		t.Fatalf("delete should have no after, create no before: %v / %v", all[1], all[6])
	}
	env.Do(t, "GET", "/v1/admin/audit-log?cursor=nope", nil, as).Expect(t, http.StatusUnprocessableEntity)
}
