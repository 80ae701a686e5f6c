package demo

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// story is the demo's agenda: what happens, when. Things happen one after
// another in time order, whichever company they belong to, with the
// services' clock set to each one's time; a happening may plan later
// ones (an invitation, its acceptance). Nothing is planned past the
// present.
type story struct {
	sv      *services
	rnd     *rand.Rand
	now     time.Time
	agenda  agenda
	seq     int
	summary Summary
}

func newStory(sv *services, now time.Time) *story {
	// A fixed seed: every run tells the same story, so a bug in it is
	// found again.
	return &story{sv: sv, rnd: rand.New(rand.NewPCG(14, 2026)), now: now}
}

// at plans do at t, unless t is past the present.
func (s *story) at(t time.Time, what string, do func(ctx context.Context) error) {
	if t.After(s.now) {
		return
	}
	s.seq++
	heap.Push(&s.agenda, happening{at: t.Truncate(time.Second), seq: s.seq, what: what, do: do})
}

func (s *story) run(ctx context.Context) error {
	for s.agenda.Len() > 0 {
		h := heap.Pop(&s.agenda).(happening)
		s.sv.clock.set(h.at)
		if err := h.do(ctx); err != nil {
			return fmt.Errorf("demo: %s at %s: %w", h.what, h.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

// chance is true with probability p.
func (s *story) chance(p float64) bool { return s.rnd.Float64() < p }

// between is a random duration in [lo, hi).
func (s *story) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.rnd.Int64N(int64(hi-lo)))
}

type happening struct {
	at   time.Time
	seq  int
	what string
	do   func(ctx context.Context) error
}

// agenda is a heap of happenings, earliest first (then in planning order).
type agenda []happening

func (a agenda) Len() int { return len(a) }
func (a agenda) Less(i, j int) bool {
	if !a[i].at.Equal(a[j].at) {
		return a[i].at.Before(a[j].at)
	}
	return a[i].seq < a[j].seq
}
func (a agenda) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *agenda) Push(x any)   { *a = append(*a, x.(happening)) }
func (a *agenda) Pop() (h any) { old := *a; h, *a = old[len(old)-1], old[:len(old)-1]; return h }

// person is someone of the story.
type person struct {
	name, email string
}

// companyNames are the demo's customers, made up.
var companyNames = []string{
	"Northwind Logistics", "Blue Heron Studio", "Caldera Robotics", "Maison Lumière", "Pine and Parcel",
	"Quarry Analytics", "Ribbon Health Labs", "Saltmarsh Foods", "Tidewater Legal", "Umber Architects",
	"Vellum Press", "Wildflower Nurseries", "Atelier Brise", "Beacon Freight", "Cobalt Insurance",
	"Driftwood Games", "Ember Coffee Roasters", "Fjord Software", "Granite Civil Works", "Harbor Dental Group",
	"Iris Optics", "Juniper Learning", "Kestrel Aviation", "Lantern Media", "Meridian Clinics",
	"Nimbus Cloud Services", "Orchard Payroll", "Paloma Travel", "Quill and Ink", "Rivage Hotels",
	"Solstice Energy", "Tessera Mosaics", "Upland Outfitters", "Verdant Farms", "Willow Care Homes",
	"Zephyr Mobility",
}

var firstNames = []string{
	"Ada", "Bruno", "Chloé", "Dmitri", "Elena", "Farid", "Gaëlle", "Hugo", "Inès", "Jonas", "Karima", "Léo",
	"Maya", "Nils", "Olivia", "Paul", "Rosa", "Samir", "Tess", "Ugo", "Valérie", "Wen", "Yanis", "Zoé",
}

var utmSources = []string{"google", "linkedin", "newsletter", "", "partner", "google", ""}

// cast is the demo companies and their owners; the first owner's email
// tells whether the demo data is there.
func cast() []*company {
	out := make([]*company, len(companyNames))
	for i, name := range companyNames {
		domain := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, " and ", "-"), " ", "-")) + ".example"
		first := firstNames[i%len(firstNames)]
		out[i] = &company{name: name, domain: domain, utmSource: utmSources[i%len(utmSources)],
			owner: person{name: first + " " + strings.Split(name, " ")[0], email: plain(first) + "@" + domain}}
	}
	return out
}

// plain is a first name as the local part of an address: lower case,
// without accents.
func plain(first string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ï", "i").Replace(strings.ToLower(first))
}
