package onboarding

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/webhooks"
)

// What the outbound webhooks say. Every body is about the organization
// only: no person, and nothing of a member's own journey (their member
// steps, their events), which is health data that leaves the service
// only as counts.

// activatedData is organization.activated's data.
type activatedData struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	// ActivatedAt is null when member thresholds decided the activation:
	// that time is when the last member needed used the service, so it
	// stays in onboarding's own rows (the organization shows none either).
	ActivatedAt *time.Time `json:"activated_at"`
}

// stepCompletedData is organization.step_completed's data; it is only
// ever raised for organization steps (the company's own progress, e.g.
// "invite your team"), never for a member step.
type stepCompletedData struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	Step           stepRef   `json:"step"`
	CompletedAt    time.Time `json:"completed_at"`
}

type stepRef struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

// publishProgress publishes what a change to the organization's row did:
// the organization steps it completed, and its activation.
func (s *Service) publishProgress(ctx context.Context, tx *database.Tx, before, after stateRow, v *Version) error {
	if s.webhooks == nil {
		return nil
	}
	org := after.st.orgID
	for _, key := range after.completedSteps {
		step, ok := v.step(key)
		if slices.Contains(before.completedSteps, key) || !ok || step.member() {
			continue
		}
		data := stepCompletedData{OrganizationID: org, Step: stepRef{Key: key, Title: step.Title},
			CompletedAt: after.st.progress[key].CompletedAt.UTC()}
		if err := s.webhooks.Publish(ctx, tx, webhooks.Event{Type: webhooks.OrganizationStepCompleted, OrganizationID: org, Data: data}); err != nil {
			return err
		}
	}
	if before.st.activatedAt != nil || after.st.activatedAt == nil {
		return nil
	}
	data := activatedData{OrganizationID: org}
	if !after.st.activatedByMembers {
		at := after.st.activatedAt.UTC()
		data.ActivatedAt = &at
	}
	return s.webhooks.Publish(ctx, tx, webhooks.Event{Type: webhooks.OrganizationActivated, OrganizationID: org, Data: data})
}

// subscriptionData is subscription.updated's data: what the company pays
// for, as billing recorded it.
type subscriptionData struct {
	OrganizationID uuid.UUID      `json:"organization_id"`
	Change         string         `json:"change"` // activated, updated or canceled
	Subscription   map[string]any `json:"subscription"`
}

// memberJoinedData is member.joined's data. It names no one: who enrolled
// in a mental-health offer is itself private (even owners see the list
// only inside the service), so neither the member's id, email nor role
// goes out, only that the organization now has members_joined members, a
// count its owners see anyway as seats used. That someone joined is not
// their use of the service.
type memberJoinedData struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	MembersJoined  int       `json:"members_joined"`
	JoinedAt       time.Time `json:"joined_at"`
}

// subscriptionChanges names the change each subscription event is.
var subscriptionChanges = map[string]string{
	serverevent.SubscriptionActivated: "activated",
	serverevent.SubscriptionUpdated:   "updated",
	serverevent.SubscriptionCanceled:  "canceled",
}

// publishServerEvent publishes what the server event e, recorded in the
// transaction of the change that caused it (billing's webhook applying a
// subscription, an invitation accepted), tells the outbound webhooks.
func (s *Service) publishServerEvent(ctx context.Context, tx *database.Tx, e serverevent.Event, at time.Time, st *orgState) error {
	if s.webhooks == nil {
		return nil
	}
	var ev webhooks.Event
	switch change, ok := subscriptionChanges[e.Name]; {
	case ok:
		sub := map[string]any{}
		for _, k := range []string{"subscription_id", "status", "seats", "plan_id"} {
			if val, ok := e.Properties[k]; ok {
				sub[k] = val
			}
		}
		ev = webhooks.Event{Type: webhooks.SubscriptionUpdated, Data: subscriptionData{OrganizationID: e.OrganizationID, Change: change, Subscription: sub}}
	case e.Name == serverevent.MemberJoined:
		ev = webhooks.Event{Type: webhooks.MemberJoined, Data: memberJoinedData{OrganizationID: e.OrganizationID, MembersJoined: st.membersJoined, JoinedAt: at.UTC()}}
	default:
		return nil
	}
	ev.OrganizationID = e.OrganizationID
	return s.webhooks.Publish(ctx, tx, ev)
}
