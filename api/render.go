package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

const jsonContentType = "application/json; charset=utf-8"

// respond writes v as the JSON body of a status response. It encodes before
// writing anything: gin's c.JSON sets the status first, so a value that
// cannot be encoded (a time after year 9999, say) went out as that status
// with an empty body. Here it becomes a logged 500 problem instead, so every
// handler answers through respond, never c.JSON.
func respond(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		fail(c, fmt.Errorf("encode %d response: %w", status, err))
		return
	}
	c.Data(status, jsonContentType, body)
}

// problemRender writes a Problem as application/problem+json (gin's JSON
// renderer would overwrite the content type).
type problemRender struct{ p Problem }

func (r problemRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return json.NewEncoder(w).Encode(r.p)
}

func (r problemRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", problemContentType)
}
