package web_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shencha/internal/calendar"
)

// TestIntakeQueue: a provider's application is in the office's intake
// queue from its submission until the office accepts it, with the
// screening deadline; the queue is the office's only.
func TestIntakeQueue(t *testing.T) {
	base := startServer(t)
	as := func(user string) *client { return signedIn(t, base, user) }
	office, provider := as("office"), as("provider1")
	queue := func() (int, string) {
		code, _, body := office.do("GET", "/intake", nil, en, "en")
		return code, section(body, `id="main"`, "</main>")
	}
	code, body := queue()
	if code != 200 || !strings.Contains(body, "No case waits for intake.") {
		t.Fatalf("the demo has no case in intake: %d\n%s", code, body)
	}

	_, _, page := provider.do("GET", "/products", nil)
	m := productLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no TideDB product")
	}
	_, _, page = provider.do("GET", "/products/"+m[1], nil)
	v := regexp.MustCompile(`name="version_id" value="(\d+)"`).FindStringSubmatch(page)
	if v == nil {
		t.Fatalf("no version to apply for:\n%s", page)
	}
	_, hdr, _ := provider.do("POST", "/products/"+m[1]+"/apply", url.Values{"version_id": {v[1]}})
	number := strings.TrimPrefix(hdr.Get("Location"), "/cases/")
	if !strings.HasPrefix(number, "CSR-") {
		t.Fatalf("apply: %q", hdr.Get("Location"))
	}
	if _, body := queue(); strings.Contains(body, number) {
		t.Fatal("a draft is in the intake queue")
	}
	if code, _, _ := provider.do("POST", "/cases/"+number+"/actions/submit", url.Values{}); code != 303 {
		t.Fatalf("submit: %d", code)
	}
	_, body = queue()
	row := section(body, `href="/cases/`+number+`"`, "</tr>")
	if row == "" || !strings.Contains(row, "submitted") || !strings.Contains(row, "working days") || !regexp.MustCompile(`<td>\d{4}-\d{2}-\d{2}(</td>| <abbr)`).MatchString(row) ||
		!strings.Contains(body, "Waiting in all: 1.") {
		t.Fatalf("the submitted case in the queue:\n%s", body)
	}
	if code, _, _ := office.do("POST", "/cases/"+number+"/actions/begin_screening", url.Values{}); code != 303 {
		t.Fatalf("begin screening: %d", code)
	}
	if _, body := queue(); !strings.Contains(section(body, `href="/cases/`+number+`"`, "</tr>"), "screening") {
		t.Fatalf("the case under screening leaves the queue:\n%s", body)
	}
	if code, _, _ := office.do("POST", "/cases/"+number+"/actions/accept", url.Values{}); code != 303 {
		t.Fatalf("accept: %d", code)
	}
	if _, body := queue(); strings.Contains(body, number) {
		t.Error("an accepted case is still in the queue")
	}

	// The office's header and dashboard link to the queue.
	_, _, dash := office.do("GET", "/dashboard", nil)
	if !strings.Contains(dash, `id="nav-intake"`) || !strings.Contains(dash, `id="dashboard-intake"`) {
		t.Error("no link to the intake queue for the office")
	}
	for _, user := range []string{"provider1", "lab1", "admin", "committee", "cii"} {
		c := as(user)
		if code, _, body := c.do("GET", "/intake", nil); code != 403 || strings.Contains(body, `id="nav-intake"`) {
			t.Errorf("%s: %d", user, code)
		}
	}
	if code, hdr, _ := newClient(t, base).do("GET", "/intake", nil); code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/login") {
		t.Errorf("signed out: %d %q", code, hdr.Get("Location"))
	}
	if code, _, body := office.do("GET", "/intake?after=garbage", nil, en, "en"); code != 400 || !strings.Contains(pageError(body), "cursor is not valid") {
		t.Errorf("a bad cursor: %d %q", code, pageError(body))
	}
}

// TestDashboardMonths: the dashboard draws the cases opened and closed in
// each of the last twelve months as an SVG with a title and a text label
// per month, and the same numbers as a table; the demo's seven cases were
// opened within the year and three of them closed (published).
func TestDashboardMonths(t *testing.T) {
	base := startServer(t)
	c := newClient(t, base)
	c.login("office")
	_, _, body := c.do("GET", "/dashboard", nil, en, "en")
	svg := section(body, `id="months-chart"`, "</svg>")
	if !strings.Contains(body, `role="img" aria-labelledby="months-title" id="months-chart"`) {
		t.Errorf("the chart is not labelled:\n%s", svg)
	}
	if !strings.Contains(svg, `<title id="months-title">Column chart of the cases opened and closed in each of the last 12 months</title>`) {
		t.Errorf("no chart title:\n%s", svg)
	}
	month := time.Now().In(calendar.Location()).Format("2006-01")
	if !strings.Contains(svg, "<title>"+month+": ") || strings.Count(svg, `class="label"`) < 12 || !strings.Contains(svg, `class="col opened"`) {
		t.Errorf("months not drawn:\n%s", svg)
	}
	table := section(body, `id="month-table"`, "</table>")
	cells := regexp.MustCompile(`<tr><td>(\d{4}-\d{2})</td><td>(\d+)</td><td>(\d+)</td></tr>`).FindAllStringSubmatch(table, -1)
	opened, closed := 0, 0
	for _, c := range cells {
		o, _ := strconv.Atoi(c[2])
		k, _ := strconv.Atoi(c[3])
		opened, closed = opened+o, closed+k
	}
	if len(cells) != 12 || cells[11][1] != month || opened != 7 || closed != 3 {
		t.Errorf("%d months, last %v, %d opened, %d closed; want 12 to %s, 7 and 3:\n%s", len(cells), cells[len(cells)-1], opened, closed, month, table)
	}
}
