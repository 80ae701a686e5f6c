package testenv

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/onramp/onramp"
)

type specValidator struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	specOnce sync.Once
	specVal  *specValidator
	specErr  error
)

// LoadSpec parses and validates openapi.yaml once per test binary.
func LoadSpec() (*openapi3.T, error) {
	specOnce.Do(func() {
		// The docs page is HTML and the checklist element a script;
		// kin-openapi only decodes them when told to.
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.FileBodyDecoder)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(onramp.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = err
			return
		}
		specVal = &specValidator{doc: doc, router: router}
	})
	if specErr != nil {
		return nil, specErr
	}
	return specVal.doc, nil
}

func loadSpec(t testing.TB) *specValidator {
	t.Helper()
	if _, err := LoadSpec(); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return specVal
}

// validate fails t unless the response is one openapi.yaml documents for
// this operation and status, with a body matching its schema.
func (s *specValidator) validate(t testing.TB, req *http.Request, reqBody []byte, res *Response) {
	t.Helper()
	// Match against the spec's server URL: the test server's address varies.
	u := *req.URL
	server, _ := url.Parse(s.doc.Servers[0].URL)
	u.Scheme, u.Host = server.Scheme, server.Host
	matchReq := req.Clone(context.Background())
	matchReq.URL = &u
	matchReq.Host = u.Host
	if reqBody != nil {
		matchReq.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, pathParams, err := s.router.FindRoute(matchReq)
	if err != nil {
		t.Fatalf("openapi.yaml has no operation for %s %s: %v", req.Method, req.URL.Path, err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    matchReq,
			PathParams: pathParams,
			Route:      route,
			Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.Status,
		Header: res.Header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, // an undocumented status is a failure
			MultiError:            true,
		},
	}
	input.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Fatalf("%s %s answered %d, which does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, res.Status, err, truncate(res.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
