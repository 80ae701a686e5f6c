package account

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// personalDataProbe stands in for onboarding: it records whom it was asked
// to erase and how many memberships they still had in that transaction.
type personalDataProbe struct {
	erased      []uuid.UUID
	memberships []int64
	forgotten   []uuid.UUID // organizations
}

func (p *personalDataProbe) PersonOrganizations(context.Context, *database.Tx, uuid.UUID) ([]uuid.UUID, error) {
	return nil, nil
}

func (p *personalDataProbe) ForgetOrganization(_ context.Context, _ *database.Tx, orgID uuid.UUID) error {
	p.forgotten = append(p.forgotten, orgID)
	return nil
}

func (p *personalDataProbe) ExportPerson(context.Context, *database.Tx, uuid.UUID) (any, error) {
	return nil, nil
}

func (p *personalDataProbe) ErasePerson(ctx context.Context, tx *database.Tx, userID uuid.UUID) error {
	var n int64
	if err := tx.WithContext(ctx).Model(&Membership{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
		return err
	}
	p.erased, p.memberships = append(p.erased, userID), append(p.memberships, n)
	return nil
}

// join invites email into owner's organization and accepts as a new user.
func join(t *testing.T, svc *Service, db *database.DB, owner auth.Principal, email string) Session {
	t.Helper()
	ctx := context.Background()
	inv, err := svc.Invite(ctx, owner, InviteInput{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	token, hash := newSecret()
	if err := db.Gorm.Model(&Invitation{}).Where("id = ?", inv.ID).Update("token_hash", hash).Error; err != nil {
		t.Fatal(err)
	}
	s, err := svc.AcceptInvitation(ctx, AcceptInput{Token: token, FullName: "Someone", Password: "another long password"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type recorded struct {
	Name   string
	UserID uuid.UUID
}

func recordedEvents(t *testing.T, db *database.DB, orgID uuid.UUID, names ...string) []recorded {
	t.Helper()
	var out []recorded
	if err := db.Gorm.Raw(`SELECT name, user_id FROM test_events WHERE organization_id = ? AND name IN ? ORDER BY name`, orgID, names).
		Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// A removal records member_removed naming the removed member; an erasure
// records member_left naming nobody, in each organization left (none in
// the one erased with its sole member), and hands the person to
// PersonalData once every membership is gone.
func TestRemovalAndErasureRecordWhoLeftAsTheyShould(t *testing.T) {
	t.Parallel()
	svc, db := newTestService(t, nil)
	probe := &personalDataProbe{}
	svc.personal = probe
	ctx := context.Background()
	ada, err := svc.Signup(ctx, SignupInput{CompanyName: "Acme", Email: "ada@acme.test", Password: "correct horse battery", FullName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Model(&User{}).Where("id = ?", ada.User.ID).Update("email_verified_at", svc.now()).Error; err != nil {
		t.Fatal(err)
	}
	owner := auth.Principal{UserID: ada.User.ID, OrgID: ada.Organization.ID, Role: RoleOwner}
	carol := join(t, svc, db, owner, "carol@acme.test")
	bob := join(t, svc, db, owner, "bob@acme.test")
	solo, err := svc.Signup(ctx, SignupInput{CompanyName: "Solo", Email: "solo@solo.test", Password: "correct horse battery", FullName: "Solo"})
	if err != nil {
		t.Fatal(err)
	}

	if err := svc.RemoveMember(ctx, owner, carol.User.ID); err != nil {
		t.Fatal(err)
	}
	if got := recordedEvents(t, db, ada.Organization.ID, serverevent.MemberRemoved); len(got) != 1 || got[0].UserID != carol.User.ID {
		t.Fatalf("member_removed recorded as %+v, want once with Carol's id", got)
	}

	if err := svc.EraseAccount(ctx, auth.Principal{UserID: bob.User.ID}, EraseInput{Password: "another long password", ClientIP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if got := recordedEvents(t, db, ada.Organization.ID, serverevent.MemberLeft); len(got) != 1 || got[0].UserID != uuid.Nil {
		t.Fatalf("member_left recorded as %+v, want once with no user", got)
	}
	if err := svc.EraseAccount(ctx, auth.Principal{UserID: solo.User.ID}, EraseInput{Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	if got := recordedEvents(t, db, solo.Organization.ID, serverevent.MemberLeft); len(got) != 0 {
		t.Fatalf("the erased company recorded %+v", got)
	}
	if len(probe.erased) != 2 || probe.erased[0] != bob.User.ID || probe.erased[1] != solo.User.ID ||
		probe.memberships[0] != 0 || probe.memberships[1] != 0 {
		t.Fatalf("PersonalData erased %v with %v memberships left, want Bob then Solo with none", probe.erased, probe.memberships)
	}
	if len(probe.forgotten) != 1 || probe.forgotten[0] != solo.Organization.ID {
		t.Fatalf("PersonalData forgot organizations %v, want Solo's alone", probe.forgotten)
	}

	// The last owner with other members is refused, and nothing is recorded.
	join(t, svc, db, owner, "dave@acme.test")
	err = svc.EraseAccount(ctx, owner, EraseInput{Password: "correct horse battery"})
	if !apperr.HasReason(err, "last_owner") {
		t.Fatalf("last owner: %v", err)
	}
	if len(probe.erased) != 2 || len(recordedEvents(t, db, ada.Organization.ID, serverevent.MemberLeft)) != 1 {
		t.Fatal("a refused erasure reached PersonalData or recorded an event")
	}
}
