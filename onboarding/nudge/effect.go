package nudge

import (
	"context"
	"math"
	"time"

	"github.com/onramp/onramp/internal/apperr"
)

// Effect is what a rule did over a period, against its holdout: of the
// people whose first reminder (or would-be reminder, for those held out)
// fell in [From, To), how many reached the trigger's goal within 7 days of
// it.
type Effect struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Eligible int       `json:"eligible"`
	Sent     int       `json:"sent"`
	HeldOut  int       `json:"held_out"`
	// Converted counts are null when they describe fewer than
	// MinGroupSize people, or leave fewer than that on the other side: a
	// small count would tell who did what.
	ConvertedSent     *int     `json:"converted_sent"`
	ConvertedHeldOut  *int     `json:"converted_held_out"`
	ConversionSent    *float64 `json:"conversion_sent"`
	ConversionHeldOut *float64 `json:"conversion_held_out"`
	// Uplift is ConversionSent - ConversionHeldOut, null unless both are
	// known.
	Uplift       *float64 `json:"uplift"`
	MinGroupSize int      `json:"min_group_size"`
}

// conversionWindow is how soon after a reminder reaching the goal counts
// as the reminder's conversion.
const conversionWindow = 7 * 24 * time.Hour

// Effect measures rule key over [from, to), widened to whole UTC days:
// two ranges a few minutes apart would otherwise differ by one sweep's
// people, and their difference would tell what one person did.
func (s *Service) Effect(ctx context.Context, key string, from, to time.Time) (Effect, error) {
	from = from.UTC().Truncate(24 * time.Hour)
	if t := to.UTC().Truncate(24 * time.Hour); t.Before(to) {
		to = t.Add(24 * time.Hour)
	}
	if !from.Before(to) {
		return Effect{}, apperr.InvalidField("to", "must be after from")
	}
	r, err := s.Rule(ctx, key)
	if err != nil {
		return Effect{}, err
	}
	c, err := s.store.effectCounts(ctx, s.db.SQL(), r, from, to)
	if err != nil {
		return Effect{}, wrap("nudge effect", err)
	}
	e := Effect{From: from.UTC(), To: to.UTC(), Eligible: c.sent + c.heldOut, Sent: c.sent, HeldOut: c.heldOut,
		MinGroupSize: s.minGroupSize}
	e.ConvertedSent, e.ConversionSent = s.share(c.convertedSent, c.sent)
	e.ConvertedHeldOut, e.ConversionHeldOut = s.share(c.convertedHeldOut, c.heldOut)
	if e.ConversionSent != nil && e.ConversionHeldOut != nil {
		e.Uplift = ratio(*e.ConversionSent - *e.ConversionHeldOut)
	}
	return e, nil
}

// share is converted out of group, and its ratio, both null when either
// side of the split is a group smaller than the floor (an empty group has
// no ratio, but shows its zero).
func (s *Service) share(converted, group int) (*int, *float64) {
	if group == 0 {
		return &converted, nil
	}
	if (converted > 0 && converted < s.minGroupSize) || (group-converted > 0 && group-converted < s.minGroupSize) {
		return nil, nil
	}
	return &converted, ratio(float64(converted) / float64(group))
}

// ratio rounds to four decimals, as the other metrics do.
func ratio(x float64) *float64 {
	r := math.Round(x*10000) / 10000
	return &r
}

type effectCounts struct{ sent, heldOut, convertedSent, convertedHeldOut int }
