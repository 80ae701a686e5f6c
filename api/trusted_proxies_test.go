package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestSignupLimitPerClientBehindATrustedProxy: behind a configured load
// balancer the per-IP signup limit applies to each client named by
// X-Forwarded-For; without one, the header is ignored (it could be forged).
func TestSignupLimitPerClientBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	n := 0
	signup := func(env *testenv.Env, forwardedFor string) int {
		n++
		return env.Do(t, http.MethodPost, "/v1/signup", map[string]any{
			"company_name": "Co", "email": fmt.Sprintf("owner%d@acme.test", n), "password": "correct horse battery", "full_name": "Owner",
		}, testenv.WithHeader("X-Forwarded-For", forwardedFor)).Status
	}
	behindProxy := testenv.New(t, func(c *config.Config) {
		c.SignupRateLimit = 1
		c.TrustedProxies = []string{"127.0.0.1"}
	})
	if got := []int{signup(behindProxy, "203.0.113.1"), signup(behindProxy, "203.0.113.1"), signup(behindProxy, "203.0.113.2")}; got[0] != 201 || got[1] != 429 || got[2] != 201 {
		t.Fatalf("behind a trusted proxy: %v, want [201 429 201]", got)
	}
	direct := testenv.New(t, func(c *config.Config) { c.SignupRateLimit = 1 })
	if got := []int{signup(direct, "203.0.113.1"), signup(direct, "203.0.113.2")}; got[0] != 201 || got[1] != 429 {
		t.Fatalf("without a trusted proxy, forged X-Forwarded-For dodged the limit: %v", got)
	}
}
