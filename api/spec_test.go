package api_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestSpecDescribesEveryRoute keeps openapi.yaml and the router in step:
// every route the router serves is documented, and every documented
// operation is served.
func TestSpecDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	doc, err := testenv.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	engine, ok := env.App.Router.(*gin.Engine)
	if !ok {
		t.Fatalf("router is %T, want *gin.Engine", env.App.Router)
	}

	param := regexp.MustCompile(`:([a-zA-Z_]+)`)
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		switch {
		case r.Path == "/docs" || strings.HasPrefix(r.Path, "/docs/*"):
			served[r.Method+" /docs"] = true // the docs page and its assets
			continue
		case strings.Contains(r.Handler, "/internal/web/"):
			continue // HTML pages (account pages, console), not the API
		}
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes served but not in openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.yaml that the router does not serve:\n  %s", strings.Join(extra, "\n  "))
	}
}

// TestSpecHouseRules is the project's lint on top of the OpenAPI validator:
// what a reader of the reference page needs on every operation.
func TestSpecHouseRules(t *testing.T) {
	t.Parallel()
	doc, err := testenv.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %q also used by %s", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			if op.Summary == "" {
				t.Errorf("%s: no summary", where)
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", where)
			}
			secured := op.Security == nil || len(*op.Security) > 0
			if secured && op.Responses.Status(401) == nil {
				t.Errorf("%s: needs a bearer token but does not document 401", where)
			}
			success := false
			for code := range op.Responses.Map() {
				if strings.HasPrefix(code, "2") || strings.HasPrefix(code, "3") {
					success = true
				}
			}
			if !success {
				t.Errorf("%s: no success response", where)
			}
			if op.RequestBody != nil && op.Responses.Status(422) == nil && op.Responses.Status(400) == nil {
				t.Errorf("%s: takes a body but documents neither 400 nor 422", where)
			}
		}
	}
}
