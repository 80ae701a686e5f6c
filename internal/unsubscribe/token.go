// Package unsubscribe signs and verifies the tokens of the one-click
// unsubscribe links that optional emails (the onboarding nudges) carry. A
// token names a person, by the hash of their address, and a category of
// email; it is signed with HMAC-SHA256 and never expires: a link in a
// mail read months later must still work. Nothing is stored per token,
// and the token holds no address.
package unsubscribe

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Category is a kind of optional email a person may opt out of. The
// values are those of notification_opt_outs.category.
type Category string

// OnboardingTips are the onboarding nudges.
const OnboardingTips Category = "onboarding_tips"

// categoryCodes are the categories' one-byte codes in a token. A code is
// never reused: links already sent name categories by it.
var categoryCodes = map[Category]byte{OnboardingTips: 1}

// MinKeyLen is the shortest key accepted: HMAC-SHA256's own block of
// strength, 32 bytes.
const MinKeyLen = 32

// A token is base64url (no padding) of
//
//	version (1) | category code (1) | email hash (32) | MAC (16)
//
// where MAC is HMAC-SHA256 over macLabel and the bytes before it,
// truncated to 128 bits. The version names the key: a rotation adds a
// version, verifies both for a while, and signs with the new one.
const (
	version1   byte = 1
	emailHashN      = sha256.Size
	macN            = 16
	payloadN        = 2 + emailHashN
	tokenN          = payloadN + macN
	macLabel        = "onramp unsubscribe token\x00"
)

// ErrInvalid is every token that does not verify, whatever the reason: a
// caller learns nothing about whose it was meant to be.
var ErrInvalid = errors.New("unsubscribe: invalid token")

// Subscription is what a valid token names.
type Subscription struct {
	EmailHash []byte // EmailHash of the person's address
	Category  Category
}

// Signer makes and checks tokens and links. It is safe for concurrent use.
type Signer struct {
	key  []byte
	link url.URL // PUBLIC_URL/v1/unsubscribe
}

// NewSigner signs with key (at least MinKeyLen bytes) and builds links on
// publicURL.
func NewSigner(key []byte, publicURL *url.URL) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("unsubscribe: the key must be at least %d bytes, got %d", MinKeyLen, len(key))
	}
	if publicURL == nil {
		return nil, errors.New("unsubscribe: no public URL to build links on")
	}
	s := &Signer{key: append([]byte(nil), key...), link: *publicURL}
	s.link.Path = strings.TrimSuffix(s.link.Path, "/") + "/v1/unsubscribe"
	return s, nil
}

// EmailHash is how notification_opt_outs names an address: SHA-256 of
// its lower-cased UTF-8 bytes, as SQL's sha256(convert_to(lower(email),
// 'UTF8')) computes it (addresses are stored lower-cased already).
func EmailHash(email string) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return sum[:]
}

// Token is the token naming email and c. It panics on a category this
// package does not know: that is a programming error, not an input.
func (s *Signer) Token(email string, c Category) string {
	code, ok := categoryCodes[c]
	if !ok {
		panic(fmt.Sprintf("unsubscribe: unknown category %q", c))
	}
	b := make([]byte, 0, tokenN)
	b = append(b, version1, code)
	b = append(b, EmailHash(email)...)
	b = append(b, s.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// URL is the link the List-Unsubscribe header of an email to email of
// category c carries: PUBLIC_URL/v1/unsubscribe?token=….
func (s *Signer) URL(email string, c Category) string {
	u := s.link
	u.RawQuery = url.Values{"token": {s.Token(email, c)}}.Encode()
	return u.String()
}

// Verify returns what token names, or ErrInvalid.
func (s *Signer) Verify(token string) (Subscription, error) {
	if base64.RawURLEncoding.EncodedLen(tokenN) != len(token) {
		return Subscription{}, ErrInvalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != tokenN || b[0] != version1 {
		return Subscription{}, ErrInvalid
	}
	payload, mac := b[:payloadN], b[payloadN:]
	if !hmac.Equal(mac, s.mac(payload)) {
		return Subscription{}, ErrInvalid
	}
	for c, code := range categoryCodes {
		if code == payload[1] {
			return Subscription{EmailHash: append([]byte(nil), payload[2:]...), Category: c}, nil
		}
	}
	return Subscription{}, ErrInvalid // signed by us, for a category since retired
}

func (s *Signer) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(macLabel))
	h.Write(payload)
	return h.Sum(nil)[:macN]
}

// DevelopmentKey derives a key from the access-token signing key's seed,
// for development without UNSUBSCRIBE_SECRET: links keep working across
// restarts as long as the JWT key stays, and the derived key tells nothing
// about the seed.
func DevelopmentKey(jwtSeed []byte) []byte {
	key, err := hkdf.Key(sha256.New, jwtSeed, nil, "onramp unsubscribe key v1", MinKeyLen)
	if err != nil {
		panic("hkdf of 32 bytes cannot fail: " + err.Error())
	}
	return key
}
