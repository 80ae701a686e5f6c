package api_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// Every kind of forged or stale access token is refused on a protected
// route, while a genuine one built the same way is accepted.
func TestForgedAccessTokensAreRefused(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	signer := env.App.Signer
	jwk := signer.JWKS().Keys[0]
	pub, err := base64.RawURLEncoding.DecodeString(jwk.X)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)

	var session string
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT family_id::text FROM refresh_tokens WHERE user_id = $1`, owner.User.ID).Scan(&session); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"sub": owner.User.ID.String(), "org": owner.Organization.ID.String(), "role": "owner", "staff": false,
			"iss": signer.Issuer(), "aud": []string{auth.Audience}, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"jti": "forged", "sid": session,
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	sign := func(method jwt.SigningMethod, key any, c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = jwk.Kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	realKey := env.Config.JWTKey

	// The control: the same construction with the real key is accepted, so
	// each refusal below is about the one thing that differs.
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(sign(jwt.SigningMethodEdDSA, realKey, claims(nil)))).Expect(t, http.StatusOK)

	forged := map[string]string{
		"alg none":                        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)),
		"HS256 keyed with the public key": sign(jwt.SigningMethodHS256, []byte(pub), claims(nil)),
		"HS256 keyed with the JWK x":      sign(jwt.SigningMethodHS256, []byte(jwk.X), claims(nil)),
		"another Ed25519 key":             sign(jwt.SigningMethodEdDSA, otherKey, claims(nil)),
		"expired": sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) {
			c["exp"] = now.Add(-time.Hour).Unix()
			c["iat"] = now.Add(-2 * time.Hour).Unix()
		})),
		"wrong audience": sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) { c["aud"] = []string{"another-api"} })),
		"wrong issuer":   sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" })),
		"without exp":    sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		// Minted before access tokens named their session: refused, not
		// trusted without one for the rest of its life.
		"without sid":      sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) { delete(c, "sid") })),
		"unknown session":  sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) { c["sid"] = uuid.NewString() })),
		"unknown user":     sign(jwt.SigningMethodEdDSA, realKey, claims(func(c jwt.MapClaims) { c["sub"] = uuid.NewString() })),
		"tampered payload": owner.AccessToken[:len(owner.AccessToken)-4] + "AAAA",
		"garbage":          "not-a-jwt",
	}
	for name, tok := range forged {
		res := env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(tok))
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, res.Status)
		}
	}
	env.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusUnauthorized)
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithHeader("Authorization", "Basic "+owner.AccessToken)).Expect(t, http.StatusUnauthorized)
}
