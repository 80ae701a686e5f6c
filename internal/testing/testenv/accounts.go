package testenv

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// Session is the body of signup, login, refresh and invitation acceptance.
type Session struct {
	Organization *struct {
		ID   uuid.UUID `json:"id"`
		Name string    `json:"name"`
	} `json:"organization"`
	User struct {
		ID            uuid.UUID `json:"id"`
		Email         string    `json:"email"`
		FullName      string    `json:"full_name"`
		EmailVerified bool      `json:"email_verified"`
		Staff         bool      `json:"staff"`
	} `json:"user"`
	Role         *string `json:"role"`
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    int     `json:"expires_in"`
}

// SignupOptions shape Signup's request; empty fields get defaults (a
// unique email, DefaultPassword).
type SignupOptions struct {
	Company  string
	Email    string
	Password string
	FullName string
}

// DefaultPassword is the password Signup uses unless told otherwise.
const DefaultPassword = "correct horse battery"

// Signup signs a company up through POST /v1/signup and returns the owner's
// session; the request must succeed.
func (e *Env) Signup(t testing.TB, o SignupOptions) Session {
	t.Helper()
	if o.Company == "" {
		o.Company = "Company " + uuid.NewString()[:8]
	}
	if o.Email == "" {
		o.Email = "owner-" + uuid.NewString()[:13] + "@example.test"
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.FullName == "" {
		o.FullName = "Olivia Owner"
	}
	var s Session
	e.Do(t, http.MethodPost, "/v1/signup", map[string]any{
		"company_name": o.Company, "email": o.Email, "password": o.Password, "full_name": o.FullName,
	}).Expect(t, http.StatusCreated).Decode(t, &s)
	return s
}

// Login signs in through POST /v1/auth/login; the request must succeed.
func (e *Env) Login(t testing.TB, email, password string) Session {
	t.Helper()
	var s Session
	e.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": password}).
		Expect(t, http.StatusOK).Decode(t, &s)
	return s
}
