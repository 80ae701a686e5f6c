package account

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/jobs"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// tableRecorder records events in a table through the caller's transaction
// (the type says it is one), so a test sees exactly the events whose change
// committed.
type tableRecorder struct{ t *testing.T }

func (r tableRecorder) Record(ctx context.Context, tx *database.Tx, e serverevent.Event) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO test_events (organization_id, name, user_id, properties) VALUES (?, ?, ?, ?)`,
		e.OrganizationID, e.Name, e.UserID, toJSON(e.Properties)).Error
}

// seatPolicyFunc adapts a function to SeatPolicy.
type seatPolicyFunc func(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error

func (f seatPolicyFunc) CheckSeat(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
	return f(ctx, tx, orgID)
}

func newTestService(t *testing.T, seats SeatPolicy) (*Service, *database.DB) {
	t.Helper()
	db := dbtest.New(t)
	if err := db.Gorm.Exec(`CREATE TABLE test_events (organization_id uuid, name text, user_id uuid, properties jsonb)`).Error; err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	outbox := jobs.NewMailer(queue)
	key, _ := auth.GenerateKey()
	public, _ := url.Parse("https://onramp.test")
	return NewService(Config{
		DB: db, Signer: auth.NewSigner("https://onramp.test", key), Mailer: outbox, PasswordResets: jobs.NewPasswordResets(queue), Seats: seats,
		Events: tableRecorder{t}, PublicURL: public,
	}), db
}

func events(t *testing.T, db *database.DB, orgID uuid.UUID) map[string]int {
	t.Helper()
	out := map[string]int{}
	rows, err := db.Pool.Query(context.Background(), `SELECT name FROM test_events WHERE organization_id = $1`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		_ = rows.Scan(&name)
		out[name]++
	}
	return out
}

func TestServerEventsAreRecordedWithTheirChange(t *testing.T) {
	t.Parallel()
	svc, db := newTestService(t, nil)
	ctx := context.Background()
	s, err := svc.Signup(ctx, SignupInput{CompanyName: "Acme", Email: "ada@acme.test", Password: "correct horse battery", FullName: "Ada",
		UTMSource: "newsletter", UTMCampaign: "spring", ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := s.Organization.ID
	var props string
	if err := db.Pool.QueryRow(ctx, `SELECT properties::text FROM test_events WHERE name = 'organization_signed_up'`).Scan(&props); err != nil {
		t.Fatal(err)
	}
	if props != `{"utm_source": "newsletter", "utm_campaign": "spring"}` {
		t.Fatalf("signup properties %s", props)
	}

	// A failed signup (the email is taken) records nothing.
	if _, err := svc.Signup(ctx, SignupInput{CompanyName: "Dup", Email: "ada@acme.test", Password: "correct horse battery", FullName: "Ada"}); !apperr.HasReason(err, "email_taken") {
		t.Fatalf("duplicate signup: %v", err)
	}

	// Verified first: inviting needs it.
	verify, _ := newSecret()
	if err := db.Gorm.Create(&EmailToken{ID: uuid.Must(uuid.NewV7()), UserID: s.User.ID, Purpose: PurposeVerifyEmail,
		TokenHash: hashSecret(verify), ExpiresAt: svc.now().Add(VerifyEmailTTL), CreatedAt: svc.now()}).Error; err != nil {
		t.Fatal(err)
	}
	if err := svc.VerifyEmail(ctx, verify); err != nil {
		t.Fatal(err)
	}
	if err := svc.VerifyEmail(ctx, verify); !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("second use: %v", err)
	}

	owner := auth.Principal{UserID: s.User.ID, OrgID: orgID, Role: RoleOwner}
	inv, err := svc.Invite(ctx, owner, InviteInput{Email: "bob@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	// The invitation token only exists in the queued email; make a known one.
	token, hash := newSecret()
	if err := db.Gorm.Model(&Invitation{}).Where("id = ?", inv.ID).Update("token_hash", hash).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptInvitation(ctx, AcceptInput{Token: token, FullName: "Bob", Password: "another long password"}); err != nil {
		t.Fatal(err)
	}

	got := events(t, db, orgID)
	want := map[string]int{serverevent.OrganizationSignedUp: 1, serverevent.MemberInvited: 1, serverevent.MemberJoined: 1, serverevent.EmailVerified: 1}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}

func TestInvitationAsksTheSeatPolicyWithTheOrganizationLocked(t *testing.T) {
	t.Parallel()
	var svc *Service
	var db *database.DB
	calls := 0
	svc, db = newTestService(t, seatPolicyFunc(func(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
		calls++
		// From another connection, the organization row cannot be locked.
		_, err := db.Pool.Exec(ctx, `SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE NOWAIT`, orgID)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
			t.Errorf("organization row not locked during the seat check: %v", err)
		}
		if calls > 1 {
			return apperr.Conflict("seats_exhausted", "every seat is taken")
		}
		return nil
	}))
	ctx := context.Background()
	s, err := svc.Signup(ctx, SignupInput{CompanyName: "Acme", Email: "ada@acme.test", Password: "correct horse battery", FullName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Model(&User{}).Where("id = ?", s.User.ID).Update("email_verified_at", svc.now()).Error; err != nil {
		t.Fatal(err)
	}
	owner := auth.Principal{UserID: s.User.ID, OrgID: s.Organization.ID, Role: RoleOwner}
	if _, err := svc.Invite(ctx, owner, InviteInput{Email: "bob@acme.test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Invite(ctx, owner, InviteInput{Email: "carol@acme.test"}); !apperr.HasReason(err, "seats_exhausted") {
		t.Fatalf("second invitation: %v", err)
	}
	var invitations, jobs int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM invitations WHERE email = 'carol@acme.test'),
		(SELECT count(*) FROM river_job WHERE args->'message'->>'to' = 'carol@acme.test')`).Scan(&invitations, &jobs); err != nil {
		t.Fatal(err)
	}
	if invitations != 0 || jobs != 0 || events(t, db, s.Organization.ID)[serverevent.MemberInvited] != 1 {
		t.Fatalf("a refused invitation left %d invitations, %d emails, or an event", invitations, jobs)
	}
	used, err := SeatsUsed(ctx, db, s.Organization.ID)
	if err != nil || used != 2 {
		t.Fatalf("seats used %d, %v; want the owner and bob's invitation", used, err)
	}
}

func toJSON(m map[string]any) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestPruneDeletesOnlyWhatNoLongerMatters(t *testing.T) {
	t.Parallel()
	svc, db := newTestService(t, nil)
	ctx := context.Background()
	s, err := svc.Signup(ctx, SignupInput{CompanyName: "Acme", Email: "ada@acme.test", Password: "correct horse battery", FullName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO rate_limit_hits (bucket, occurred_at) VALUES ('login:old@acme.test', now() - interval '25 hours'), ('login:new@acme.test', now())`)
	exec(`UPDATE refresh_tokens SET expires_at = now() - interval '2 days' WHERE user_id = $1`, s.User.ID)
	p, err := svc.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.RateLimitHits != 1 || p.RefreshTokens != 1 || p.EmailTokens != 0 {
		t.Fatalf("pruned %+v", p)
	}
	var hits int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM rate_limit_hits WHERE bucket = 'login:new@acme.test'`).Scan(&hits); err != nil || hits != 1 {
		t.Fatalf("recent hit pruned: %d, %v", hits, err)
	}
}
