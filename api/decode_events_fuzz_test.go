package api

import (
	"bytes"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// FuzzParseEventsAgreesWithEncodingJSON: whatever a client sends to POST
// /v1/events, decodeEvents gives the events, or the problem, that
// encoding/json's path (decodeJSON) gives.
func FuzzParseEventsAgreesWithEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		string(eventsBody(3)), `{"events":[]}`, `{"events":[]} `, `{"events":[]}x`, `{"events":[]}{}`, `{"events":[{}]}`,
		` { "events" : [ { "id" : "x" , "properties" : { } } , {"name":"a"} ] } `,
		`{"events":[{"id":"a","id":"b"}]}`, `{"events":[{"ID":"x"}]}`, `{"Events":[]}`, `{"events":[{"other":1}]}`,
		`{"events":[{"id":null}]}`, `{"events":null}`, `{"events":[null]}`, `{"events":[{"id":1}]}`, `{"events":{}}`,
		`{"events":[{"name":"a\"b"}]}`, `{"events":[{"name":"caf\u00e9"}]}`, "{\"events\":[{\"name\":\"caf\xc3\xa9\"}]}",
		`{"events":[{"properties":{"a":"\u0000"}}]}`, `{"events":[{"properties":"\ud800"}]}`, `{"events":[{"properties":"\ud83d\ude00"}]}`,
		"{\"events\":[{\"properties\":{\"k\":\"\xff\"}}]}", `{"events":[{"properties":[1,2,{"x":"}]"}]}]}`,
		`{"events":[{"properties":1e5}]}`, `{"events":[{"properties":-}]}`, `{"events":[{"properties":tru}]}`,
		`{"events":[{"properties":null}]}`, `{"events":[{"properties":{"a":1}}],"x":1}`, `{"events":[{"properties":{"a":[}}]}`,
		`{"events":[{"properties":{"a":"\\"}}]}`, `{"events":[{"properties":{]}]}`, `{"events":[{"properties": {"a" :1} }]}`,
		`{"events":[{"timestamp":"2026-01-01T00:00:00Z","properties":"x"}]`,
		`{"events":[{"id":"x","organization_id":"o","user_id":"u"}]}`, `{"events":[{"user_id":"u","user_id":"v"}]}`, `{"events":[`, ``, `  `, `[]`, `null`,
	} {
		f.Add([]byte(seed))
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
		got, gotErr := decodeEvents(c)

		var req eventsRequest
		wantErr := decodeBody(body, &req)
		var want []onboarding.ClientEvent
		if wantErr == nil {
			want = make([]onboarding.ClientEvent, len(req.Events))
			for i, e := range req.Events {
				want[i] = onboarding.ClientEvent{ID: e.ID, Name: e.Name, Timestamp: e.Timestamp, Properties: e.Properties,
					OrganizationID: e.OrganizationID, UserID: e.UserID}
			}
		} else {
			got = nil
		}
		if !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("%q: error %#v, encoding/json says %#v", body, gotErr, wantErr)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d events, encoding/json reads %d", body, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.Name != w.Name || g.Timestamp != w.Timestamp || g.OrganizationID != w.OrganizationID || g.UserID != w.UserID || !bytes.Equal(g.Properties, w.Properties) || (g.Properties == nil) != (w.Properties == nil) {
				t.Fatalf("%q: event %d is %+v, encoding/json reads %+v", body, i, g, w)
			}
		}
	})
}

// The usual body takes the byte loop, not encoding/json; properties with
// an escape are also checked for text PostgreSQL cannot store.
func TestParseEventsReadsTheUsualBody(t *testing.T) {
	t.Parallel()
	for body, escaped := range map[string]bool{
		string(eventsBody(3)): false,
		` { "events" : [ { "id" : "x" , "properties" : { "a" : [ 1 , "}" ] } } ] } `: false,
		`{"events":[{"properties":{"a":"\u00e9"}}]}`:                                 true,
		`{"events":[{"properties":{"a":"é"}}]}`:                                      true,
	} {
		if events, esc, ok := parseEvents([]byte(body)); !ok || esc != escaped || len(events) == 0 {
			t.Errorf("%s: ok %v, escaped %v, %d events", body, ok, esc, len(events))
		}
	}
}
