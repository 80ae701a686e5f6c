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
}

// Kinds of email.
const (
	KindEmailVerification = "email_verification"
	KindPasswordReset     = "password_reset"
	KindInvitation        = "invitation"
)

// VerificationEmail asks a new user to confirm their address.
func VerificationEmail(to, fullName, link string) Message {
	return Message{
		To:      to,
		Kind:    KindEmailVerification,
		Subject: "Confirm your email address",
		Text: lines(
			greeting(fullName),
			"",
			"Please confirm your email address by opening this link:",
			link,
			"",
			"The link works once and expires in 24 hours.",
			"If you did not create an Onramp account, you can ignore this email.",
		),
	}
}

// PasswordResetEmail carries a one-hour password reset link.
func PasswordResetEmail(to, fullName, link string) Message {
	return Message{
		To:      to,
		Kind:    KindPasswordReset,
		Subject: "Reset your password",
		Text: lines(
			greeting(fullName),
			"",
			"Someone asked to reset the password of your Onramp account.",
			"To choose a new password, open this link:",
			link,
			"",
			"The link works once and expires in 1 hour.",
			"If it was not you, ignore this email: your password stays as it is.",
		),
	}
}

// InvitationEmail invites someone to join an organization.
func InvitationEmail(to, organizationName, inviterName, link string) Message {
	who := inviterName
	if who == "" {
		who = "A colleague"
	}
	return Message{
		To:      to,
		Kind:    KindInvitation,
		Subject: fmt.Sprintf("Join %s on Onramp", organizationName),
		Text: lines(
			"Hello,",
			"",
			fmt.Sprintf("%s invited you to join %s on Onramp.", who, organizationName),
			"To accept, open this link:",
			link,
			"",
			"The invitation works once and expires in 7 days.",
		),
	}
}

func greeting(name string) string {
	if name == "" {
		return "Hello,"
	}
	return "Hello " + name + ","
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
