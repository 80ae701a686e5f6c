package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/account"
)

// The caller's own data: their profile, its export and its erasure.

// clearable is a request field that may be absent (left as it is), null
// (cleared) or a string.
type clearable struct{ account.Clearable }

func (c *clearable) UnmarshalJSON(b []byte) error {
	c.Set = true
	if string(b) == "null" {
		c.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err // a type error, which the decoder names the field in
	}
	c.Value = &s
	return nil
}

type updateMeRequest struct {
	FullName clearable `json:"full_name"`
	Locale   clearable `json:"locale"`
	TimeZone clearable `json:"time_zone"`
}

func (h accountHandlers) updateMe(c *gin.Context) {
	var req updateMeRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	me, err := h.svc.UpdateProfile(c.Request.Context(), principal(c), account.ProfileUpdate{
		FullName: req.FullName.Clearable, Locale: req.Locale.Clearable, TimeZone: req.TimeZone.Clearable,
	})
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newMeBody(me))
}

type eraseMeRequest struct {
	Password string `json:"password"`
}

func (h accountHandlers) eraseMe(c *gin.Context) {
	var req eraseMeRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	err := h.svc.EraseAccount(c.Request.Context(), principal(c), account.EraseInput{Password: req.Password, ClientIP: c.ClientIP()})
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type exportBody struct {
	ExportedAt              time.Time                   `json:"exported_at"`
	User                    userBody                    `json:"user"`
	Memberships             []exportedMembershipBody    `json:"memberships"`
	NotificationPreferences notificationPreferencesBody `json:"notification_preferences"`
	Emails                  []sentEmailBody             `json:"emails"`
	// Onboarding is onboarding's part as that package shapes it (its
	// events and member rows of the caller).
	Onboarding any `json:"onboarding"`
}

type exportedMembershipBody struct {
	OrganizationID   uuid.UUID `json:"organization_id"`
	OrganizationName string    `json:"organization_name"`
	Role             string    `json:"role"`
	JoinedAt         time.Time `json:"joined_at"`
}

type sentEmailBody struct {
	Type     string    `json:"type"`
	Subject  string    `json:"subject"`
	QueuedAt time.Time `json:"queued_at"`
}

func (h accountHandlers) exportMe(c *gin.Context) {
	exp, err := h.svc.Export(c.Request.Context(), principal(c).UserID)
	if err != nil {
		fail(c, err)
		return
	}
	body := exportBody{
		ExportedAt:              exp.ExportedAt,
		User:                    newUserBody(exp.User),
		Memberships:             make([]exportedMembershipBody, 0, len(exp.Memberships)),
		NotificationPreferences: notificationPreferencesBody(exp.NotificationPreferences),
		Emails:                  make([]sentEmailBody, 0, len(exp.Emails)),
		Onboarding:              exp.Onboarding,
	}
	for _, m := range exp.Memberships {
		body.Memberships = append(body.Memberships, exportedMembershipBody{OrganizationID: m.OrganizationID,
			OrganizationName: m.OrganizationName, Role: m.Role, JoinedAt: m.JoinedAt.UTC()})
	}
	for _, e := range exp.Emails {
		body.Emails = append(body.Emails, sentEmailBody{Type: e.Kind, Subject: e.Subject, QueuedAt: e.QueuedAt.UTC()})
	}
	// Health data: kept out of every cache, and saved as a file by a browser.
	noStore(c)
	c.Header("Content-Disposition", `attachment; filename="onramp-export.json"`)
	respond(c, http.StatusOK, body)
}
