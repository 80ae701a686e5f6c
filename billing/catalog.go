// Package billing sells seats through Stripe: the plan catalog, Checkout
// and portal sessions, the subscription and its seats, entitlements, and
// the webhook that keeps all of it in step with what Stripe says.
package billing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Plan is one offer of the catalog. StripePriceID never leaves the server.
type Plan struct {
	ID            string   `yaml:"id" json:"id"`
	Name          string   `yaml:"name" json:"name"`
	Description   string   `yaml:"description" json:"description"`
	StripePriceID string   `yaml:"stripe_price_id" json:"-"`
	Interval      string   `yaml:"interval" json:"interval"`
	UnitAmount    int64    `yaml:"unit_amount" json:"unit_amount"`
	Currency      string   `yaml:"currency" json:"currency"`
	TrialDays     int      `yaml:"trial_days" json:"trial_days"`
	MinSeats      int      `yaml:"min_seats" json:"min_seats"`
	MaxSeats      int      `yaml:"max_seats" json:"max_seats"`
	Features      []string `yaml:"features" json:"features"`
	// CardRequired is false for a plan whose trial starts without a
	// payment method (card_required: false, only with a trial): Checkout
	// then asks for none, and a subscription still without one when the
	// trial ends is paused rather than charged. Unset in the file: true.
	CardRequired bool  `yaml:"-" json:"card_required"`
	CardSetting  *bool `yaml:"card_required,omitempty" json:"-"`
}

// Catalog is the plans loaded from PLANS_FILE, in file order.
type Catalog struct {
	plans   []Plan
	byID    map[string]*Plan
	byPrice map[string]*Plan
}

var (
	planIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	currencyPattern = regexp.MustCompile(`^[a-z]{3}$`)
)

// maxTrialDays is the longest trial Stripe Checkout accepts.
const maxTrialDays = 730

// LoadCatalog reads and validates the catalog file at path.
func LoadCatalog(path string) (*Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("PLANS_FILE: %w", err)
	}
	c, err := ParseCatalog(b, true)
	if err != nil {
		return nil, fmt.Errorf("PLANS_FILE %s: %w", path, err)
	}
	return c, nil
}

// ParseCatalog parses a catalog. needPrices is false only for `onramp
// stripe setup`, which fills the price ids in.
func ParseCatalog(b []byte, needPrices bool) (*Catalog, error) {
	var file struct {
		Plans []Plan `yaml:"plans"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key is an error, not a silently missing setting
	if err := dec.Decode(&file); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty; it must hold a `plans:` list")
		}
		return nil, fmt.Errorf("not a valid catalog: %w", err)
	}
	if len(file.Plans) == 0 {
		return nil, errors.New("no plans: the file must hold a non-empty `plans:` list")
	}
	c := &Catalog{byID: map[string]*Plan{}, byPrice: map[string]*Plan{}}
	var problems []string
	c.plans = file.Plans
	for i := range c.plans {
		p := &c.plans[i]
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("plan %d (%q): ", i+1, p.ID)+fmt.Sprintf(format, args...))
		}
		if !planIDPattern.MatchString(p.ID) {
			bad("id must be 1-63 lower-case letters, digits, '-' or '_'")
		} else if c.byID[p.ID] != nil {
			bad("id is used by another plan")
		} else {
			c.byID[p.ID] = p
		}
		if p.Name == "" {
			bad("name is required")
		}
		switch {
		case p.StripePriceID == "" && needPrices:
			bad("stripe_price_id is required (run `onramp stripe setup` to create the prices)")
		case p.StripePriceID != "" && c.byPrice[p.StripePriceID] != nil:
			bad("stripe_price_id is used by another plan")
		case p.StripePriceID != "":
			c.byPrice[p.StripePriceID] = p
		}
		if p.Interval != "month" && p.Interval != "year" {
			bad("interval must be month or year, got %q", p.Interval)
		}
		if p.UnitAmount < 0 {
			bad("unit_amount must be zero or more (minor units)")
		}
		if !currencyPattern.MatchString(p.Currency) {
			bad("currency must be a lower-case ISO 4217 code such as eur, got %q", p.Currency)
		}
		if p.TrialDays < 0 || p.TrialDays > maxTrialDays {
			bad("trial_days must be from 0 to %d", maxTrialDays)
		}
		if p.MinSeats < 1 {
			bad("min_seats must be at least 1")
		}
		if p.MaxSeats < p.MinSeats {
			bad("max_seats must be at least min_seats")
		}
		p.CardRequired = p.CardSetting == nil || *p.CardSetting
		if !p.CardRequired && p.TrialDays == 0 {
			bad("card_required: false needs trial_days above 0 (without a trial the first invoice is due at once)")
		}
		if p.Features == nil {
			p.Features = []string{}
		}
		for _, f := range p.Features {
			if f == "" {
				bad("features must not hold an empty name")
			}
		}
	}
	if len(problems) > 0 {
		return nil, &CatalogError{Problems: problems}
	}
	return c, nil
}

// CatalogError lists every problem of a catalog file at once.
type CatalogError struct{ Problems []string }

func (e *CatalogError) Error() string {
	msg := "invalid plan catalog:"
	for _, p := range e.Problems {
		msg += "\n  - " + p
	}
	return msg
}

// Plans are the catalog's plans in file order (a copy).
func (c *Catalog) Plans() []Plan {
	out := make([]Plan, len(c.plans))
	copy(out, c.plans)
	return out
}

// Plan is the plan with this public id.
func (c *Catalog) Plan(id string) (Plan, bool) {
	p, ok := c.byID[id]
	if !ok {
		return Plan{}, false
	}
	return *p, true
}

// ByPrice is the plan sold at this Stripe price.
func (c *Catalog) ByPrice(priceID string) (Plan, bool) {
	p, ok := c.byPrice[priceID]
	if !ok {
		return Plan{}, false
	}
	return *p, true
}

// Marshal writes the catalog in the PLANS_FILE format.
func (c *Catalog) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(struct {
		Plans []Plan `yaml:"plans"`
	}{c.plans}); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// SetPrice records the Stripe price of a plan (used by `onramp stripe setup`).
func (c *Catalog) SetPrice(planID, priceID string) {
	p := c.byID[planID]
	if old := p.StripePriceID; old != "" {
		delete(c.byPrice, old)
	}
	p.StripePriceID = priceID
	c.byPrice[priceID] = p
}
