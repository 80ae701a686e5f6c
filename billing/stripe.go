package billing

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/onramp/onramp/internal/apperr"
)

// DefaultStripeTimeout bounds a Stripe request when nothing else does.
const DefaultStripeTimeout = 10 * time.Second

// stripeRetryAfter is when a caller is told to try again after Stripe
// failed, timed out or was unreachable, stripe-go's own retries included.
const stripeRetryAfter = 10 * time.Second

// NewStripeClient builds a Stripe client for key, each request bounded by
// timeout (0: DefaultStripeTimeout). base, when set, replaces Stripe's API
// URL (stripe-mock in development and tests).
func NewStripeClient(key, base string, timeout time.Duration, log *slog.Logger) *client.API {
	if timeout == 0 {
		timeout = DefaultStripeTimeout
	}
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: timeout},
		MaxNetworkRetries: stripe.Int64(2), // retries reuse the request's idempotency key
		LeveledLogger:     slogLeveled{log.With("component", "stripe")},
	}
	if base != "" {
		cfg.URL = stripe.String(base)
	}
	return client.New(key, &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, LeveledLogger: cfg.LeveledLogger, URL: cfg.URL}),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, LeveledLogger: cfg.LeveledLogger, URL: cfg.URL}),
	})
}

// slogLeveled routes stripe-go's own logs to slog. stripe-go never logs
// keys; request lines are debug-level noise.
type slogLeveled struct{ log *slog.Logger }

func (l slogLeveled) Debugf(format string, v ...any) { l.log.Debug(redact(fmt.Sprintf(format, v...))) }
func (l slogLeveled) Infof(format string, v ...any)  { l.log.Debug(redact(fmt.Sprintf(format, v...))) }
func (l slogLeveled) Warnf(format string, v ...any)  { l.log.Warn(redact(fmt.Sprintf(format, v...))) }
func (l slogLeveled) Errorf(format string, v ...any) { l.log.Error(redact(fmt.Sprintf(format, v...))) }

// apiKey matches Stripe secret and restricted keys. Stripe masks keys in
// its error messages, but a proxy or mock may echo them whole: every
// Stripe error text is redacted before it can reach a log line.
var apiKey = regexp.MustCompile(`\b(sk|rk)_(test|live)_[0-9A-Za-z_]+`)

func redact(s string) string { return apiKey.ReplaceAllString(s, "${1}_${2}_[redacted]") }

// redactedErr shows err's text with API keys removed, and unwraps to it.
type redactedErr struct{ err error }

func (e redactedErr) Error() string { return redact(e.err.Error()) }
func (e redactedErr) Unwrap() error { return e.err }

// stripeErr turns a failed Stripe call into what the caller should see:
// Stripe down, rate limiting us, unreachable or refusing our key is a 503;
// anything else is our own bug or misconfiguration, wrapped as an
// internal error with context for the log.
func stripeErr(op string, err error) error {
	err = redactedErr{err}
	var se *stripe.Error
	if errors.As(err, &se) {
		if se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden {
			// Our key is wrong or revoked: the operator must act, the caller can only wait.
			return fmt.Errorf("%s: stripe refused the API key: %w", op, &unavailableErr{apperr.Unavailable("payments are unavailable; try again later"), err})
		}
		// 409: a request with the same idempotency key is still running
		// (checkouts racing to create the customer), even after stripe-go's
		// retries; the caller's own retry will get its answer.
		if se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == http.StatusConflict || se.HTTPStatusCode == 0 {
			return fmt.Errorf("%s: %w", op, &unavailableErr{apperr.DependencyUnavailable("the payment provider is unavailable; try again shortly", stripeRetryAfter), err})
		}
		return fmt.Errorf("%s: stripe refused (%d %s %s): %w", op, se.HTTPStatusCode, se.Type, se.Code, err)
	}
	return fmt.Errorf("%s: %w", op, &unavailableErr{apperr.DependencyUnavailable("the payment provider is unreachable or too slow; try again shortly", stripeRetryAfter), err})
}

// unavailableErr carries both the apperr shown to the caller and the
// underlying Stripe error for the log.
type unavailableErr struct {
	app   *apperr.Error
	cause error
}

func (e *unavailableErr) Error() string   { return e.app.Message + ": " + e.cause.Error() }
func (e *unavailableErr) Unwrap() []error { return []error{e.app, e.cause} }
