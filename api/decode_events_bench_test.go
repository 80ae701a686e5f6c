package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// BenchmarkDecodeEvents measures decoding one 500-event body of POST
// /v1/events, one event in ten with properties.
//
//	go test -run '^$' -bench BenchmarkDecodeEvents -benchmem ./api/
func BenchmarkDecodeEvents(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	body := eventsBody(500)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		c, _ := gin.CreateTestContext(nil)
		c.Request = httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
		events, err := decodeEvents(c)
		if err != nil || len(events) != 500 {
			b.Fatalf("%d events, %v", len(events), err)
		}
	}
}

// eventsBody is a body of n events as bench/onboarding sends them.
func eventsBody(n int) []byte {
	names := []string{"app_opened", "page_viewed", "session_booked", "session_booked", "app_opened"}
	now := time.Now().UTC()
	events := make([]map[string]any, n)
	for k := range events {
		events[k] = map[string]any{"id": uuid.NewString(), "name": names[k%len(names)],
			"timestamp": now.Add(-time.Duration(k) * time.Second).Format(time.RFC3339Nano)}
		if k%10 == 0 {
			events[k]["properties"] = map[string]any{"page": fmt.Sprintf("/p/%d", k), "plan": "pro"}
		}
	}
	body, _ := json.Marshal(map[string]any{"events": events})
	return body
}
