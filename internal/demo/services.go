package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/onboarding"
)

// services are the domain services the story goes through, wired as
// internal/app wires them, but on the story's clock, with the story's
// inbox as their mailer, and with a webhook secret of its own: the story
// signs the Stripe events it makes up, and billing verifies them.
type services struct {
	accounts      *account.Service
	billing       *billing.Service
	onboarding    *onboarding.Service
	clock         *storyClock
	inbox         *inbox
	webhookSecret string
}

// storyURL is the base of the links in the story's emails, which nobody
// opens: the story reads their tokens from its inbox.
var storyURL = &url.URL{Scheme: "http", Host: "onramp.invalid"}

func newServices(cfg Config) (*services, error) {
	key, err := auth.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("demo: signing key: %w", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sv := &services{clock: &storyClock{}, inbox: &inbox{tokens: map[string]string{}},
		webhookSecret: "whsec_demo_" + rand.Text()}
	sv.billing = billing.NewService(billing.Config{
		DB: cfg.DB, Catalog: cfg.Catalog, Stripe: cfg.Stripe, Configured: true, WebhookSecret: sv.webhookSecret,
		PublicURL: storyURL, Mailer: sv.inbox, Clock: sv.clock, Log: quiet,
	})
	sv.onboarding = onboarding.NewService(onboarding.Config{DB: cfg.DB, Plans: sv.billing, Clock: sv.clock, Log: quiet})
	sv.billing.SetEvents(sv.onboarding)
	sv.accounts = account.NewService(account.Config{
		DB: cfg.DB, Signer: auth.NewSigner("onramp-demo", key), Mailer: sv.inbox, PublicURL: storyURL,
		Seats: sv.billing.SeatPolicy(), Events: sv.onboarding, Clock: sv.clock, Log: quiet,
	})
	return sv, nil
}

// storyClock is where the story stands: every service reads it, and the
// story moves it forward from twelve weeks ago to the present, one thing
// happening after another.
type storyClock struct {
	at atomic.Int64 // Unix nanoseconds
}

func (c *storyClock) Now() time.Time { return time.Unix(0, c.at.Load()).UTC() }

func (c *storyClock) set(t time.Time) { c.at.Store(t.UnixNano()) }

// inbox stands for the demo people's mailboxes: it keeps the last link
// token sent to each address, by kind of email, the way a person would
// open the link. Nothing is queued or sent: the addresses are made up.
type inbox struct {
	mu     sync.Mutex
	tokens map[string]string // kind + " " + address -> token
}

// Enqueue keeps m's link token (account.Mailer).
func (b *inbox) Enqueue(_ context.Context, _ *database.Tx, m mail.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if token := linkToken(m.Text); token != "" {
		b.tokens[m.Kind+" "+strings.ToLower(m.To)] = token
	}
	return nil
}

// EnqueueMany drops billing's emails (billing.Mailer): they carry no
// token the story needs.
func (b *inbox) EnqueueMany(context.Context, *database.Tx, []mail.Message) error { return nil }

// Forget is for erasures, which the story never makes (account.Mailer).
func (b *inbox) Forget(context.Context, *database.Tx, uuid.UUID, string) error { return nil }

// token is the last token of kind sent to address.
func (b *inbox) token(kind, address string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.tokens[kind+" "+strings.ToLower(address)]
	if !ok {
		return "", fmt.Errorf("demo: no %s email for %s", kind, address)
	}
	return t, nil
}

// linkToken is the token= of the first link in an email's text.
func linkToken(text string) string {
	for _, field := range strings.Fields(text) {
		u, err := url.Parse(field)
		if err != nil || u.Host != storyURL.Host {
			continue
		}
		if t := u.Query().Get("token"); t != "" {
			return t
		}
	}
	return ""
}
