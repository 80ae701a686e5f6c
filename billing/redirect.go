package billing

import (
	"net/url"
	"slices"
	"strings"

	"github.com/onramp/onramp/internal/apperr"
)

// maxURLLength bounds caller-supplied redirect URLs (Stripe allows 5000).
const maxURLLength = 2048

// checkRedirect records a problem on field unless raw is empty or a URL
// Stripe may send the buyer back to: absolute http(s), without
// credentials, on PUBLIC_URL's or APP_URL's origin. Anything else would
// make a Checkout or portal page of ours a springboard to another site.
func (s *Service) checkRedirect(v *apperr.Validator, field, raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	ok := err == nil && len(raw) <= maxURLLength && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
	v.Check(ok && slices.Contains(s.origins, origin(u)), field, "must be an absolute URL on "+strings.Join(s.originNames, " or "))
}

// origin is u's scheme, host and port, as a browser compares them: case
// folded, the default port spelled out.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
