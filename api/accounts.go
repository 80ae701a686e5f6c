package api

import (
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/account"
)

// AccountDeps are the account services the account routes call.
type AccountDeps struct {
	Service *account.Service
}

// accountHandlers serve signup, sessions, the organization, its members and
// invitations.
type accountHandlers struct{ svc *account.Service }

func mountAccounts(v1 *gin.RouterGroup, d Deps) {
	h := accountHandlers{svc: d.Accounts.Service}
	user := requireUser(d.Signer, h.svc)

	v1.POST("/signup", idempotent(d.Idempotency, "signup", h.signupReplay()), h.signup)
	v1.POST("/auth/login", h.login)
	v1.POST("/auth/refresh", h.refresh)
	v1.POST("/auth/logout", user, h.logout)
	v1.POST("/auth/verify-email", h.verifyEmail)
	v1.POST("/auth/verify-email/resend", user, h.resendVerification)
	v1.POST("/auth/password-reset", h.requestPasswordReset)
	v1.POST("/auth/password-reset/confirm", h.confirmPasswordReset)
	v1.GET("/me", user, h.me)
	v1.PATCH("/me", user, h.updateMe)
	v1.DELETE("/me", user, h.eraseMe)
	v1.GET("/me/export", user, h.exportMe)
	v1.GET("/me/notification-preferences", user, h.notificationPreferences)
	v1.PUT("/me/notification-preferences", user, h.setNotificationPreferences)
	v1.GET("/unsubscribe", h.askToUnsubscribe)
	v1.POST("/unsubscribe", h.unsubscribe)

	org := v1.Group("/organization", user, requireOrg())
	org.GET("", h.getOrganization)
	org.PATCH("", requireManager(), h.renameOrganization)
	// Who enrolled in a mental-health offer is itself private: members do
	// not see each other.
	org.GET("/members", requireManager(), h.listMembers)
	org.PATCH("/members/:user_id", requireManager(), h.changeRole)
	org.DELETE("/members/:user_id", requireManager(), h.removeMember)
	org.POST("/invitations", requireManager(), h.invite)
	org.GET("/invitations", requireManager(), h.listInvitations)
	org.DELETE("/invitations/:id", requireManager(), h.revokeInvitation)

	v1.POST("/invitations/accept", optionalUser(d.Signer, h.svc), h.acceptInvitation)
}

// The response shapes of the account routes. Times are UTC.

type organizationBody struct {
	ID            uuid.UUID  `json:"id"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	ActivatedAt   *time.Time `json:"activated_at"`
	BillingStatus string     `json:"billing_status"`
}

func newOrganizationBody(o *account.Organization) *organizationBody {
	if o == nil {
		return nil
	}
	return &organizationBody{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt.UTC(), ActivatedAt: utc(o.ActivatedAt), BillingStatus: o.BillingStatus}
}

type userBody struct {
	ID              uuid.UUID  `json:"id"`
	Email           string     `json:"email"`
	FullName        string     `json:"full_name"`
	EmailVerified   bool       `json:"email_verified"`
	EmailVerifiedAt *time.Time `json:"email_verified_at"`
	Staff           bool       `json:"staff"`
	Locale          *string    `json:"locale"`
	TimeZone        *string    `json:"time_zone"`
	CreatedAt       time.Time  `json:"created_at"`
}

func newUserBody(u account.User) userBody {
	return userBody{ID: u.ID, Email: u.Email, FullName: u.FullName, EmailVerified: u.EmailVerifiedAt != nil,
		EmailVerifiedAt: utc(u.EmailVerifiedAt), Staff: u.IsStaff, Locale: u.Locale, TimeZone: u.TimeZone, CreatedAt: u.CreatedAt.UTC()}
}

// sessionBody answers signup, login, refresh and invitation acceptance.
type sessionBody struct {
	Organization *organizationBody `json:"organization"`
	User         userBody          `json:"user"`
	Role         *string           `json:"role"`
	account.Tokens
}

func newSessionBody(s account.Session) sessionBody {
	return sessionBody{Organization: newOrganizationBody(s.Organization), User: newUserBody(s.User), Role: nonEmpty(s.Role), Tokens: s.Tokens}
}

type memberBody struct {
	UserID   uuid.UUID `json:"user_id"`
	Email    string    `json:"email"`
	FullName string    `json:"full_name"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

func newMemberBody(m account.Member) memberBody {
	return memberBody{UserID: m.UserID, Email: m.Email, FullName: m.FullName, Role: m.Role, JoinedAt: m.JoinedAt.UTC()}
}

type invitationBody struct {
	ID        uuid.UUID  `json:"id"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	Locale    string     `json:"locale"`
	Status    string     `json:"status"`
	ExpiresAt time.Time  `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
	InvitedBy *uuid.UUID `json:"invited_by"`
}

// newInvitationBody shows i with its status as of now, the service's clock.
func newInvitationBody(i account.Invitation, now time.Time) invitationBody {
	return invitationBody{ID: i.ID, Email: i.Email, Role: i.Role, Locale: i.Locale, Status: i.Status(now), ExpiresAt: i.ExpiresAt.UTC(),
		CreatedAt: i.CreatedAt.UTC(), InvitedBy: i.InvitedBy}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
