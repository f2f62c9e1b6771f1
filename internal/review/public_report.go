package review

import (
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Public reports (举报) are social supervision (Art. 3): anyone, named or
// anonymous, reports a product or a provider to the office, which triages
// the report: dismisses it, links it to a case, or opens a re-review. The
// reporter keeps a receipt number and a separate check code, and with both
// learns the report's status and the office's public reason, nothing more.
//
// Only the office reads reports (a sector regulator acting as office those
// about its sector's products): the provider concerned learns neither who
// reported it nor what was reported; if the office opens a re-review, the
// provider meets it as a case like any other.

// ReportStatus is where a report stands.
type ReportStatus string

// Report statuses: received, then one triage outcome.
const (
	ReportReceived  ReportStatus = "received"
	ReportDismissed ReportStatus = "dismissed"
	ReportLinked    ReportStatus = "linked"    // taken into an existing case
	ReportReReview  ReportStatus = "re_review" // a re-review case was opened on it
)

// ReportStatuses lists every status.
var ReportStatuses = []ReportStatus{ReportReceived, ReportDismissed, ReportLinked, ReportReReview}

// TriageAction is what the office does with a received report.
type TriageAction string

// Triage actions.
const (
	TriageDismiss  TriageAction = "dismiss"
	TriageLink     TriageAction = "link"
	TriageReReview TriageAction = "re_review"
)

// TriageActionList lists the triage actions in the order forms offer them.
var TriageActionList = []TriageAction{TriageDismiss, TriageLink, TriageReReview}

// TriageActions maps each triage action to the status it leads to.
var TriageActions = map[TriageAction]ReportStatus{
	TriageDismiss:  ReportDismissed,
	TriageLink:     ReportLinked,
	TriageReReview: ReportReReview,
}

// Limits of a report's fields, in characters.
const (
	MaxReportSubject     = 500
	MinReportDescription = 10
	MaxReportDescription = 10000
	MaxContactName       = 100
	MaxReason            = 2000
)

// NewReport is what a reporter files. Its subject is a product, a provider,
// or only described in words; a product names its provider too.
type NewReport struct {
	ProductID     int64   `json:"product_id,omitempty"`
	ProviderOrgID int64   `json:"provider_org_id,omitempty"`
	Subject       string  `json:"subject,omitempty"` // the subject in words: the only one, or which version, where seen
	Description   string  `json:"description"`
	Contact       Contact `json:"contact"` // empty: anonymous
}

// Contact is how the office may reach a reporter who wants to be reached.
// It is confidential: only the office reads it.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Anonymous reports whether the reporter left no contact.
func (c Contact) Anonymous() bool { return c == Contact{} }

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{4,29}$`)

// Check trims a report and checks its fields; that a named product or
// provider exists is the store's to check.
func (r *NewReport) Check() error {
	r.Subject = strings.TrimSpace(r.Subject)
	r.Description = strings.TrimSpace(r.Description)
	r.Contact.Name = strings.TrimSpace(r.Contact.Name)
	r.Contact.Email = strings.TrimSpace(r.Contact.Email)
	r.Contact.Phone = strings.TrimSpace(r.Contact.Phone)
	if r.ProductID < 0 {
		return Invalid("product_id", "field_invalid", "rule", "a positive integer")
	}
	if r.ProviderOrgID < 0 {
		return Invalid("provider_org_id", "field_invalid", "rule", "a positive integer")
	}
	if r.ProductID == 0 && r.ProviderOrgID == 0 && r.Subject == "" {
		return Required("subject")
	}
	if err := maxChars("subject", r.Subject, MaxReportSubject); err != nil {
		return err
	}
	if r.Description == "" {
		return Required("description")
	}
	if n := utf8.RuneCountInString(r.Description); n < MinReportDescription {
		return Invalid("description", "field_too_short", "min", strconv.Itoa(MinReportDescription))
	}
	if err := maxChars("description", r.Description, MaxReportDescription); err != nil {
		return err
	}
	if err := maxChars("contact.name", r.Contact.Name, MaxContactName); err != nil {
		return err
	}
	if e := r.Contact.Email; e != "" {
		addr, err := mail.ParseAddress(e)
		if err != nil || addr.Address != e || len(e) > 254 {
			return Invalid("contact.email", "field_invalid", "rule", "an e-mail address such as name@example.cn")
		}
	}
	if p := r.Contact.Phone; p != "" && !phoneRE.MatchString(p) {
		return Invalid("contact.phone", "field_invalid", "rule", "5 to 30 digits, spaces, + - ( )")
	}
	return nil
}

func maxChars(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return Invalid(field, "field_too_long", "max", strconv.Itoa(max))
	}
	return nil
}

// Triage is the office's decision on a received report. Reason is public:
// the reporter reads it with the status.
type Triage struct {
	Action TriageAction `json:"action"`
	Reason string       `json:"reason"`
	// Case is the case a report is linked to (link).
	Case string `json:"case,omitempty"`
	// PreviousCase is the case a re-review follows (re_review); by default
	// the case of the reported product's newest result.
	PreviousCase string `json:"previous_case,omitempty"`
	// Summary is the re-review case's summary, which its parties read
	// (re_review); it should not say who reported what.
	Summary string `json:"summary,omitempty"`
}

// Check trims a triage and checks its fields.
func (t *Triage) Check() error {
	t.Reason = strings.TrimSpace(t.Reason)
	t.Case = strings.TrimSpace(t.Case)
	t.PreviousCase = strings.TrimSpace(t.PreviousCase)
	t.Summary = strings.TrimSpace(t.Summary)
	if t.Action == "" {
		return Required("action")
	}
	if _, ok := TriageActions[t.Action]; !ok {
		return Invalid("action", "field_unknown_value", "value", string(t.Action))
	}
	if t.Reason == "" {
		return Required("reason")
	}
	if err := maxChars("reason", t.Reason, MaxReason); err != nil {
		return err
	}
	if t.Action == TriageLink && t.Case == "" {
		return Required("case")
	}
	if len(t.Summary) > 4000 {
		return Invalid("summary", "field_too_long", "max", "4000")
	}
	return nil
}

// receiptAlphabet is Crockford's base 32: no I, L, O or U, so a number
// read aloud or copied by hand is not mistaken.
const receiptAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Lengths of the random parts: a receipt number's 8 characters (40 bits)
// keep numbers apart; a check code's 12 (60 bits) cannot be guessed.
const (
	ReceiptRandom = 8
	CheckCodeLen  = 12
)

// base32 renders random bytes in the receipt alphabet, one character per
// byte (its low five bits).
func base32(random []byte) string {
	b := make([]byte, len(random))
	for i, x := range random {
		b[i] = receiptAlphabet[x&31]
	}
	return string(b)
}

// FormatReceipt renders a receipt number, JB-2026-7KQ2M9XD, from the year
// and ReceiptRandom random bytes.
func FormatReceipt(year int, random []byte) string {
	return "JB-" + strconv.Itoa(year) + "-" + base32(random)
}

// FormatCheckCode renders a check code from CheckCodeLen random bytes, in
// groups of four: 7KQ2-M9XD-A4TR.
func FormatCheckCode(random []byte) string {
	s := base32(random)
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:min(i+4, len(s))])
	}
	return strings.Join(groups, "-")
}

var receiptRE = regexp.MustCompile(`^JB-[0-9]{4}-[` + receiptAlphabet + `]{8}$`)

// ParseReceipt reads a receipt number as a reporter types it: spaces
// around it and lower case are forgiven.
func ParseReceipt(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", Required("receipt")
	}
	if !receiptRE.MatchString(s) {
		return "", Invalid("receipt", "field_invalid", "rule", "JB-YYYY-XXXXXXXX")
	}
	return s, nil
}

// NormalizeCheckCode reads a check code as a reporter types it: case,
// spaces and dashes do not matter, and the letters Crockford's alphabet
// leaves out are read as the digits they look like.
func NormalizeCheckCode(s string) (string, error) {
	s = strings.NewReplacer("-", "", " ", "", "I", "1", "L", "1", "O", "0").Replace(strings.ToUpper(s))
	if s == "" {
		return "", Required("code")
	}
	if len(s) != CheckCodeLen || strings.Trim(s, receiptAlphabet) != "" {
		return "", Invalid("code", "field_invalid", "rule", "12 letters and digits, as on the receipt")
	}
	return s, nil
}

// MayReadReports reports whether the actor reads public reports, and of
// which sector ("" is every report): the office only, as a sector
// regulator its sector's. Nobody else, not the provider concerned, not
// the admin, learns of a report.
func MayReadReports(a Actor) (sector string, ok bool) {
	if a.Anonymous() || a.Role != RoleOffice {
		return "", false
	}
	return a.Sector, true
}

// MaxReportFiles is how many files one report may carry.
const MaxReportFiles = 5

// ReportFileTypes are the kinds of file a report may carry, as the server
// recognises them from their first bytes (not as the sender names them):
// pictures, PDF, plain text, and zip archives (which office documents are).
var ReportFileTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip"}

// CheckAttachment checks the n-th file of a report (from 0) by its name and
// its recognised type, before a byte of it is stored.
func CheckAttachment(n int, filename, contentType string) error {
	if n >= MaxReportFiles {
		return Invalid("files", "field_out_of_range", "min", "0", "max", strconv.Itoa(MaxReportFiles))
	}
	if strings.TrimSpace(filename) == "" || len(filename) > 255 || strings.ContainsAny(filename, "/\\\x00") {
		return Invalid("files", "field_invalid", "rule", "a file name of at most 255 bytes, no path separators")
	}
	media, _, _ := strings.Cut(contentType, ";")
	if !slices.Contains(ReportFileTypes, strings.TrimSpace(media)) {
		return Invalid("files", "field_invalid", "rule", "a picture (PNG, JPEG, GIF, WebP), PDF, plain text or zip file")
	}
	return nil
}
