// Package mail renders the emails the service sends and delivers them in the
// background: a message is queued in the caller's transaction (so it is sent
// if and only if the change that caused it commits) and a River worker sends
// it over SMTP, retrying with backoff.
package mail

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Message is one plain-text email.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// Kind names what the email is (KindEmailVerification, …): the
	// sent-email log a person's export reads records it with the subject.
	Kind string `json:"kind,omitempty"`
	// UserID is the recipient's account when they have one (zero for an
	// invitee, who has none yet).
	UserID uuid.UUID `json:"user_id,omitzero"`
	// ListUnsubscribe is the one-click unsubscribe link of an optional
	// email (a nudge): it goes out as List-Unsubscribe with
	// List-Unsubscribe-Post (RFC 8058), so mail providers show their own
	// unsubscribe button. Transactional emails (verification, reset,
	// invitation, billing) leave it empty: no one may opt out of them.
	ListUnsubscribe string `json:"list_unsubscribe,omitempty"`
}

// Kinds of email.
const (
	KindEmailVerification = "email_verification"
	KindPasswordReset     = "password_reset"
	KindInvitation        = "invitation"
)

// VerificationEmail asks a new user to confirm their address.
func VerificationEmail(l Locale, to, fullName, link string) Message {
	m := Message{To: to, Kind: KindEmailVerification}
	switch l {
	case French:
		m.Subject = "Confirmez votre adresse e-mail"
		m.Text = lines(
			greeting(l, fullName),
			"",
			"Merci de confirmer votre adresse e-mail en ouvrant ce lien\u00a0:",
			link,
			"",
			"Ce lien ne sert qu\u2019une fois et expire dans 24\u00a0heures.",
			"Si vous n\u2019avez pas créé de compte Onramp, vous pouvez ignorer cet e-mail.",
		)
	default:
		m.Subject = "Confirm your email address"
		m.Text = lines(
			greeting(l, fullName),
			"",
			"Please confirm your email address by opening this link:",
			link,
			"",
			"The link works once and expires in 24 hours.",
			"If you did not create an Onramp account, you can ignore this email.",
		)
	}
	return m
}

// PasswordResetEmail carries a one-hour password reset link.
func PasswordResetEmail(l Locale, to, fullName, link string) Message {
	m := Message{To: to, Kind: KindPasswordReset}
	switch l {
	case French:
		m.Subject = "Réinitialisez votre mot de passe"
		m.Text = lines(
			greeting(l, fullName),
			"",
			"Quelqu\u2019un a demandé à réinitialiser le mot de passe de votre compte Onramp.",
			"Pour en choisir un nouveau, ouvrez ce lien\u00a0:",
			link,
			"",
			"Ce lien ne sert qu\u2019une fois et expire dans une heure.",
			"Si vous n\u2019êtes pas à l\u2019origine de cette demande, ignorez cet e-mail\u00a0: votre mot de passe reste le même.",
		)
	default:
		m.Subject = "Reset your password"
		m.Text = lines(
			greeting(l, fullName),
			"",
			"Someone asked to reset the password of your Onramp account.",
			"To choose a new password, open this link:",
			link,
			"",
			"The link works once and expires in 1 hour.",
			"If it was not you, ignore this email: your password stays as it is.",
		)
	}
	return m
}

// InvitationEmail invites someone to join an organization.
func InvitationEmail(l Locale, to, organizationName, inviterName, link string) Message {
	m := Message{To: to, Kind: KindInvitation}
	switch l {
	case French:
		who := inviterName
		if who == "" {
			who = "Une personne de votre équipe"
		}
		m.Subject = fmt.Sprintf("Rejoignez %s sur Onramp", organizationName)
		m.Text = lines(
			"Bonjour,",
			"",
			fmt.Sprintf("%s vous invite à rejoindre %s sur Onramp.", who, organizationName),
			"Pour accepter, ouvrez ce lien\u00a0:",
			link,
			"",
			"L\u2019invitation ne sert qu\u2019une fois et expire dans 7\u00a0jours.",
		)
	default:
		who := inviterName
		if who == "" {
			who = "A colleague"
		}
		m.Subject = fmt.Sprintf("Join %s on Onramp", organizationName)
		m.Text = lines(
			"Hello,",
			"",
			fmt.Sprintf("%s invited you to join %s on Onramp.", who, organizationName),
			"To accept, open this link:",
			link,
			"",
			"The invitation works once and expires in 7 days.",
		)
	}
	return m
}

func greeting(l Locale, name string) string {
	switch {
	case l == French && name == "":
		return "Bonjour,"
	case l == French:
		return "Bonjour " + name + ","
	case name == "":
		return "Hello,"
	}
	return "Hello " + name + ","
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
