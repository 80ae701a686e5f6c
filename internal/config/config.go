// Package config reads the service's configuration from the environment and
// validates all of it at once, so an operator sees every problem in one run.
package config

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/clock"
	onrampmail "github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/unsubscribe"
)

// Config is the validated configuration. Secrets are kept out of String().
type Config struct {
	Env         string // "development" or "production" (ONRAMP_ENV)
	DatabaseURL string
	HTTPAddr    string
	PublicURL   *url.URL
	// AppURL is the customer's own application, where the account pages
	// send people once done (APP_URL, optional). Checkout and portal
	// redirects may point at its origin as well as PUBLIC_URL's.
	AppURL *url.URL

	// JWTKey signs access tokens. JWTKeyGenerated is true when no key was
	// configured and a random one was made (development only).
	JWTKey          ed25519.PrivateKey
	JWTKeyGenerated bool
	// UnsubscribeKey signs the unsubscribe links of optional emails
	// (UNSUBSCRIBE_SECRET, at least 32 bytes; in development, derived from
	// the JWT key when unset); keys derived from it sign other links and
	// the idempotency store's request fingerprints.
	UnsubscribeKey []byte

	StripeSecretKey     string
	StripeWebhookSecret string
	StripeAPIBase       string // optional, e.g. a local stripe-mock
	// StripeTimeout bounds one Stripe request (STRIPE_TIMEOUT, default
	// 10s; stripe-go retries twice): past it, the caller gets a 503
	// dependency_unavailable instead of waiting.
	StripeTimeout time.Duration
	// StripePortalConfiguration is the billing portal configuration
	// (bpc_…) that `onramp stripe setup` made, which portal sessions open
	// with (STRIPE_PORTAL_CONFIGURATION; unset: the account's default).
	StripePortalConfiguration string

	// TrustedProxies are the addresses (IPs or CIDRs) of the load balancers
	// whose X-Forwarded-For names the client (TRUSTED_PROXIES); none: the
	// connection's address is the client.
	TrustedProxies []string

	SMTPURL  *url.URL // nil: emails are logged instead of sent
	MailFrom string   // the From header of every email (MAIL_FROM)
	// DefaultLocale is the language of a person who has not said which
	// they read (DEFAULT_LOCALE: en or fr, default en).
	DefaultLocale onrampmail.Locale

	// JobPollInterval is how often the job runner polls besides
	// notifications; zero is River's default. Not read from the
	// environment: tests shorten it.
	JobPollInterval time.Duration
	// Clock is the services' clock (nil: the system's). Not read from the
	// environment: tests set and move it to control signup, join and event
	// times and what "the last 28 days" or "this week" mean.
	Clock clock.Clock

	PlansFile       string
	PastDueGrace    time.Duration
	SignupRateLimit int // signups per client IP per hour; 0 disables
	// MinGroupSize is the smallest group whose count of members' use of the
	// service anyone outside it may see (MIN_GROUP_SIZE, default 5).
	MinGroupSize int
	// EventRetention is how long raw events are kept
	// (EVENT_RETENTION_DAYS, default 400).
	EventRetention     time.Duration
	StripeAutomaticTax bool

	// Nudges' guardrails: at most NudgeWeeklyCap nudges per person in any
	// 7 days (NUDGE_WEEKLY_CAP, default 1), none between the local hours
	// NudgeQuietHours (NUDGE_QUIET_HOURS, "20-9": from 20:00 to 08:59), a
	// sweep every NudgeSweepInterval (NUDGE_SWEEP_INTERVAL, default 15m).
	NudgeWeeklyCap     int
	NudgeQuietHours    [2]int
	NudgeSweepInterval time.Duration

	// APIKeyRateLimit is how many events one server key may send per
	// minute (API_KEY_RATE_LIMIT, default 60 000; 0 disables).
	APIKeyRateLimit int
	// WebhookAllowPrivate lets webhook endpoints be on loopback,
	// link-local and private addresses (WEBHOOK_ALLOW_PRIVATE=true; for
	// development and tests only: otherwise the console could be made to
	// call the service's own network).
	WebhookAllowPrivate bool
	// CORSOrigins are the origins whose pages may call the checklist
	// routes from a browser (CORS_ALLOWED_ORIGINS, comma-separated, e.g.
	// https://app.example.com): the <onramp-checklist> element runs on the
	// customer's site. None: no cross-origin call is allowed.
	CORSOrigins []string

	LogLevel  slog.Level
	LogFormat string // "json" or "text"
}

// Problems is every problem found in the environment, one per line.
type Problems []string

func (p Problems) Error() string {
	return "invalid configuration:\n  - " + strings.Join(p, "\n  - ")
}

// Getenv reads one variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Load parses the environment. need lists what the calling command cannot
// run without: the database always, the rest only for serving.
func Load(getenv Getenv, need Need) (*Config, error) {
	var problems Problems
	c := &Config{}

	c.Env = orDefault(getenv("ONRAMP_ENV"), "development")
	if c.Env != "development" && c.Env != "production" {
		problems = append(problems, fmt.Sprintf("ONRAMP_ENV must be development or production, got %q", c.Env))
	}
	production := c.Env == "production"

	c.DatabaseURL = getenv("DATABASE_URL")
	if c.DatabaseURL == "" {
		problems = append(problems, "DATABASE_URL is required (e.g. postgres://user@localhost:5432/onramp)")
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		problems = append(problems, "DATABASE_URL must be a postgres:// URL")
	}

	if need == NeedServe {
		c.HTTPAddr = orDefault(getenv("HTTP_ADDR"), ":8080")

		var err error
		if c.PublicURL, err = baseURL("PUBLIC_URL", orDefault(getenv("PUBLIC_URL"), localURL(c.HTTPAddr))); err != nil {
			problems = append(problems, err.Error())
		}
		if raw := getenv("APP_URL"); raw != "" {
			if c.AppURL, err = baseURL("APP_URL", raw); err != nil {
				problems = append(problems, err.Error())
			}
		}

		if raw := getenv("JWT_PRIVATE_KEY"); raw != "" {
			key, err := auth.ParsePrivateKey(raw)
			if err != nil {
				problems = append(problems, "JWT_PRIVATE_KEY: "+err.Error())
			}
			c.JWTKey = key
		} else if production {
			problems = append(problems, "JWT_PRIVATE_KEY is required in production (base64 32-byte Ed25519 seed or PKCS#8 PEM)")
		} else {
			key, err := auth.GenerateKey()
			if err != nil {
				problems = append(problems, "JWT_PRIVATE_KEY: generate a development key: "+err.Error())
			}
			c.JWTKey, c.JWTKeyGenerated = key, true
		}

		switch raw := getenv("UNSUBSCRIBE_SECRET"); {
		case raw != "" && len(raw) < unsubscribe.MinKeyLen:
			problems = append(problems, fmt.Sprintf("UNSUBSCRIBE_SECRET must be at least %d bytes (e.g. openssl rand -base64 32), got %d", unsubscribe.MinKeyLen, len(raw)))
		case raw != "":
			c.UnsubscribeKey = []byte(raw)
		case production:
			problems = append(problems, "UNSUBSCRIBE_SECRET is required in production (at least 32 random bytes, e.g. openssl rand -base64 32): it signs the unsubscribe links in emails")
		case c.JWTKey != nil:
			c.UnsubscribeKey = unsubscribe.DevelopmentKey(c.JWTKey.Seed())
		}

		c.StripeSecretKey = getenv("STRIPE_SECRET_KEY")
		c.StripeWebhookSecret = getenv("STRIPE_WEBHOOK_SECRET")
		c.StripeAPIBase = getenv("STRIPE_API_BASE")
		if production && c.StripeSecretKey == "" {
			problems = append(problems, "STRIPE_SECRET_KEY is required in production")
		}
		if production && c.StripeWebhookSecret == "" {
			problems = append(problems, "STRIPE_WEBHOOK_SECRET is required in production")
		}
		c.StripePortalConfiguration = getenv("STRIPE_PORTAL_CONFIGURATION")
		if v := c.StripePortalConfiguration; v != "" && (!strings.HasPrefix(v, "bpc_") || strings.ContainsFunc(v, invalidIDRune)) {
			problems = append(problems, fmt.Sprintf("STRIPE_PORTAL_CONFIGURATION must be a billing portal configuration id (bpc_…, as `onramp stripe setup` prints it), got %q", v))
		}
		if c.StripeAPIBase != "" {
			if u, err := url.Parse(c.StripeAPIBase); err != nil || u.Host == "" {
				problems = append(problems, fmt.Sprintf("STRIPE_API_BASE must be an absolute URL, got %q", c.StripeAPIBase))
			}
		}

		if raw := getenv("SMTP_URL"); raw != "" {
			u, err := url.Parse(raw)
			switch {
			case err != nil:
				problems = append(problems, "SMTP_URL is not a URL")
			case u.Scheme != "smtp" && u.Scheme != "smtps":
				problems = append(problems, "SMTP_URL must start with smtp:// or smtps://")
			case u.Hostname() == "" || u.Port() == "":
				problems = append(problems, "SMTP_URL must name a host and a port, e.g. smtp://user:pass@mail.example.com:587")
			default:
				c.SMTPURL = u
			}
		}

		for _, p := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				problems = append(problems, fmt.Sprintf("TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs, got %q", p))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}

		c.MailFrom = getenv("MAIL_FROM")
		if c.MailFrom == "" && c.PublicURL != nil {
			c.MailFrom = "Onramp <no-reply@" + mailDomain(c.PublicURL.Hostname()) + ">"
		} else if _, err := mail.ParseAddress(c.MailFrom); c.MailFrom != "" && err != nil {
			problems = append(problems, fmt.Sprintf("MAIL_FROM must be an email address like \"Onramp <no-reply@example.com>\", got %q", c.MailFrom))
		}

		c.PlansFile = getenv("PLANS_FILE")
		if c.PlansFile == "" {
			problems = append(problems, "PLANS_FILE is required (a YAML plan catalog; see README)")
		}

		days, err := intVar(getenv, "PAST_DUE_GRACE_DAYS", 7, 0, 365)
		if err != nil {
			problems = append(problems, err.Error())
		}
		c.PastDueGrace = time.Duration(days) * 24 * time.Hour

		c.SignupRateLimit, err = intVar(getenv, "SIGNUP_RATE_LIMIT", 20, 0, 1_000_000)
		if err != nil {
			problems = append(problems, err.Error())
		}

		c.MinGroupSize, err = intVar(getenv, "MIN_GROUP_SIZE", 5, 2, 1000)
		if err != nil {
			problems = append(problems, err.Error())
		}

		retention, err := intVar(getenv, "EVENT_RETENTION_DAYS", 400, 1, 36500)
		if err != nil {
			problems = append(problems, err.Error())
		}
		c.EventRetention = time.Duration(retention) * 24 * time.Hour

		if c.NudgeWeeklyCap, err = intVar(getenv, "NUDGE_WEEKLY_CAP", 1, 1, 7); err != nil {
			problems = append(problems, err.Error())
		}
		if c.NudgeQuietHours, err = quietHours(orDefault(getenv("NUDGE_QUIET_HOURS"), "20-9")); err != nil {
			problems = append(problems, err.Error())
		}
		if c.NudgeSweepInterval, err = time.ParseDuration(orDefault(getenv("NUDGE_SWEEP_INTERVAL"), "15m")); err != nil ||
			c.NudgeSweepInterval < time.Minute || c.NudgeSweepInterval > 24*time.Hour {
			problems = append(problems, fmt.Sprintf("NUDGE_SWEEP_INTERVAL must be a duration between 1m and 24h, like 15m, got %q", getenv("NUDGE_SWEEP_INTERVAL")))
		}

		if c.StripeTimeout, err = time.ParseDuration(orDefault(getenv("STRIPE_TIMEOUT"), "10s")); err != nil ||
			c.StripeTimeout < 100*time.Millisecond || c.StripeTimeout > time.Minute {
			problems = append(problems, fmt.Sprintf("STRIPE_TIMEOUT must be a duration between 100ms and 1m, like 10s, got %q", getenv("STRIPE_TIMEOUT")))
		}
		if c.APIKeyRateLimit, err = intVar(getenv, "API_KEY_RATE_LIMIT", 60_000, 0, 100_000_000); err != nil {
			problems = append(problems, err.Error())
		}
		switch v := getenv("WEBHOOK_ALLOW_PRIVATE"); v {
		case "", "false", "0":
		case "true", "1":
			c.WebhookAllowPrivate = true
		default:
			problems = append(problems, fmt.Sprintf("WEBHOOK_ALLOW_PRIVATE must be true or false, got %q", v))
		}
		for _, o := range strings.Split(getenv("CORS_ALLOWED_ORIGINS"), ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
				problems = append(problems, fmt.Sprintf("CORS_ALLOWED_ORIGINS must be a comma-separated list of origins like https://app.example.com, got %q", o))
				continue
			}
			c.CORSOrigins = append(c.CORSOrigins, strings.ToLower(o))
		}

		switch v := getenv("STRIPE_AUTOMATIC_TAX"); v {
		case "", "false", "0":
		case "true", "1":
			c.StripeAutomaticTax = true
		default:
			problems = append(problems, fmt.Sprintf("STRIPE_AUTOMATIC_TAX must be true or false, got %q", v))
		}
	}

	locale, err := onrampmail.ParseLocale(orDefault(getenv("DEFAULT_LOCALE"), "en"))
	if err != nil {
		problems = append(problems, "DEFAULT_LOCALE: "+err.Error())
	}
	c.DefaultLocale = locale

	if err := c.LogLevel.UnmarshalText([]byte(orDefault(getenv("LOG_LEVEL"), "info"))); err != nil {
		problems = append(problems, "LOG_LEVEL must be debug, info, warn or error")
	}
	c.LogFormat = orDefault(getenv("LOG_FORMAT"), "json")
	if c.LogFormat != "json" && c.LogFormat != "text" {
		problems = append(problems, "LOG_FORMAT must be json or text")
	}

	if len(problems) > 0 {
		return nil, problems
	}
	return c, nil
}

// Need says which parts of the configuration a command requires.
type Need int

const (
	NeedDatabase Need = iota // migrate, staff
	NeedServe                // serve: everything
)

// mailDomain makes a host usable in an address: "localhost" has no dot,
// which some servers refuse.
func mailDomain(host string) string {
	if !strings.Contains(host, ".") {
		return host + ".localdomain"
	}
	return host
}

// baseURL parses a URL the service builds links and redirects on: absolute
// http(s), with a host, no credentials, query or fragment, and no trailing
// slash on its path.
func baseURL(name, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s must be an absolute http(s) URL without credentials, query or fragment, got %q", name, redactURL(raw))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// redactURL hides a password in a URL quoted back in a problem.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}

// quietHours reads "20-9": two different hours of the day, the span
// from the first to the second (which may wrap past midnight).
func quietHours(s string) ([2]int, error) {
	from, to, ok := strings.Cut(s, "-")
	f, err1 := strconv.Atoi(strings.TrimSpace(from))
	t, err2 := strconv.Atoi(strings.TrimSpace(to))
	if !ok || err1 != nil || err2 != nil || f < 0 || f > 23 || t < 0 || t > 23 || f == t {
		return [2]int{}, fmt.Errorf("NUDGE_QUIET_HOURS must be two different hours from 0 to 23, like 20-9, got %q", s)
	}
	return [2]int{f, t}, nil
}

// localURL is PUBLIC_URL's default: this machine at HTTP_ADDR's port, so
// that the links of emails reach the server however it was started
// (localhost when HTTP_ADDR names no host or all of them).
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func intVar(getenv Getenv, name string, def, min, max int) (int, error) {
	raw := getenv(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < min || n > max {
		return def, fmt.Errorf("%s must be a whole number from %d to %d, got %q", name, min, max, raw)
	}
	return n, nil
}

// IsProblems reports whether err lists configuration problems.
func IsProblems(err error) bool {
	var p Problems
	return errors.As(err, &p)
}

// invalidIDRune is a rune no Stripe id holds.
func invalidIDRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
}
