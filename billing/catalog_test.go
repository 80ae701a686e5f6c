package billing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogLoadsTheShippedFiles(t *testing.T) {
	for _, path := range []string{"../dev/plans.yaml", "../cmd/onramp/testdata/plans.yaml"} {
		c, err := LoadCatalog(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p, ok := c.Plan("standalone-monthly")
		if !ok || p.MinSeats != 3 || p.MaxSeats != 500 || p.TrialDays != 14 || len(p.Features) != 2 {
			t.Fatalf("%s: standalone-monthly = %+v", path, p)
		}
		if byPrice, ok := c.ByPrice(p.StripePriceID); !ok || byPrice.ID != p.ID {
			t.Fatalf("%s: price lookup %v", path, byPrice)
		}
	}
}

func TestCatalogListsEveryProblem(t *testing.T) {
	bad := `plans:
  - id: Bad Id
    name: ""
    stripe_price_id: price_1
    interval: week
    unit_amount: -1
    currency: EUR
    trial_days: 9999
    min_seats: 0
    max_seats: -1
  - id: ok
    name: Fine
    stripe_price_id: price_1
    interval: month
    unit_amount: 100
    currency: eur
    min_seats: 1
    max_seats: 1
  - id: ok
    name: Again
    stripe_price_id: price_2
    interval: year
    unit_amount: 100
    currency: eur
    min_seats: 1
    max_seats: 1
`
	_, err := ParseCatalog([]byte(bad), true)
	if err == nil {
		t.Fatal("a bad catalog loaded")
	}
	for _, want := range []string{
		`plan 1 ("Bad Id"): id must be`, "name is required", "interval must be month or year", "unit_amount must be zero or more",
		"currency must be", "trial_days must be from 0 to 730", "min_seats must be at least 1", "max_seats must be at least min_seats",
		`plan 2 ("ok"): stripe_price_id is used by another plan`, `plan 3 ("ok"): id is used by another plan`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestCatalogRefusesMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty":         "",
		"no plans":      "plans: []\n",
		"not yaml":      "plans: [\n",
		"unknown field": "plans:\n  - id: a\n    name: A\n    stripe_price_id: p\n    interval: month\n    currency: eur\n    min_seats: 1\n    max_seats: 2\n    seats: 4\n",
		"missing price": "plans:\n  - id: a\n    name: A\n    interval: month\n    currency: eur\n    min_seats: 1\n    max_seats: 2\n",
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCatalog(path)
		if err == nil || !strings.Contains(err.Error(), "PLANS_FILE "+path) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, err := LoadCatalog(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "PLANS_FILE") {
		t.Errorf("missing file: %v", err)
	}
	// `onramp stripe setup` reads a catalog whose prices it will create.
	if _, err := ParseCatalog([]byte("plans:\n  - id: a\n    name: A\n    interval: month\n    currency: eur\n    min_seats: 1\n    max_seats: 2\n"), false); err != nil {
		t.Errorf("catalog without prices for setup: %v", err)
	}
}

func TestCatalogRoundTrips(t *testing.T) {
	c, err := LoadCatalog("../dev/plans.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.SetPrice("standalone-monthly", "price_new")
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseCatalog(b, true)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if p, ok := again.ByPrice("price_new"); !ok || p.ID != "standalone-monthly" || len(again.Plans()) != 2 {
		t.Fatalf("round trip lost data:\n%s", b)
	}
}

// A plan may start its trial without a card, and only a plan with a trial:
// without one the first invoice is due at once.
func TestCatalogCardRequired(t *testing.T) {
	plan := func(extra string) string {
		return "plans:\n  - {id: p, name: P, stripe_price_id: price_p, interval: month, unit_amount: 100, currency: eur, min_seats: 1, max_seats: 5" + extra + "}\n"
	}
	c, err := ParseCatalog([]byte(plan(", trial_days: 14, card_required: false")), true)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Plan("p"); p.CardRequired {
		t.Fatal("card_required: false was read as true")
	}
	c, err = ParseCatalog([]byte(plan("")), true)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Plan("p"); !p.CardRequired {
		t.Fatal("a plan that says nothing must require a card")
	}
	_, err = ParseCatalog([]byte(plan(", trial_days: 0, card_required: false")), true)
	if err == nil || !strings.Contains(err.Error(), "card_required: false needs trial_days above 0") {
		t.Fatalf("card_required: false without a trial: %v", err)
	}
}
