//go:build faulttest

package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/testing/mailtest"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

const (
	runFor     = 60 * time.Second
	nCompanies = 12
	// outageGrace is how long after PostgreSQL is back a request may still
	// meet a connection the restart closed (each pool drops it on its
	// first use).
	outageGrace = 3 * time.Second
)

func TestFaults(t *testing.T) {
	root := repoRoot(t)
	pg := startCluster(t, root)
	bin := filepath.Join(t.TempDir(), "onramp")
	run(t, context.Background(), os.Environ(), "go", "build", "-o", bin, filepath.Join(root, "cmd/onramp"))
	mail := mailtest.Start(t)
	stripe := stripemock.NewProxy(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	hour := time.Now().In(paris).Hour()
	env := append(os.Environ(),
		"DATABASE_URL="+pg.url, "JWT_PRIVATE_KEY="+randomSecret(t), "UNSUBSCRIBE_SECRET="+randomSecret(t),
		"STRIPE_SECRET_KEY=sk_test_fault", "STRIPE_API_BASE="+stripe.URL, "STRIPE_WEBHOOK_SECRET=whsec_fault_test",
		"SMTP_URL="+mail.URL.String(), "PLANS_FILE="+filepath.Join(root, "cmd/onramp/testdata/plans.yaml"),
		"LOG_LEVEL=warn", "SIGNUP_RATE_LIMIT=0", "NUDGE_SWEEP_INTERVAL=1m",
		// Quiet hours far from now, so that the nudges may go.
		fmt.Sprintf("NUDGE_QUIET_HOURS=%d-%d", (hour+8)%24, (hour+9)%24))
	run(t, context.Background(), env, bin, "migrate")
	run(t, context.Background(), env, bin, "seed")

	instances := make([]*instance, 3)
	for k := range instances {
		addr := freeAddr(t)
		instances[k] = &instance{name: fmt.Sprintf("onramp-%d", k+1), addr: addr, bin: bin,
			logPath: filepath.Join(t.TempDir(), fmt.Sprintf("onramp-%d.log", k+1)),
			// One PUBLIC_URL for all, as behind a load balancer: it is the
			// tokens' issuer.
			env: append(append([]string(nil), env...), "HTTP_ADDR="+addr, "PUBLIC_URL=http://onramp.fault.test")}
		instances[k].start(t)
		t.Cleanup(instances[k].stop)
	}
	db, err := pgxpool.New(context.Background(), pg.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := &world{c: newClient(instances), mail: mail, webhookSecret: "whsec_fault_test",
		lastSeats: map[string]int{}, stripeIDs: map[string]struct{}{}}
	w.companies = setUpCompanies(t, w, db)
	setUpNudgeRule(t, w, env, bin)

	// The run: every workload at once, for runFor, with the faults.
	ctx, cancel := context.WithTimeout(context.Background(), runFor)
	defer cancel()
	var wg sync.WaitGroup
	for k := range nCompanies {
		for _, f := range []func(context.Context, int){w.invitations, w.events, w.webhooks} {
			wg.Add(1)
			go func() { defer wg.Done(); f(ctx, k) }()
		}
	}
	for worker := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); w.signups(ctx, worker) }()
	}
	began := time.Now()
	time.Sleep(15 * time.Second)
	killedAt := time.Now()
	instances[1].kill()
	time.Sleep(5 * time.Second)
	instances[1].start(t)
	backAt := time.Now()
	time.Sleep(10 * time.Second)
	pgDown := time.Now()
	if err := pg.restart(); err != nil {
		t.Error(err)
	}
	pgUp := time.Now()
	wg.Wait()
	ended := time.Now()

	// What the clients would do next: send again what got no answer.
	converge(t, w)
	w.sweepNudgesTwiceAtOnce(t, env, bin)
	settleJobs(t, db)
	if w.unexpected != "" {
		t.Logf("a workload met (and retried past) %s", w.unexpected)
	}

	report := checkAll(t, w, db, window{pgDown, pgUp.Add(outageGrace)})
	t.Logf("run %.0f s: instance 2 killed at +%.1f s, serving again at +%.1f s; PostgreSQL restarted at +%.1f s, back at +%.1f s (%.1f s)",
		ended.Sub(began).Seconds(), killedAt.Sub(began).Seconds(), backAt.Sub(began).Seconds(),
		pgDown.Sub(began).Seconds(), pgUp.Sub(began).Seconds(), pgUp.Sub(pgDown).Seconds())
	for _, line := range report {
		t.Log(line)
	}
}

// setUpCompanies signs up the companies the workloads use, each holding a
// Stripe customer (as after its first checkout).
func setUpCompanies(t *testing.T, w *world, db *pgxpool.Pool) []company {
	t.Helper()
	out := make([]company, nCompanies)
	for k := range out {
		email := fmt.Sprintf("company-%d@fault.test", k)
		status, body := w.c.do(k%3, "POST", "/v1/signup", map[string]any{"company_name": fmt.Sprintf("Company %d", k),
			"email": email, "password": "a long fault password", "full_name": "Owner Company"}, nil)
		if status != 201 {
			t.Fatalf("sign up company %d: %d %s", k, status, body)
		}
		var s struct {
			AccessToken  string `json:"access_token"`
			Organization struct {
				ID string `json:"id"`
			} `json:"organization"`
		}
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatal(err)
		}
		out[k] = company{id: s.Organization.ID, token: s.AccessToken, customer: "cus_fault_" + strings.ReplaceAll(s.Organization.ID, "-", "")}
		if _, err := db.Exec(context.Background(), `INSERT INTO billing_customers (organization_id, stripe_customer_id) VALUES ($1, $2)`,
			out[k].id, out[k].customer); err != nil {
			t.Fatal(err)
		}
		w.signedUp = append(w.signedUp, email)
	}
	// Owners verify their address before they may invite.
	for k := range out {
		token := w.waitForLink(context.Background(), fmt.Sprintf("company-%d@fault.test", k), "Confirm")
		if status, body := w.c.do(k%3, "POST", "/v1/auth/verify-email", map[string]any{"token": token}, nil); status != 204 {
			t.Fatalf("verify company %d: %d %s", k, status, body)
		}
	}
	return out
}

// setUpNudgeRule makes a staff account and, with it, the rule that
// reminds every invitee not yet joined, at once, once.
func setUpNudgeRule(t *testing.T, w *world, env []string, bin string) {
	t.Helper()
	run(t, context.Background(), env, bin, "staff", "create", "--email", "pm@fault.test", "--password", "a long staff password")
	status, body := w.c.do(0, "POST", "/v1/auth/login", map[string]any{"email": "pm@fault.test", "password": "a long staff password"}, nil)
	if status != 200 {
		t.Fatalf("staff login: %d %s", status, body)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &login); err != nil {
		t.Fatal(err)
	}
	status, body = w.c.do(0, "POST", "/v1/admin/nudges", map[string]any{
		"key": "join_your_team", "trigger": map[string]any{"type": "invitation_pending", "after_days": 0},
		"max_sends": 1, "every_days": 2, "holdout_percent": 0, "enabled": true,
		"templates": map[string]any{
			"en": map[string]any{"subject": "Your team at {{.OrganizationName}} is waiting", "text": "Hello,\n\n{{.Link}}\n"},
			"fr": map[string]any{"subject": "Votre équipe chez {{.OrganizationName}} vous attend", "text": "Bonjour,\n\n{{.Link}}\n"},
		}}, bearer(login.AccessToken))
	if status != 201 {
		t.Fatalf("create the nudge rule: %d %s", status, body)
	}
}

// converge sends every event batch and every Stripe event once more,
// until each is answered: afterwards, all of them must be recorded.
func converge(t *testing.T, w *world) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for i, ids := range w.batches {
		if status, body := w.c.until(deadline, []int{202}, "POST", "/v1/events", eventBody(ids), bearer(w.companies[w.batchOrg[i]].token)); status != 202 {
			t.Fatalf("batch %d never accepted: %d %s", i, status, body)
		}
	}
	for i, payload := range w.deliveries {
		for status := 0; status != 200; {
			if status = w.deliver(-1, payload); status != 200 && time.Now().After(deadline) {
				t.Fatalf("Stripe event %d never accepted: %d", i, status)
			}
		}
	}
}

// sweepNudgesTwiceAtOnce runs two sweeps at the same time beside the
// servers' own: each reminder must still go once.
func (w *world) sweepNudgesTwiceAtOnce(t *testing.T, env []string, bin string) {
	t.Helper()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "nudges", "run")
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("nudges run: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
}

// settleJobs waits until the job queue has nothing left to do (every
// email sent), at most four minutes: the jobs the killed instance was
// running are rescued after two (jobs.NewRunner). Retries a failure during
// the outages scheduled for later are made due now: River's backoff would
// otherwise keep them a minute or more, and only the time changes.
func settleJobs(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		if _, err := db.Exec(context.Background(), `UPDATE river_job SET scheduled_at = now() WHERE state IN ('retryable', 'scheduled') AND scheduled_at > now()`); err != nil {
			t.Fatal(err)
		}
		left := count(t, db, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`)
		if left == 0 {
			// What is sent is in the SMTP server a moment later.
			time.Sleep(2 * time.Second)
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d jobs still waiting four minutes after the run", left)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}
