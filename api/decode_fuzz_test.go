package api

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// FuzzDecodeJSON: whatever a client sends, decoding either succeeds with
// text PostgreSQL can store, or fails with an expected problem (400, 413 or
// 422), never a panic or an internal error.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.c","password":"0123456789"}`, `{"seats":"3"}`, `{"seats":3.5}`,
		`{"unknown":1}`, `{`, ``, `null`, `[]`, `{"a":1}{"b":2}`, `"str"`, `{"email":null}`,
		`{"email":"a\u0000"}`, "{\"email\":\"\xff\"}", `{"props":{"k":["\ud800"]}}`, `{"props":{"\u0000":1}}`,
		`{"tags":["\ud83d\ude00","\\u0000"]}`,
	} {
		f.Add(seed)
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body string) {
		var v struct {
			Email    string          `json:"email"`
			Password string          `json:"password"`
			Seats    int             `json:"seats"`
			Tags     []string        `json:"tags"`
			Props    json.RawMessage `json:"props"`
		}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/", strings.NewReader(body))
		err := decodeJSON(c, &v)
		if err == nil {
			var props any
			if len(v.Props) > 0 && json.Unmarshal(v.Props, &props) != nil {
				t.Fatalf("%q: properties are not JSON", body)
			}
			if !utf8.Valid(v.Props) {
				t.Fatalf("%q: properties are not UTF-8", body)
			}
			for _, s := range append(append(v.Tags, v.Email, v.Password), stringsIn(props)...) {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("%q: decoded text PostgreSQL cannot store: %q", body, s)
				}
			}
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

// stringsIn lists every string and object key in a decoded JSON value.
func stringsIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, stringsIn(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, e := range v {
			out = append(append(out, k), stringsIn(e)...)
		}
		return out
	default:
		return nil
	}
}
