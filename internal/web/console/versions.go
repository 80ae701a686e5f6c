package console

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// The versions screen: two published versions side by side, with the
// steps one added, removed and changed against the other.

type versionsPage struct {
	frame
	Numbers []int // every published version, newest first
	A, B    *onboarding.Version
	Diff    []stepChange
}

// stepChange is one step that differs between versions A and B.
type stepChange struct {
	Key  string
	Kind string // added, removed, changed, moved
}

func (c *console) versions(ctx *gin.Context) {
	page := versionsPage{frame: frame{Nav: "versions"}}
	latest, err := c.latestVersion(ctx)
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	if latest == nil {
		c.render(ctx, http.StatusOK, "versions.html", page)
		return
	}
	for n := latest.Version; n >= 1; n-- {
		page.Numbers = append(page.Numbers, n)
	}
	a := pickVersion(ctx.Query("a"), latest.Version-1, latest.Version)
	b := pickVersion(ctx.Query("b"), latest.Version, latest.Version)
	// The latest is already loaded, and is B unless asked otherwise.
	load := func(n int) (*onboarding.Version, error) {
		if n == latest.Version {
			return latest, nil
		}
		return c.version(ctx, n)
	}
	if page.A, err = load(a); err == nil {
		page.B, err = load(b)
	}
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	page.Diff, err = diffSteps(page.A, page.B)
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "versions.html", page)
}

// pickVersion is the version number asked for, else def (at least 1),
// within the published ones.
func pickVersion(asked string, def, latest int) int {
	n, err := strconv.Atoi(asked)
	if err != nil || n < 1 || n > latest {
		n = def
	}
	return max(n, 1)
}

// version loads published version n: the versions list's cursor is the
// number below which it goes on.
func (c *console) version(ctx *gin.Context, n int) (*onboarding.Version, error) {
	vs, _, err := c.Onboarding.Versions(ctx.Request.Context(), 1, strconv.Itoa(n+1))
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	return vs[0], nil
}

// diffSteps lists, in B's order then A's, the steps B added, removed,
// changed (any field but the position) or only moved.
func diffSteps(a, b *onboarding.Version) ([]stepChange, error) {
	before := map[string]onboarding.Step{}
	for _, s := range a.Steps {
		before[s.Key] = s
	}
	var out []stepChange
	seen := map[string]bool{}
	for _, s := range b.Steps {
		seen[s.Key] = true
		old, ok := before[s.Key]
		if !ok {
			out = append(out, stepChange{s.Key, "added"})
			continue
		}
		same, err := sameStep(old, s)
		if err != nil {
			return nil, err
		}
		switch {
		case !same:
			out = append(out, stepChange{s.Key, "changed"})
		case old.Position != s.Position:
			out = append(out, stepChange{s.Key, "moved"})
		}
	}
	for _, s := range a.Steps {
		if !seen[s.Key] {
			out = append(out, stepChange{s.Key, "removed"})
		}
	}
	return out, nil
}

// sameStep compares two steps, every field but their position, by JSON
// (as the service compares versions).
func sameStep(a, b onboarding.Step) (bool, error) {
	a.Position, b.Position = 0, 0
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	return string(ja) == string(jb), err
}
