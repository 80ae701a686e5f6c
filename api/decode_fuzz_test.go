package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// FuzzDecodeJSON: whatever a client sends, decoding either succeeds or
// fails with an expected problem (400, 413 or 422), never a panic or an
// internal error.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.c","password":"0123456789"}`, `{"seats":"3"}`, `{"seats":3.5}`,
		`{"unknown":1}`, `{`, ``, `null`, `[]`, `{"a":1}{"b":2}`, `"str"`, `{"email":null}`,
	} {
		f.Add(seed)
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body string) {
		var v struct {
			Email    string `json:"email"`
			Password string `json:"password"`
			Seats    int    `json:"seats"`
		}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/", strings.NewReader(body))
		err := decodeJSON(c, &v)
		if err == nil {
			return
		}
		e, ok := apperr.As(err)
		if !ok {
			t.Fatalf("%q: unexpected error type %T: %v", body, err, err)
		}
		switch e.Code {
		case apperr.CodeMalformed, apperr.CodeInvalid, apperr.CodeTooLarge:
		default:
			t.Fatalf("%q: unexpected code %s", body, e.Code)
		}
	})
}
