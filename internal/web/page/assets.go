package page

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"
)

// assets are the embedded stylesheet and scripts, each served with an
// ETag; a URL made by url carries the content's hash, so it may be cached
// for a year and a new binary's asset is a new URL.
type assets struct {
	files map[string][]byte
	hash  map[string]string
}

func newAssets(static fs.FS) *assets {
	a := &assets{files: map[string][]byte{}, hash: map[string]string{}}
	_ = fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.files[name], a.hash[name] = b, hex.EncodeToString(sum[:8])
		return nil
	})
	return a
}

// url is an asset's versioned address, for templates ({{asset "x.css"}}).
func (a *assets) url(name string) string {
	return "/assets/" + name + "?v=" + a.hash[name]
}

func (a *assets) serve(c *gin.Context) {
	name := c.Param("name")
	body, ok := a.files[name]
	if !ok {
		c.Status(http.StatusNotFound)
		return
	}
	etag := `"` + a.hash[name] + `"`
	c.Header("ETag", etag)
	if c.Query("v") == a.hash[name] {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, mime.TypeByExtension(path.Ext(name)), body)
}
