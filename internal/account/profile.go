package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
)

// Locales the service writes in.
const (
	LocaleEN = "en"
	LocaleFR = "fr"
)

// checkOptionalLocale accepts a locale left out (nil), en or fr.
func checkOptionalLocale(v *apperr.Validator, l *string) {
	v.Check(l == nil || *l == LocaleEN || *l == LocaleFR, "locale", "must be en or fr")
}

// maxTimeZoneLen bounds a time zone name (the users.time_zone check); the
// longest IANA name is about 30 characters.
const maxTimeZoneLen = 64

// Clearable is one field of an update: left as it is unless Set, then
// cleared when Value is nil, else set to *Value.
type Clearable struct {
	Set   bool
	Value *string
}

// ProfileUpdate changes the caller's own profile. FullName cannot be
// cleared (Set with a nil Value is refused); Locale and TimeZone can,
// meaning "not said" again.
type ProfileUpdate struct {
	FullName Clearable
	Locale   Clearable
	TimeZone Clearable
}

// UpdateProfile changes the caller's name, locale and time zone, all or
// nothing, and answers who the caller is afterwards.
func (s *Service) UpdateProfile(ctx context.Context, p auth.Principal, in ProfileUpdate) (Me, error) {
	changes, err := profileChanges(in)
	if err != nil {
		return Me{}, err
	}
	if len(changes) > 0 {
		changes["updated_at"] = s.now()
		res := s.db.Gorm.WithContext(ctx).Model(&User{}).Where("id = ? AND erased_at IS NULL", p.UserID).Updates(changes)
		if res.Error != nil {
			return Me{}, fmt.Errorf("update profile: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return Me{}, apperr.NotFound("user")
		}
	}
	return s.Me(ctx, p)
}

// profileChanges validates in, reporting every bad field at once, and
// returns the columns to update.
func profileChanges(in ProfileUpdate) (map[string]any, error) {
	var v apperr.Validator
	changes := map[string]any{}
	if in.FullName.Set {
		if in.FullName.Value == nil {
			v.Check(false, "full_name", "cannot be cleared; send a name")
		} else {
			name := strings.TrimSpace(*in.FullName.Value)
			checkName(&v, "full_name", name, 200)
			changes["full_name"] = name
		}
	}
	if in.Locale.Set {
		if l := in.Locale.Value; l != nil {
			v.Check(*l == LocaleEN || *l == LocaleFR, "locale", "must be en, fr or null")
		}
		changes["locale"] = in.Locale.Value
	}
	if in.TimeZone.Set {
		if tz := in.TimeZone.Value; tz != nil {
			v.Check(validTimeZone(*tz), "time_zone", "must be an IANA time zone name such as Europe/Paris, or null")
		}
		changes["time_zone"] = in.TimeZone.Value
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return changes, nil
}

// validTimeZone accepts a name of the IANA time zone database, as Go's
// own copy of it (time/tzdata, in the binary) or the system's knows it.
// "" and "Local" load too (UTC and the server's zone) but name no zone.
func validTimeZone(name string) bool {
	if name == "" || name == "Local" || len(name) > maxTimeZoneLen {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}
