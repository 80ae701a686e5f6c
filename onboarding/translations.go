package onboarding

import (
	"fmt"
	"slices"
	"sort"

	"github.com/onramp/onramp/internal/apperr"
)

// StepText is a step's title and description in one language.
type StepText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Translations are a step's text in other languages than its own, by
// language: {"fr": {...}}.
type Translations map[string]StepText

// translatedLanguages are the languages a step may be translated into:
// the service's languages but English, the one steps are written in.
var translatedLanguages = []string{"fr"}

// validate checks every translation as a step's own text is checked, and
// that it is in a language steps are translated into, in key order: one
// request always answers the same errors.
func (t Translations) validate(v *apperr.Validator) {
	langs := make([]string, 0, len(t))
	for lang := range t {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		field := "translations." + lang
		if !slices.Contains(translatedLanguages, lang) {
			v.Check(false, field, "is not a language steps are translated into: only fr")
			continue
		}
		text := t[lang]
		v.Check(text.Title != "" && len(text.Title) <= maxTitle, field+".title", fmt.Sprintf("must be 1 to %d characters", maxTitle))
		v.Check(len(text.Description) <= maxDescription, field+".description", fmt.Sprintf("must be at most %d characters", maxDescription))
	}
}

// textIn is the step's title and description in locale ("en", "fr"): its
// translation into it, else its own text.
func (s Step) textIn(locale string) (title, description string) {
	if t, ok := s.Translations[locale]; ok {
		return t.Title, t.Description
	}
	return s.Title, s.Description
}
