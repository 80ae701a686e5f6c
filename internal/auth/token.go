package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// AccessTokenTTL is the lifetime of an access token.
const AccessTokenTTL = 15 * time.Minute

// verifyLeeway is the clock skew tolerated on exp and iat.
const verifyLeeway = 30 * time.Second

// Audience is the only audience access tokens are minted for and accepted with.
const Audience = "onramp-api"

// Principal is who a verified access token speaks for.
type Principal struct {
	UserID uuid.UUID
	// OrgID is uuid.Nil for a staff user without a membership.
	OrgID uuid.UUID
	Role  string // owner, admin or member; empty without an organization
	Staff bool
	// SessionID is the session (refresh-token family) the token was minted
	// in. A token is only as good as its session: signing out, a password
	// reset or a removal from the organization ends the session, and with it
	// every access token minted in it.
	SessionID uuid.UUID
	// Locale is the language the holder reads ("en", "fr"): their stored
	// one, else DEFAULT_LOCALE. Not a claim (a token would keep a language
	// changed since): the current-access check sets it, "" until then.
	Locale string
}

// HasOrg reports whether the token is bound to an organization.
func (p Principal) HasOrg() bool { return p.OrgID != uuid.Nil }

// CanManage reports whether the role may manage the organization.
func (p Principal) CanManage() bool { return p.Role == "owner" || p.Role == "admin" }

type claims struct {
	Org   string `json:"org,omitempty"`
	Role  string `json:"role,omitempty"`
	Staff bool   `json:"staff"`
	Sid   string `json:"sid"`
	jwt.RegisteredClaims
}

// Signer mints access tokens with the current key and verifies tokens signed
// by any key it knows (the current one plus those being rotated out).
type Signer struct {
	issuer string
	key    ed25519.PrivateKey
	kid    string
	verify map[string]ed25519.PublicKey
	parser *jwt.Parser
	now    func() time.Time
	cache  verifiedTokens
}

// NewSigner signs with key; previous are public keys still accepted while
// tokens they signed expire.
func NewSigner(issuer string, key ed25519.PrivateKey, previous ...ed25519.PublicKey) *Signer {
	pub := key.Public().(ed25519.PublicKey)
	s := &Signer{
		issuer: issuer,
		key:    key,
		kid:    KeyID(pub),
		verify: map[string]ed25519.PublicKey{KeyID(pub): pub},
		now:    time.Now,
	}
	for _, p := range previous {
		s.verify[KeyID(p)] = p
	}
	s.parser = jwt.NewParser(
		// An explicit allow-list: "none", HS256 keyed with the public key and
		// every other algorithm are refused before the key is even looked up.
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(verifyLeeway),
		jwt.WithTimeFunc(func() time.Time { return s.now() }),
	)
	return s
}

// Issue mints an access token for p. It returns the token and its lifetime.
func (s *Signer) Issue(p Principal) (string, time.Duration, error) {
	if p.SessionID == uuid.Nil {
		return "", 0, errors.New("sign access token: no session id")
	}
	now := s.now()
	c := claims{
		Role:  p.Role,
		Staff: p.Staff,
		Sid:   p.SessionID.String(),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   p.UserID.String(),
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessTokenTTL)),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.Must(uuid.NewV7()).String(),
		},
	}
	if p.HasOrg() {
		c.Org = p.OrgID.String()
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", 0, fmt.Errorf("sign access token: %w", err)
	}
	return signed, AccessTokenTTL, nil
}

// ErrInvalidToken is returned for every token that does not verify; the
// reason is deliberately not told to the caller.
var ErrInvalidToken = errors.New("invalid access token")

// Verify checks signature, algorithm, key id, issuer, audience and expiry.
// It says what the token claims, not whether its session, membership or
// role still hold: that is the caller's check on every request (see
// account.Service.CurrentAccess).
func (s *Signer) Verify(token string) (Principal, error) {
	if p, ok := s.cache.get(token, s.now()); ok {
		return p, nil
	}
	var c claims
	_, err := s.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := s.verify[kid]
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return key, nil
	})
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	p := Principal{Role: c.Role, Staff: c.Staff}
	if p.UserID, err = uuid.Parse(c.Subject); err != nil {
		return Principal{}, fmt.Errorf("%w: bad subject", ErrInvalidToken)
	}
	// Tokens minted before sessions were named in them carry no sid; they
	// are refused (the client signs in again, or refreshes) rather than
	// trusted without a session for the rest of their 15 minutes.
	if p.SessionID, err = uuid.Parse(c.Sid); err != nil || p.SessionID == uuid.Nil {
		return Principal{}, fmt.Errorf("%w: no session id", ErrInvalidToken)
	}
	if c.Org != "" {
		if p.OrgID, err = uuid.Parse(c.Org); err != nil {
			return Principal{}, fmt.Errorf("%w: bad org", ErrInvalidToken)
		}
		if p.Role != "owner" && p.Role != "admin" && p.Role != "member" {
			return Principal{}, fmt.Errorf("%w: bad role", ErrInvalidToken)
		}
	}
	s.cache.put(token, p, c.ExpiresAt.Time)
	return p, nil
}

// JWKS returns every public key the signer accepts.
func (s *Signer) JWKS() JWKS {
	set := JWKS{Keys: []JWK{}}
	// The signing key first, so clients that take the first key get it.
	set.Keys = append(set.Keys, jwk(s.kid, s.verify[s.kid]))
	for kid, pub := range s.verify {
		if kid != s.kid {
			set.Keys = append(set.Keys, jwk(kid, pub))
		}
	}
	return set
}

func jwk(kid string, pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: kid, Use: "sig", Alg: "EdDSA"}
}

// Issuer is the iss claim of tokens this signer mints.
func (s *Signer) Issuer() string { return s.issuer }
