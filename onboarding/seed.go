package onboarding

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/serverevent"
)

// demoSteps is the checklist `onramp seed` publishes on a fresh database.
var demoSteps = []StepInput{
	{Key: "verify_email", Title: "Verify your email", Description: "Click the link we sent you so we can reach you about your account.",
		Required: false, Audience: Audience{Roles: []string{"owner", "admin"}}, Completion: Completion{Type: CompletionEvent, Event: serverevent.EmailVerified},
		Translations: french("Confirmez votre adresse e-mail", "Ouvrez le lien que nous vous avons envoyé, pour que nous puissions vous joindre au sujet de votre compte.")},
	{Key: "choose_plan", Title: "Choose your plan and pay", Description: "Pick the number of seats for your team and pay securely with Stripe.",
		Required: true, Audience: Audience{Roles: []string{"owner", "admin"}}, Completion: Completion{Type: CompletionEvent, Event: serverevent.SubscriptionActivated},
		Translations: french("Choisissez votre offre et payez", "Choisissez le nombre de places pour votre équipe et payez en toute sécurité avec Stripe.")},
	{Key: "invite_teammate", Title: "Invite a teammate", Description: "Send an invitation to a colleague so they get access too.",
		Required: true, Audience: Audience{Roles: []string{"owner", "admin"}}, Completion: Completion{Type: CompletionEvent, Event: serverevent.MemberInvited},
		Translations: french("Invitez un membre de votre équipe", "Envoyez une invitation à une personne de votre équipe pour qu\u2019elle y ait accès, elle aussi.")},
	{Key: "teammates_joined", Title: "Three teammates joined", Description: "Your team starts using the offer.",
		Required: false, Audience: Audience{Roles: []string{"owner", "admin"}}, Completion: Completion{Type: CompletionEvent, Event: serverevent.MemberJoined, Count: 3},
		Translations: french("Trois collègues vous ont rejoint", "Votre équipe commence à utiliser l\u2019offre.")},
	// Each member's own steps: whether a colleague booked is never shown
	// to anyone else, only counted above the group-size floor.
	{Key: "first_session_booked", Title: "Book your first session", Description: "Book a first conversation with a psychologist. Nobody at your company sees whether or when you do.",
		Required: true, Scope: ScopeMember, Completion: Completion{Type: CompletionEvent, Event: "session_booked"},
		Translations: french("Réservez votre première séance", "Prenez un premier rendez-vous avec un psychologue. Personne dans votre entreprise ne sait si vous le faites, ni quand.")},
	{Key: "read_welcome_guide", Title: "Read the welcome guide", Description: "Five minutes on how the service works and what stays confidential.",
		Required: false, Scope: ScopeMember, Completion: Completion{Type: CompletionManual},
		Translations: french("Lisez le guide de bienvenue", "Cinq minutes pour comprendre le fonctionnement du service et ce qui reste confidentiel.")},
}

// french is a demo step's French text.
func french(title, description string) Translations {
	return Translations{"fr": {Title: title, Description: description}}
}

// Seed makes a demo checklist on a database that has never published one:
// it drafts the demo steps, publishes them as version 1 and sets an
// activation definition. It reports false (and changes nothing) when a
// version already exists, so it is safe to run on every start.
func (s *Service) Seed(ctx context.Context) (bool, error) {
	latest, err := s.store.latestVersion(ctx, s.db.SQL())
	if err != nil {
		return false, err
	}
	if latest > 0 {
		return false, nil
	}
	for _, in := range demoSteps {
		if _, err := s.CreateStep(ctx, uuid.Nil, in); err != nil && !apperr.HasReason(err, "step_exists") {
			return false, fmt.Errorf("seed step %s: %w", in.Key, err)
		}
	}
	if _, err := s.Publish(ctx, uuid.Nil); err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	// Activated: paid, invited, and a fifth of the seats booked a first
	// session within 30 days of signup.
	if _, err := s.SetActivation(ctx, uuid.Nil, DefinitionInput{
		RequiredSteps: []string{"choose_plan", "invite_teammate"}, WindowDays: 30,
		MemberSteps: []MemberStep{{Key: "first_session_booked", MinShare: 0.2}},
	}); err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	// The definition changed the funnel's stages; without a job queue (the
	// seed command) nothing else recomputes them before the hourly
	// catch-up. Nothing is published yet, so there is little to go through.
	if s.funnelStages == nil {
		if _, err := s.RecomputeFunnelStages(ctx); err != nil {
			return false, fmt.Errorf("seed: %w", err)
		}
	}
	return true, nil
}
