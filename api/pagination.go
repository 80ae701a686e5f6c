package api

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// Page is a list request's ?limit= and ?cursor=.
type Page struct {
	Limit  int
	Cursor string
}

// pageParams reads ?limit= (1-100, default 20) and the opaque ?cursor=.
func pageParams(c *gin.Context) (Page, error) {
	p := Page{Limit: 20, Cursor: c.Query("cursor")}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			return p, apperr.InvalidField("limit", "must be a whole number from 1 to 100")
		}
		p.Limit = n
	}
	return p, nil
}

// listBody is the shape of every list response.
type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T any](items []T, next string) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, NextCursor: next}
}
