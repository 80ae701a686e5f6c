package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/idempotency"
)

const replayedHeader = "Idempotent-Replayed"

// replayPolicy adapts idempotent() to a route. strip removes secrets
// before a response is stored, and reissue answers a replay from the stored
// (secret-free) body, e.g. with freshly minted tokens. owner names who owns
// a key when the caller has no token (signup): keys are scoped by it, so
// one anonymous client's key never meets another's.
type replayPolicy struct {
	strip   func(body []byte) ([]byte, error)
	reissue func(c *gin.Context, stored []byte) (status int, body []byte, err error)
	// owner reads the request body; "" (a body the handler will refuse
	// anyway) runs the request without replay.
	owner func(body []byte) string
}

// idempotent honours the Idempotency-Key header on a route: the first
// successful (2xx) response to a key is stored and replayed for the same key
// and body for 24 hours; the same key with another body is a 409. Keys are
// scoped by route and by the caller's organization (or user, or the
// policy's owner for an anonymous caller), so one tenant's keys never meet
// another's. A failed request stores nothing, so the client's retry runs it
// again. With a policy, what is stored and how it is replayed go through it.
func idempotent(store *idempotency.Store, scope string, policy ...replayPolicy) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("Idempotency-Key")
		if err := idempotency.ValidKey(key); err != nil {
			if errors.Is(err, idempotency.ErrNoKey) {
				c.Next()
				return
			}
			fail(c, err)
			return
		}
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			fail(c, decodeError(err))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))

		owner, ok := callerScope(c, body, policy...)
		if !ok {
			c.Next()
			return
		}
		fullScope := scope + ":" + owner
		hash := store.RequestHash(c.Request.Method, c.Request.URL.Path, body)
		stored, err := store.Begin(c.Request.Context(), fullScope, key, hash)
		if err != nil {
			fail(c, err)
			return
		}
		if stored != nil {
			status, body := stored.Status, stored.Body
			if len(policy) > 0 && policy[0].reissue != nil {
				if status, body, err = policy[0].reissue(c, stored.Body); err != nil {
					fail(c, err)
					return
				}
			}
			c.Header(replayedHeader, "true")
			c.Data(status, jsonContentType, body)
			c.Abort()
			return
		}

		rec := &recordingWriter{ResponseWriter: c.Writer}
		c.Writer = rec
		completed := false
		defer func() {
			// Runs on panics too, so a crashed request frees its key
			// (Release finishes even when the request's context is canceled).
			if completed {
				return
			}
			if err := store.Release(c.Request.Context(), fullScope, key); err != nil {
				logFor(c).Error("release idempotency key", "err", err)
			}
		}()
		c.Next()

		if status := rec.Status(); status >= 200 && status < 300 {
			body := rec.body.Bytes()
			if len(policy) > 0 && policy[0].strip != nil {
				if body, err = policy[0].strip(body); err != nil {
					logFor(c).Error("strip secrets from idempotent response", "err", err)
					return
				}
			}
			if err := store.Complete(c.Request.Context(), fullScope, key, idempotency.Response{Status: status, Body: body}); err != nil {
				logFor(c).Error("store idempotent response", "err", err)
				return
			}
			completed = true
		}
	}
}

// callerScope names who owns a key: the organization, else the user, else
// (an anonymous caller) the policy's owner of the request, hashed so that
// what names it (an email) is not kept in the key table. A route without an
// owner shares one anonymous scope; ok is false when the owner cannot be
// read from the body.
func callerScope(c *gin.Context, body []byte, policy ...replayPolicy) (scope string, ok bool) {
	p, signedIn := principalFrom(c)
	switch {
	case signedIn && p.HasOrg():
		return "org:" + p.OrgID.String(), true
	case signedIn:
		return "user:" + p.UserID.String(), true
	case len(policy) > 0 && policy[0].owner != nil:
		owner := policy[0].owner(body)
		if owner == "" {
			return "", false
		}
		sum := sha256.Sum256([]byte(owner))
		return "anonymous:" + hex.EncodeToString(sum[:]), true
	default:
		return "anonymous", true
	}
}

// recordingWriter keeps a copy of the body written through it.
type recordingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

var _ http.ResponseWriter = (*recordingWriter)(nil)
