package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
)

type signupRequest struct {
	CompanyName string `json:"company_name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	FullName    string `json:"full_name"`
	UTMSource   string `json:"utm_source"`
	UTMMedium   string `json:"utm_medium"`
	UTMCampaign string `json:"utm_campaign"`
	Referrer    string `json:"referrer"`
	Locale      string `json:"locale"`
}

func (h accountHandlers) signup(c *gin.Context) {
	var req signupRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Locale == "" {
		req.Locale = acceptedLocale(c.Request)
	}
	s, err := h.svc.Signup(c.Request.Context(), account.SignupInput{
		CompanyName: req.CompanyName, Email: req.Email, Password: req.Password, FullName: req.FullName,
		UTMSource: req.UTMSource, UTMMedium: req.UTMMedium, UTMCampaign: req.UTMCampaign, Referrer: req.Referrer,
		Locale: req.Locale, ClientIP: c.ClientIP(),
	})
	if err != nil {
		fail(c, err)
		return
	}
	noStore(c)
	respond(c, http.StatusCreated, newSessionBody(s))
}

// signupReplay scopes a signup's Idempotency-Key by the email it signs up
// (a retry repeats it anyway), so clients that pick the same key never
// meet, and keeps the tokens of a signup out of the idempotency store
// (tokens are only ever stored hashed). A replay signs the caller in again
// with the same request's credentials, in the organization the first
// signup created: the same organization and user, fresh tokens, and the
// password is checked as it stands now.
func (h accountHandlers) signupReplay() replayPolicy {
	return replayPolicy{
		owner: func(body []byte) string {
			var req struct {
				Email string `json:"email"`
			}
			if json.Unmarshal(body, &req) != nil {
				return ""
			}
			if email := account.NormalizeEmail(req.Email); email != "" {
				return "email:" + email
			}
			return ""
		},
		strip: func(body []byte) ([]byte, error) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			delete(m, "access_token")
			delete(m, "refresh_token")
			return json.Marshal(m)
		},
		reissue: func(c *gin.Context, stored []byte) (int, []byte, error) {
			var first struct {
				Organization struct {
					ID uuid.UUID `json:"id"`
				} `json:"organization"`
			}
			if err := json.Unmarshal(stored, &first); err != nil {
				return 0, nil, fmt.Errorf("read stored signup: %w", err)
			}
			var req signupRequest
			if err := decodeJSON(c, &req); err != nil {
				return 0, nil, err
			}
			s, err := h.svc.Login(c.Request.Context(), account.LoginInput{Email: req.Email, Password: req.Password, OrganizationID: &first.Organization.ID,
				ClientIP: c.ClientIP()})
			if err != nil {
				return 0, nil, err
			}
			noStore(c)
			body, err := json.Marshal(newSessionBody(s))
			return http.StatusCreated, body, err
		},
	}
}

type loginRequest struct {
	Email          string `json:"email"`
	Password       string `json:"password"`
	OrganizationID string `json:"organization_id"`
}

func (h accountHandlers) login(c *gin.Context) {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	in := account.LoginInput{Email: req.Email, Password: req.Password, ClientIP: c.ClientIP()}
	if req.OrganizationID != "" {
		id, err := uuid.Parse(req.OrganizationID)
		if err != nil {
			fail(c, apperr.InvalidField("organization_id", "must be a UUID"))
			return
		}
		in.OrganizationID = &id
	}
	s, err := h.svc.Login(c.Request.Context(), in)
	if err != nil {
		fail(c, err)
		return
	}
	noStore(c)
	respond(c, http.StatusOK, newSessionBody(s))
}

type refreshTokenRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (h accountHandlers) refresh(c *gin.Context) {
	var req refreshTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	s, err := h.svc.Refresh(c.Request.Context(), req.RefreshToken)
	if err != nil {
		fail(c, err)
		return
	}
	noStore(c)
	respond(c, http.StatusOK, newSessionBody(s))
}

func (h accountHandlers) logout(c *gin.Context) {
	var req refreshTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if err := h.svc.Logout(c.Request.Context(), principal(c).UserID, req.RefreshToken); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (h accountHandlers) verifyEmail(c *gin.Context) {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if err := h.svc.VerifyEmail(c.Request.Context(), req.Token); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h accountHandlers) resendVerification(c *gin.Context) {
	if err := h.svc.ResendVerification(c.Request.Context(), principal(c).UserID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

type passwordResetRequest struct {
	Email string `json:"email"`
}

func (h accountHandlers) requestPasswordReset(c *gin.Context) {
	var req passwordResetRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if err := h.svc.RequestPasswordReset(c.Request.Context(), req.Email, c.ClientIP()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusAccepted)
}

type passwordResetConfirmRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

func (h accountHandlers) confirmPasswordReset(c *gin.Context) {
	var req passwordResetConfirmRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if err := h.svc.ResetPassword(c.Request.Context(), req.Token, req.NewPassword); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// noStore keeps responses that carry tokens out of caches.
func noStore(c *gin.Context) { c.Header("Cache-Control", "no-store") }
