package nudge

import (
	"context"
	"encoding/hex"
	"strings"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/unsubscribe"
)

// Line is one person a sweep considered for one rule, and what it did:
// Outcome is sent, held_out or skipped, with Reason for a skip.
type Line struct {
	Rule    string
	Email   string
	Outcome string
	Reason  string
}

// Skipped is the outcome of a line that neither sent nor held out.
const Skipped = "skipped"

// SweepResult counts what one sweep did.
type SweepResult struct {
	Considered int
	Sent       int
	HeldOut    int
	// Skipped counts skips by reason.
	Skipped map[string]int
}

// SweepOptions tune one sweep.
type SweepOptions struct {
	// DryRun decides without writing or sending anything.
	DryRun bool
	// Report, when set, sees every line (it may print addresses: it is
	// for the operator running `onramp nudges run`, never for the logs).
	Report func(Line)
}

// writeBatch is how many decisions one transaction records (and queues
// emails for).
const writeBatch = 500

// mailKind names nudge emails in the sent-email log.
const mailKind = "nudge"

// Sweep considers everyone each enabled rule names now, decides through
// the guardrails, and records and queues what may go.
func (s *Service) Sweep(ctx context.Context, opt SweepOptions) (SweepResult, error) {
	now := s.now().UTC()
	res := SweepResult{Skipped: map[string]int{}}
	rules, err := s.store.rules(ctx, s.db.SQL(), true)
	if err != nil {
		return res, wrap("nudge sweep", err)
	}
	zones := newZones(s.policy.DefaultTimeZone)
	decidedNow := map[string]int{} // sends this sweep decided, by person: the cap counts them too
	var lines []Line
	var pending []decision
	var pendingLine []int // pending[i]'s line
	for i := range rules {
		r := &rules[i]
		targets, err := s.store.targets(ctx, s.db.SQL(), *r, now)
		if err != nil {
			return res, wrap("nudge sweep", err)
		}
		for j := range targets {
			t := &targets[j]
			p := hex.EncodeToString(t.person)
			c := t.candidate
			c.recentSends += decidedNow[p]
			out := s.policy.decide(*r, c, now, zones.of(t.timeZone))
			line := Line{Rule: r.Key, Email: t.email, Outcome: out}
			switch {
			case out == Sent:
				decidedNow[p]++
				pending, pendingLine = append(pending, decision{rule: r, target: t, attempt: t.sends + 1, outcome: Sent}), append(pendingLine, len(lines))
			case out == HeldOut && !t.heldOut:
				pending, pendingLine = append(pending, decision{rule: r, target: t, attempt: 1, outcome: HeldOut}), append(pendingLine, len(lines))
			case out != HeldOut:
				line.Outcome, line.Reason = Skipped, out
			}
			lines = append(lines, line)
		}
	}
	if !opt.DryRun {
		for start := 0; start < len(pending); start += writeBatch {
			end := min(start+writeBatch, len(pending))
			outcomes, err := s.write(ctx, pending[start:end], now)
			if err != nil {
				return res, wrap("nudge sweep", err)
			}
			for k, out := range outcomes {
				if out != "" {
					lines[pendingLine[start+k]].Outcome, lines[pendingLine[start+k]].Reason = Skipped, out
				}
			}
		}
	}
	for _, l := range lines {
		res.Considered++
		switch l.Outcome {
		case Sent:
			res.Sent++
		case HeldOut:
			res.HeldOut++
		default:
			res.Skipped[l.Reason]++
		}
		if opt.Report != nil {
			opt.Report(l)
		}
	}
	s.log.InfoContext(ctx, "nudge sweep", "dry_run", opt.DryRun, "rules", len(rules), "considered", res.Considered,
		"sent", res.Sent, "held_out", res.HeldOut, "skipped", res.Skipped)
	return res, nil
}

// write records ds in one transaction and queues the emails of those
// sent, with the people locked: another sweep's decisions for them are
// either already visible, or wait for these. It returns, per decision, ""
// when it was recorded, or the reason it no longer may: the cap (another
// sweep mailed them meanwhile), opted_out (they opted out since the sweep
// read them), done (they left or were erased) or too_soon (another sweep recorded the same attempt).
func (s *Service) write(ctx context.Context, ds []decision, now time.Time) ([]string, error) {
	outcomes := make([]string, len(ds))
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		clear(outcomes)
		people := make([]string, len(ds))
		for i, d := range ds {
			people[i] = hex.EncodeToString(d.target.person)
		}
		if err := s.store.lockPeople(ctx, tx, people); err != nil {
			return err
		}
		recent, err := s.store.recentSends(ctx, tx, people, now.AddDate(0, 0, -7))
		if err != nil {
			return err
		}
		// The sweep read everyone before its first batch: an opt-out made
		// since holds now.
		optedOut, err := s.store.optedOut(ctx, tx, people)
		if err != nil {
			return err
		}
		// Nor do they still belong if they left or were erased meanwhile;
		// the members are share-locked, so an erasure waits for this
		// batch and then forgets the emails it queued.
		members, err := s.store.currentMembers(ctx, tx, ds)
		if err != nil {
			return err
		}
		var kept []decision
		var keptAt []int
		for i, d := range ds {
			if optedOut[people[i]] {
				outcomes[i] = SkipOptedOut
				continue
			}
			if d.target.userID.Valid && !members[memberKey{d.target.orgID, d.target.userID.UUID}] {
				outcomes[i] = SkipDone
				continue
			}
			if d.outcome == Sent {
				if recent[people[i]] >= s.policy.WeeklyCap {
					outcomes[i] = SkipCap
					continue
				}
				recent[people[i]]++
			}
			kept, keptAt = append(kept, d), append(keptAt, i)
		}
		if len(kept) == 0 {
			return nil
		}
		written, err := s.store.insertDecisions(ctx, tx, kept, now)
		if err != nil {
			return err
		}
		var msgs []mail.Message
		for k, d := range kept {
			if !written[k] {
				outcomes[keptAt[k]] = SkipTooSoon
				continue
			}
			if d.outcome != Sent {
				continue
			}
			m, err := s.message(ctx, tx, d)
			if apperr.HasReason(err, "invitation_not_pending") {
				// Accepted or revoked since the sweep listed it: nothing
				// to remind, and nothing to record.
				if err := s.store.deleteDecision(ctx, tx, d); err != nil {
					return err
				}
				outcomes[keptAt[k]] = SkipDone
				continue
			}
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		return s.mailer.EnqueueMany(ctx, tx, msgs)
	})
	return outcomes, err
}

// message is d's email in its reader's language, with the one-click
// unsubscribe link in its headers (RFC 8058) and at its foot.
func (s *Service) message(ctx context.Context, tx *database.Tx, d decision) (mail.Message, error) {
	t := d.target
	l := mail.LocaleOf(&t.locale, s.locale)
	link := s.appURL
	if t.invitationID.Valid {
		var err error
		if link, err = s.invitations.InvitationReminderLink(ctx, tx, t.orgID, t.invitationID.UUID); err != nil {
			return mail.Message{}, err
		}
	}
	subject, text, err := d.rule.Templates.render(l, TemplateData{FirstName: firstName(t.fullName), OrganizationName: t.orgName, Link: link})
	if err != nil {
		return mail.Message{}, wrap("nudge "+d.rule.Key, err)
	}
	unsub := s.unsubscribe.URL(t.email, unsubscribe.OnboardingTips)
	return mail.Message{To: t.email, Subject: subject, Text: strings.TrimRight(text, "\n") + "\n" + footer(l, unsub),
		Kind: mailKind, UserID: t.userID.UUID, ListUnsubscribe: unsub}, nil
}

// footer says why the email came and how to stop it, in a line a person
// can act on without their mail client's unsubscribe button.
func footer(l mail.Locale, unsubscribe string) string {
	if l == mail.French {
		return "\n\u2014\nVous recevez les conseils de prise en main d\u2019Onramp. Pour ne plus les recevoir, ouvrez ce lien\u00a0:\n" + unsubscribe + "\n"
	}
	return "\n\u2014\nYou are receiving onboarding tips from Onramp. To stop them, open this link:\n" + unsubscribe + "\n"
}

// firstName is the first word of a full name ("" for none).
func firstName(full string) string {
	if f := strings.Fields(full); len(f) > 0 {
		return f[0]
	}
	return ""
}
