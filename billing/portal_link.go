package billing

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/mail"
)

// Billing emails link to the billing portal through a link of ours,
// PUBLIC_URL/v1/billing/portal-link?token=…, rather than to a portal
// session: a session is made by a Stripe call (never inside the webhook's
// transaction) and expires within minutes, while an email is read days
// later. The token names the organization and the recipient and expires
// after mail.PortalLinkDays; opening the link shows a button (mail
// scanners open links too), and pressing it opens a portal session for a
// recipient who is still an owner or admin, in their language.
//
// A token is base64url (no padding) of
//
//	version (1) | organization id (16) | user id (16) | expiry, Unix seconds (8) | MAC (16)
//
// with MAC the first 128 bits of HMAC-SHA256 over the bytes before it.

const (
	portalLinkVersion byte = 1
	portalLinkPayload      = 1 + 16 + 16 + 8
	portalLinkLen          = portalLinkPayload + 16
	portalLinkPath         = "/v1/billing/portal-link"
)

// portalLinkKey derives the links' key from secret (UNSUBSCRIBE_SECRET,
// which signs the other links of emails): one secret to configure, and a
// key of its own, so neither kind of token verifies as the other.
func portalLinkKey(secret []byte) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, "onramp billing portal link v1", 32)
	if err != nil {
		panic("hkdf of 32 bytes cannot fail: " + err.Error())
	}
	return key
}

// portalLink is the link of a billing email to recipient of orgID.
func (s *Service) portalLink(orgID, userID uuid.UUID) string {
	b := make([]byte, 0, portalLinkLen)
	b = append(b, portalLinkVersion)
	b = append(b, orgID[:]...)
	b = append(b, userID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(s.now().Add(mail.PortalLinkDays*24*time.Hour).Unix()))
	b = append(b, s.portalLinkMAC(b)...)
	u := *s.publicURL
	u.Path = strings.TrimSuffix(u.Path, "/") + portalLinkPath
	u.RawQuery = url.Values{"token": {base64.RawURLEncoding.EncodeToString(b)}}.Encode()
	return u.String()
}

func (s *Service) portalLinkMAC(payload []byte) []byte {
	h := hmac.New(sha256.New, s.linkKey)
	h.Write(payload)
	return h.Sum(nil)[:16]
}

func invalidPortalLink() error {
	return apperr.InvalidField("token", "the link is incomplete, damaged or expired; open the billing portal from your account instead")
}

// CheckPortalLink verifies a billing email's link token (apperr Invalid
// when it does not verify or has expired) without acting on it.
func (s *Service) CheckPortalLink(token string) error {
	_, _, err := s.verifyPortalLink(token)
	return err
}

func (s *Service) verifyPortalLink(token string) (orgID, userID uuid.UUID, err error) {
	b, derr := base64.RawURLEncoding.Strict().DecodeString(token)
	if derr != nil || len(b) != portalLinkLen || b[0] != portalLinkVersion ||
		!hmac.Equal(b[portalLinkPayload:], s.portalLinkMAC(b[:portalLinkPayload])) {
		return uuid.Nil, uuid.Nil, invalidPortalLink()
	}
	if expires := time.Unix(int64(binary.BigEndian.Uint64(b[33:41])), 0); !s.now().Before(expires) {
		return uuid.Nil, uuid.Nil, invalidPortalLink()
	}
	copy(orgID[:], b[1:17])
	copy(userID[:], b[17:33])
	return orgID, userID, nil
}

// OpenPortalFromLink opens a billing portal session for the recipient a
// billing email's link names, if they are still an owner or admin of the
// organization, in their language; it returns the session's URL.
func (s *Service) OpenPortalFromLink(ctx context.Context, token string) (string, error) {
	orgID, userID, err := s.verifyPortalLink(token)
	if err != nil {
		return "", err
	}
	var who struct {
		Role   string
		Locale *string
	}
	err = s.db.Query(ctx).Raw(`SELECT m.role, u.locale FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = ? AND m.user_id = ?`, orgID, userID).Take(&who).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return "", apperr.Forbidden("you are no longer a member of this organization")
	case err != nil:
		return "", fmt.Errorf("load membership: %w", err)
	case who.Role != "owner" && who.Role != "admin":
		return "", apperr.Forbidden("only owners and admins manage the organization's billing")
	}
	return s.CreatePortal(ctx, orgID, "", string(s.localeOf(who.Locale)))
}
