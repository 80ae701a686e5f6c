package accounts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/clock"
)

// A buyer whose account was just created must not be lost when Checkout
// cannot be opened (Stripe down or slow), nor when they leave Checkout
// and come back: the signup answer sets a cookie that names the new
// organization, its owner and their choice, signed, for one hour. It lets
// this browser do one thing, open Checkout again for that organization
// (POST /signup/checkout, with the form's CSRF token), and nothing else:
// no session, no sign-in, no read of the account. After the hour the
// owner signs in to the app like anyone else.
//
// HttpOnly; SameSite=Lax rather than Strict, because Checkout's cancel
// page is reached from Stripe's site and must still see it (a top-level
// GET: Lax sends it then, and a GET only shows a button).

// retryTTL is how long the cookie lets Checkout be opened again.
const retryTTL = time.Hour

// retryChoice is what the cookie names.
type retryChoice struct {
	OrgID, UserID uuid.UUID
	PlanID        string
	Seats         int
	Expires       time.Time
}

// retrySigner writes and reads the cookie.
type retrySigner struct {
	key    []byte
	clock  clock.Clock
	secure bool
}

// name is the cookie's name; __Host- (host-only, Path=/) needs Secure.
func (r retrySigner) name() string {
	if r.secure {
		return "__Host-onramp_checkout"
	}
	return "onramp_checkout"
}

// mac signs payload; the label keeps it from meaning anything to another
// user of the same key.
func (r retrySigner) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, r.key)
	h.Write([]byte("onramp checkout retry\x00"))
	h.Write(payload)
	return h.Sum(nil)
}

func (r retrySigner) set(c *gin.Context, choice retryChoice) {
	payload := make([]byte, 0, 44+len(choice.PlanID))
	payload = append(payload, choice.OrgID[:]...)
	payload = append(payload, choice.UserID[:]...)
	payload = binary.BigEndian.AppendUint32(payload, uint32(choice.Seats))
	payload = binary.BigEndian.AppendUint64(payload, uint64(r.clock.Now().Add(retryTTL).Unix()))
	payload = append(payload, choice.PlanID...)
	value := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(r.mac(payload))
	http.SetCookie(c.Writer, &http.Cookie{Name: r.name(), Value: value, Path: "/", MaxAge: int(retryTTL.Seconds()),
		HttpOnly: true, Secure: r.secure, SameSite: http.SameSiteLaxMode})
}

// get reads a genuine, unexpired cookie.
func (r retrySigner) get(c *gin.Context) (retryChoice, bool) {
	cookie, err := c.Request.Cookie(r.name())
	if err != nil {
		return retryChoice{}, false
	}
	encoded, sig, ok := strings.Cut(cookie.Value, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(encoded)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil || len(payload) < 44 || !hmac.Equal(mac, r.mac(payload)) {
		return retryChoice{}, false
	}
	choice := retryChoice{PlanID: string(payload[44:]), Seats: int(binary.BigEndian.Uint32(payload[32:36])),
		Expires: time.Unix(int64(binary.BigEndian.Uint64(payload[36:44])), 0)}
	copy(choice.OrgID[:], payload[:16])
	copy(choice.UserID[:], payload[16:32])
	if !r.clock.Now().Before(choice.Expires) {
		return retryChoice{}, false
	}
	return choice, true
}

func (r retrySigner) clear(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: r.name(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.secure, SameSite: http.SameSiteLaxMode})
}
