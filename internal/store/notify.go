package store

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"shencha/internal/calendar"
	"shencha/internal/i18n"
	"shencha/internal/review"
)

// Notifications are written in the transaction of the change they tell
// of (an outbox), so none is lost and none tells of a change that rolled
// back. Each is a message code with its parameters, rendered in the
// reader's language when read (internal/notify), and holds no confidential
// content: a case number, a state, a clock, a listing's status.

// Notification is one message to one user.
type Notification struct {
	ID        int64             `json:"id"`
	Code      string            `json:"code"`
	Params    map[string]string `json:"params"`
	Link      string            `json:"link"`
	CreatedAt string            `json:"created_at"`
	ReadAt    string            `json:"read_at,omitempty"`
}

// NotificationPage is a page of a user's notifications, unread first.
type NotificationPage struct {
	Items  []Notification `json:"items"`
	Unread int            `json:"unread"`
	Next   string         `json:"next_cursor,omitempty"`
}

// EmailArgs asks the job queue to e-mail one notification.
type EmailArgs struct {
	NotificationID int64 `json:"notification_id"`
}

// Kind names the job.
func (EmailArgs) Kind() string { return "notification_email" }

// RemindArgs is the periodic job that leaves deadline reminders.
type RemindArgs struct{}

// Kind names the job.
func (RemindArgs) Kind() string { return "deadline_reminders" }

// recipient is a user who may be told of a change, with its address.
type recipient struct {
	review.Actor
	email string
}

// caseRecipients reads the users who may have a relation to the case that
// one of the parties in need names: the applicant's and the provider's
// people, the assigned labs' and experts, and, when needed, the office, the
// committee and the CII departments. Callers keep those PartiesOf confirms.
func (s *Store) caseRecipients(ctx context.Context, tx *sql.Tx, c *review.Case, need review.Party) ([]recipient, error) {
	var roles []string
	for _, x := range []struct {
		p review.Party
		r review.Role
	}{{review.PartyOffice, review.RoleOffice}, {review.PartyCommittee, review.RoleCommittee}, {review.PartyCIIDepartment, review.RoleCIIDepartment}} {
		if need&x.p != 0 {
			roles = append(roles, "'"+string(x.r)+"'")
		}
	}
	byRole := ""
	if len(roles) > 0 {
		byRole = ` OR u.role IN (` + strings.Join(roles, ", ") + `)`
	}
	return queryAll(ctx, tx, "recipients", `SELECT u.id, u.username, u.role, u.org_id, o.sector, u.email FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE NOT u.disabled AND (u.org_id IN ($1, $2)`+byRole+`
			OR u.org_id IN (SELECT lab_org_id FROM assignments WHERE case_id = $3 AND kind = 'lab' AND ended_at = '')
			OR u.id IN (SELECT expert_user_id FROM assignments WHERE case_id = $3 AND kind = 'expert' AND ended_at = ''))
		ORDER BY u.id`,
		func(r *sql.Rows) (recipient, error) {
			var x recipient
			return x, r.Scan(&x.UserID, &x.Username, &x.Role, &x.OrgID, &x.Sector, &x.email)
		}, c.ApplicantOrgID, c.ProviderOrgID, c.ID)
}

// notifyCase tells the people of a case what the notices say, each person
// the first notice that reaches it, never the one who acted. c is the case
// as the change left it, so need-to-know is judged after the change (a lab
// just assigned is told; one whose assignment just ended is not).
func (s *Store) notifyCase(ctx context.Context, tx *sql.Tx, c *review.Case, by review.Actor, notices []review.Notice, params map[string]string, link string) error {
	var need review.Party
	for _, n := range notices {
		need |= n.To
	}
	if need == 0 {
		return nil
	}
	people, err := s.caseRecipients(ctx, tx, c, need)
	if err != nil {
		return err
	}
	for _, p := range people {
		if p.UserID == by.UserID {
			continue
		}
		parties := review.PartiesOf(p.Actor, c)
		for _, n := range notices {
			if n.Reaches(p.Actor, parties) {
				if err := s.addNotification(ctx, tx, p, n.Code, params, link); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// addNotification writes one notification and, when e-mail is on and the
// user has an address, the job that e-mails it.
func (s *Store) addNotification(ctx context.Context, tx *sql.Tx, to recipient, code string, params map[string]string, link string) error {
	body, err := jsonMarshal(params)
	if err != nil {
		return review.Internal(err)
	}
	mailState := ""
	if s.EmailNotifications && to.email != "" {
		mailState = "pending"
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO notifications (user_id, code, params, link, created_at, email_state) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		to.UserID, code, body, link, ts(s.Now()), mailState).Scan(&id); err != nil {
		return wrap("notification", err)
	}
	if mailState == "" {
		return nil
	}
	return s.enqueue(ctx, tx, EmailArgs{id}, time.Time{})
}

// notifyAction tells the people of a case about an action just taken on
// it (ApplyAction), reading the case as the action left it.
func (s *Store) notifyAction(ctx context.Context, tx *sql.Tx, a review.Actor, number string, act review.Action, from, to review.State, in *review.Input) error {
	notices := review.NoticesOf(act, from, to, in)
	if len(notices) == 0 {
		return nil
	}
	c, err := s.loadCase(ctx, tx, number)
	if err != nil {
		return err
	}
	return s.notifyCase(ctx, tx, c, a, notices, map[string]string{"case": number, "state": string(to)}, "/cases/"+number)
}

// pageLimit reads a page size: 1 to 200, 50 by default.
func pageLimit(limit int) (int, error) {
	if limit == 0 {
		return 50, nil
	}
	if limit < 0 || limit > 200 {
		return 0, review.Invalid("limit", "field_out_of_range", "min", "1", "max", "200")
	}
	return limit, nil
}

// Notifications returns the actor's own notifications, unread first, each
// group newest first, a page at a time. The cursor is "u<id>" inside the
// unread ones and "r<id>" inside the read ones.
func (s *Store) Notifications(ctx context.Context, a review.Actor, cursor string, limit int) (NotificationPage, error) {
	page := NotificationPage{Items: []Notification{}}
	if a.Anonymous() || a.UserID == 0 {
		return page, review.Unauthorized()
	}
	limit, err := pageLimit(limit)
	if err != nil {
		return page, err
	}
	group, after := "u", int64(0)
	if cursor != "" {
		id, err := strconv.ParseInt(cursor[1:], 10, 64)
		if err != nil || id <= 0 || cursor[0] != 'u' && cursor[0] != 'r' {
			return page, review.Invalid("cursor", "field_invalid", "rule", "a next_cursor from an earlier page")
		}
		group, after = cursor[:1], id
	}
	if page.Unread, err = s.UnreadCount(ctx, a); err != nil {
		return page, err
	}
	read := func(unread bool, after int64, n int) ([]Notification, error) {
		cond := `read_at = ''`
		if !unread {
			cond = `read_at <> ''`
		}
		if after == 0 {
			after = 1 << 62
		}
		return queryAll(ctx, s.r, "notifications", `SELECT id, code, params, link, created_at, read_at FROM notifications
			WHERE user_id = $1 AND `+cond+` AND id < $2 ORDER BY id DESC LIMIT $3`, scanNotification, a.UserID, after, n)
	}
	// One more than the page, to know whether another follows.
	var items []Notification
	if group == "u" {
		if items, err = read(true, after, limit+1); err != nil {
			return page, err
		}
		after = 0
	}
	if len(items) <= limit {
		more, err := read(false, after, limit+1-len(items))
		if err != nil {
			return page, err
		}
		items = append(items, more...)
	}
	if len(items) > limit {
		last := items[limit-1]
		page.Next = "r" + itoa(last.ID)
		if last.ReadAt == "" {
			page.Next = "u" + itoa(last.ID)
		}
		items = items[:limit]
	}
	page.Items = append(page.Items, items...)
	return page, nil
}

func scanNotification(r *sql.Rows) (Notification, error) {
	var n Notification
	var params string
	if err := r.Scan(&n.ID, &n.Code, &params, &n.Link, &n.CreatedAt, &n.ReadAt); err != nil {
		return n, err
	}
	return n, jsonUnmarshal(params, &n.Params)
}

// UnreadCount counts the actor's unread notifications (the header's badge).
func (s *Store) UnreadCount(ctx context.Context, a review.Actor) (int, error) {
	if a.UserID == 0 {
		return 0, nil
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = ''`, a.UserID).Scan(&n)
	return n, wrap("unread", err)
}

// MarkRead marks one of the actor's notifications read; someone else's is
// not found.
func (s *Store) MarkRead(ctx context.Context, a review.Actor, id int64) error {
	if a.UserID == 0 {
		return review.Unauthorized()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var readAt string
		err := tx.QueryRowContext(ctx, `SELECT read_at FROM notifications WHERE id = $1 AND user_id = $2`, id, a.UserID).Scan(&readAt)
		if errors.Is(err, sql.ErrNoRows) {
			return review.NotFound("notification")
		}
		if err != nil || readAt != "" {
			return wrap("mark read", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2`, ts(s.Now()), id)
		return wrap("mark read", err)
	})
}

// MarkAllRead marks every unread notification of the actor read and says how many.
func (s *Store) MarkAllRead(ctx context.Context, a review.Actor) (int64, error) {
	if a.UserID == 0 {
		return 0, review.Unauthorized()
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = rowsAffected(tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = ''`, ts(s.Now()), a.UserID))
		return wrap("mark all read", err)
	})
	return n, err
}

// Contact is where and in which language a user is told: the e-mail
// address ("" for none) and the language of e-mails ("" for the default).
type Contact struct {
	Email string `json:"email"`
	Lang  string `json:"lang"`
}

// ContactOf reads the actor's own contact settings.
func (s *Store) ContactOf(ctx context.Context, a review.Actor) (Contact, error) {
	var c Contact
	if a.UserID == 0 {
		return c, review.Unauthorized()
	}
	err := s.r.QueryRowContext(ctx, `SELECT email, lang FROM users WHERE id = $1`, a.UserID).Scan(&c.Email, &c.Lang)
	return c, wrap("contact", err)
}

// SetContact sets the actor's own e-mail address and language. An address
// is a bare one (name@domain), at most 254 bytes; the language one of the
// platform's locales.
func (s *Store) SetContact(ctx context.Context, a review.Actor, c Contact) (Contact, error) {
	if a.UserID == 0 {
		return c, review.Unauthorized()
	}
	c.Email = strings.TrimSpace(c.Email)
	if c.Email != "" {
		addr, err := mail.ParseAddress(c.Email)
		if len(c.Email) > 254 || err != nil || addr.Address != c.Email || addr.Name != "" {
			return c, review.Invalid("email", "field_invalid", "rule", "an e-mail address such as name@example.cn")
		}
	}
	if c.Lang != "" && !contains(i18n.Locales, c.Lang) {
		return c, review.Invalid("lang", "field_unknown_value", "value", c.Lang)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1, lang = $2 WHERE id = $3`, c.Email, c.Lang, a.UserID); err != nil {
			return wrap("contact", err)
		}
		return s.audit(ctx, tx, a, "user.contact", "user:"+itoa(a.UserID), map[string]any{"email_set": c.Email != "", "lang": c.Lang})
	})
	return c, err
}

// Email is a notification to e-mail, with its recipient's address and
// language and whether it still waits to be sent.
type Email struct {
	Notification
	To, Lang string
	Pending  bool
}

// EmailOf reads a notification for the e-mail job.
func (s *Store) EmailOf(ctx context.Context, id int64) (Email, error) {
	var e Email
	var params, state string
	err := s.r.QueryRowContext(ctx, `SELECT n.id, n.code, n.params, n.link, n.created_at, u.email, u.lang, n.email_state FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.id = $1`, id).
		Scan(&e.ID, &e.Code, &params, &e.Link, &e.CreatedAt, &e.To, &e.Lang, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return e, review.NotFound("notification")
	}
	if err != nil {
		return e, wrap("email", err)
	}
	e.Pending = state == "pending" && e.To != ""
	if e.Lang == "" {
		e.Lang = i18n.Locales[0]
	}
	return e, jsonUnmarshal(params, &e.Params)
}

// EmailDone records how sending a notification went: sent, or the error
// (kept pending for the next try unless this was the last).
func (s *Store) EmailDone(ctx context.Context, id int64, sendErr error, last bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		switch {
		case sendErr == nil:
			_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_state = 'sent', emailed_at = $1, email_error = '' WHERE id = $2`, ts(s.Now()), id)
		case last:
			_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_state = 'failed', email_error = $1 WHERE id = $2`, truncate(sendErr.Error(), 500), id)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_error = $1 WHERE id = $2`, truncate(sendErr.Error(), 500), id)
		}
		return wrap("email done", err)
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// RemindDeadlines reminds whoever answers for a running clock (ClockOwner)
// when RemindDays working days or fewer are left before its deadline (job).
// Each clock is reminded once; extending it allows one more reminder. It
// says how many clocks it reminded of.
func (s *Store) RemindDeadlines(ctx context.Context) (int, error) {
	if s.RemindDays <= 0 {
		return 0, nil
	}
	ids, err := queryAll(ctx, s.r, "reminders", `SELECT id FROM clocks WHERE stopped = '' AND running_since <> '' AND overdue_at = '' AND reminded_at = '' ORDER BY id`,
		func(r *sql.Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := s.remindClock(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// remindClock reminds of one clock if it is due a reminder.
func (s *Store) remindClock(ctx context.Context, clockID int64) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var caseID int64
		var number, reminded string
		err := tx.QueryRowContext(ctx, `SELECT k.case_id, c.number, k.reminded_at FROM clocks k JOIN cases c ON c.id = k.case_id WHERE k.id = $1`+s.forUpdate(), clockID).
			Scan(&caseID, &number, &reminded)
		if err != nil || reminded != "" {
			return wrap("remind", err)
		}
		live, err := s.clocks(ctx, tx, caseID, true)
		if err != nil {
			return err
		}
		cal, today := s.Calendar(), calendar.DateOf(s.Now())
		for _, k := range live {
			if k.ID != clockID || !k.Running() {
				continue
			}
			left := k.Remaining(cal, today)
			deadline, _ := k.Deadline(cal, today)
			if left < 0 || left > s.RemindDays {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE clocks SET reminded_at = $1 WHERE id = $2`, ts(s.Now()), clockID); err != nil {
				return wrap("remind", err)
			}
			c, err := s.loadCase(ctx, tx, number)
			if err != nil {
				return err
			}
			done = true
			params := map[string]string{"case": number, "clock": k.Kind, "deadline": deadline.String(), "days": strconv.Itoa(left)}
			return s.notifyCase(ctx, tx, c, review.System, []review.Notice{{Code: "deadline", To: review.ClockOwner(k.Kind)}}, params, "/cases/"+number)
		}
		return nil
	})
	return done, err
}
