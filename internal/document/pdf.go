// Package document renders the documents the office issues as PDF: the
// provider security assessment report (Art. 14) and the decision letter, in
// Chinese or English. The text is set in WenQuanYi Micro Hei, a TrueType
// CJK font embedded in the binary (fonts/, with its licence), so the PDFs
// need nothing installed to render or to read. The same input gives the
// same bytes.
//
// It renders only: the store decides what a document may say and keeps the
// bytes it returns; the messages come from internal/i18n.
package document

import (
	"bytes"
	_ "embed"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"

	"shencha/internal/i18n"
)

//go:embed fonts/wqy-microhei.ttf
var fontTTF []byte

const (
	font       = "wqy"
	margin     = 20.0 // mm, every side
	lineHeight = 5.6  // mm, for body text
	bodySize   = 10.5 // pt
)

// writer lays a document out top to bottom on A4 pages.
type writer struct {
	pdf   *fpdf.Fpdf
	lang  string
	width float64 // of the text area, mm
}

// newWriter starts a document. issued dates it (the PDF's creation and
// modification dates, so the bytes depend on the content only); footer is
// the text at the foot of every page, beside the page number.
func newWriter(lang, title string, issued time.Time, footer string) *writer {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	p.SetCreationDate(issued)
	p.SetModificationDate(issued)
	p.SetTitle(title, true)
	p.SetAuthor(i18n.T(lang, "letter.authority", nil), true)
	p.SetCreator("shencha", true)
	p.SetLang(lang)
	p.AddUTF8FontFromBytes(font, "", fontTTF)
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin)
	p.AliasNbPages("")
	w, _ := p.GetPageSize()
	wr := &writer{pdf: p, lang: lang, width: w - 2*margin}
	p.SetFooterFunc(func() {
		p.SetY(-margin + 6)
		p.SetFont(font, "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(wr.width*0.8, 5, footer, "", 0, "L", false, 0, "")
		p.CellFormat(wr.width*0.2, 5, wr.t("doc.page", "n", strconv.Itoa(p.PageNo()), "of", "{nb}"), "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	return wr
}

// t renders a message in the document's language; kv are name, value pairs.
func (w *writer) t(key string, kv ...string) string { return message(w.lang, key, kv...) }

// message renders a message in a language; kv are name, value pairs.
func message(lang, key string, kv ...string) string {
	var params map[string]string
	if len(kv) > 0 {
		params = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			params[kv[i]] = kv[i+1]
		}
	}
	return i18n.T(lang, key, params)
}

// bytes finishes the document.
func (w *writer) bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := w.pdf.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// title writes a centred title line.
func (w *writer) title(text string, size float64) {
	w.pdf.SetFont(font, "", size)
	for _, l := range w.wrap(text, w.width) {
		w.pdf.CellFormat(w.width, size*0.5, l, "", 1, "C", false, 0, "")
	}
}

// heading starts a section, on a new page when too little of this one is
// left for the heading and a few lines after it.
func (w *writer) heading(text string) {
	_, h := w.pdf.GetPageSize()
	if w.pdf.GetY() > h-margin-30 {
		w.pdf.AddPage()
	}
	w.pdf.Ln(4)
	w.pdf.SetFont(font, "", 13)
	w.pdf.SetTextColor(20, 50, 110)
	w.pdf.CellFormat(w.width, 8, text, "B", 1, "L", false, 0, "")
	w.pdf.SetTextColor(0, 0, 0)
	w.pdf.Ln(2)
}

// para writes a wrapped paragraph.
func (w *writer) para(text string) {
	w.pdf.SetFont(font, "", bodySize)
	for _, l := range w.wrap(text, w.width) {
		w.pdf.CellFormat(w.width, lineHeight, l, "", 1, "L", false, 0, "")
	}
	w.pdf.Ln(1.5)
}

// note writes a paragraph in a smaller, grey type.
func (w *writer) note(text string) {
	w.pdf.SetTextColor(80, 80, 80)
	w.pdf.SetFont(font, "", 9)
	for _, l := range w.wrap(text, w.width) {
		w.pdf.CellFormat(w.width, 4.8, l, "", 1, "L", false, 0, "")
	}
	w.pdf.SetTextColor(0, 0, 0)
	w.pdf.Ln(1.5)
}

// fields writes label and value pairs in two columns.
func (w *writer) fields(pairs [][2]string) {
	label := w.width * 0.28
	for _, p := range pairs {
		w.row([]float64{label, w.width - label}, []string{p[0], p[1]}, false, false)
	}
	w.pdf.Ln(2)
}

// table writes a table with a header row, repeated on each new page.
func (w *writer) table(widths []float64, header []string, rows [][]string) {
	total := 0.0
	for _, x := range widths {
		total += x
	}
	cols := make([]float64, len(widths))
	for i, x := range widths {
		cols[i] = x / total * w.width
	}
	w.row(cols, header, true, true)
	for _, r := range rows {
		if w.row(cols, r, false, true) {
			w.row(cols, header, true, true)
			w.row(cols, r, false, true)
		}
	}
	w.pdf.Ln(3)
}

// row writes one row of wrapped cells. When the row does not fit on the
// page it starts a new page and writes nothing, reporting true, so a table
// can repeat its header first.
func (w *writer) row(cols []float64, cells []string, header, ruled bool) (newPage bool) {
	const pad = 1.2
	size, lh := 9.5, 4.8
	w.pdf.SetFont(font, "", size)
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		lines[i] = w.wrap(c, cols[i]-2*pad)
		n = max(n, len(lines[i]))
	}
	h := float64(n)*lh + 2*pad
	_, pageH := w.pdf.GetPageSize()
	if w.pdf.GetY()+h > pageH-margin && w.pdf.GetY() > margin+h {
		w.pdf.AddPage()
		if !header {
			return true
		}
	}
	x, y := w.pdf.GetXY()
	if header {
		w.pdf.SetFillColor(228, 233, 242)
		w.pdf.Rect(x, y, w.width, h, "F")
	}
	for i, c := range lines {
		if ruled {
			w.pdf.SetDrawColor(150, 150, 150)
			w.pdf.Rect(x, y, cols[i], h, "D")
		}
		for j, l := range c {
			w.pdf.SetXY(x+pad, y+pad+float64(j)*lh)
			w.pdf.CellFormat(cols[i]-2*pad, lh, l, "", 0, "L", false, 0, "")
		}
		x += cols[i]
	}
	w.pdf.SetXY(margin, y+h)
	return false
}

// wrap breaks text into lines no wider than width (mm) in the current
// font: between words, and between any two CJK characters, which need no
// space. (fpdf's own MultiCell drops the character it breaks a CJK line
// at, so the documents wrap for themselves.) A word wider than a line is
// broken where it must be. Newlines are kept.
func (w *writer) wrap(text string, width float64) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line, space := "", false
		put := func(tok string) {
			sep := ""
			if space && line != "" {
				sep = " "
			}
			space = false
			// A closing mark stays with what it closes, past the edge if
			// need be, rather than start a line.
			if w.pdf.GetStringWidth(line+sep+tok) <= width || line == "" && w.pdf.GetStringWidth(tok) <= width ||
				line != "" && sep == "" && strings.Contains(closing, tok) {
				line += sep + tok
				return
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			for _, r := range tok { // a word wider than the line
				if line != "" && w.pdf.GetStringWidth(line+string(r)) > width {
					out = append(out, line)
					line = ""
				}
				line += string(r)
			}
		}
		word := []rune{}
		flush := func() {
			if len(word) > 0 {
				put(string(word))
				word = word[:0]
			}
		}
		for _, r := range para {
			switch {
			case unicode.IsSpace(r):
				flush()
				space = true
			case wide(r):
				flush()
				put(string(r))
			default:
				word = append(word, r)
			}
		}
		flush()
		out = append(out, line)
	}
	return out
}

// closing are the marks a line must not start with.
const closing = "，。、；：？！）》」』】〕,.;:?!)"

// wide reports whether r is a CJK character or punctuation mark, after
// which a line may break.
func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}
