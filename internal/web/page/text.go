package page

import (
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/mail"
)

// Catalog is a set of texts by key, each in English and French. A key a
// template asks for and the catalog lacks shows as [[key]], which the
// pages' tests look for in both languages.
type Catalog map[string]Text

// Text is one text in both languages.
type Text struct{ EN, FR string }

// In is the text in locale.
func (t Text) In(locale mail.Locale) string {
	if locale == mail.French {
		return t.FR
	}
	return t.EN
}

// Templates are one package's pages, each inside the shared layout.
type Templates struct {
	site  *Site
	text  Catalog
	pages map[string]*template.Template
}

// Templates parses files' *.html pages (each defines "title" and
// "content") into the layout, with files' *.tmpl partials in each; texts
// are their catalog, in parts (a package keeps one per area), merged with
// the layout's own. A key defined twice, by two parts or by a part and
// the layout, is refused: one of the texts would be lost without a word.
func (s *Site) Templates(files fs.FS, texts ...Catalog) (*Templates, error) {
	merged := maps.Clone(layoutText)
	for _, part := range texts {
		for k, v := range part {
			if _, dup := merged[k]; dup {
				if _, layout := layoutText[k]; layout {
					return nil, fmt.Errorf("page text %q is the layout's", k)
				}
				return nil, fmt.Errorf("page text %q is defined twice", k)
			}
			merged[k] = v
		}
	}
	pages, err := parse(files, template.FuncMap{"asset": s.assets.url})
	if err != nil {
		return nil, err
	}
	return &Templates{site: s, text: merged, pages: pages}, nil
}

// View is what a page's template sees: .T "key" for a text in the
// visitor's language, .Lang, .CSRF for forms, .Data for the page's own.
type View struct {
	Lang mail.Locale
	CSRF string
	Data any
	// Switch is this page's address in the other language.
	Switch     string
	SwitchLang mail.Locale
	text       Catalog
}

// T is the text for key in the page's language.
func (v View) T(key string) string {
	t, ok := v.text[key]
	if !ok {
		return "[[" + key + "]]"
	}
	return t.In(v.Lang)
}

// Tf is the text for key with args put in its verbs (fmt).
func (v View) Tf(key string, args ...any) string { return fmt.Sprintf(v.T(key), args...) }

// CSRFField is the name of the forms' hidden token field.
func (View) CSRFField() string { return CSRFField }

// Text is key's text in the visitor's language, for messages built in Go
// (a field's error); a missing key shows as [[key]], as in a template.
func (t *Templates) Text(c *gin.Context, key string) string {
	return View{Lang: Language(c), text: t.text}.T(key)
}

// Has reports whether the catalog has key.
func (t *Templates) Has(key string) bool {
	_, ok := t.text[key]
	return ok
}

// Render answers the page name with data, in the visitor's language.
func (t *Templates) Render(c *gin.Context, status int, name string, data any) {
	page, ok := t.pages[name]
	if !ok {
		_ = c.Error(fmt.Errorf("no page %q", name))
		statusText(c, http.StatusInternalServerError)
		return
	}
	lang := Language(c)
	other := mail.French
	if lang == mail.French {
		other = mail.English
	}
	view := View{Lang: lang, CSRF: CSRFToken(c), Data: data, Switch: withLang(c.Request.URL, other), SwitchLang: other, text: t.text}
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := page.ExecuteTemplate(c.Writer, "layout.html", view); err != nil {
		_ = c.Error(fmt.Errorf("render %s: %w", name, err))
	}
}

// withLang is u with lang=locale, its other parameters (a token) kept.
func withLang(u *url.URL, locale mail.Locale) string {
	q := u.Query()
	q.Set("lang", string(locale))
	return u.Path + "?" + q.Encode()
}
