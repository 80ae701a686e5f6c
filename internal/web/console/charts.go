package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/web/page"
)

// Charts are drawn on the server as SVG: no script, no library. A chart
// is laid out here and drawn by the "barchart" template, which gives it a
// title and a description for screen readers; each page also shows the
// same figures as a table.

// barChart is a horizontal bar chart: one labelled bar per figure.
type barChart struct {
	ID            string // unique in the page, for aria-labelledby
	Title, Desc   string
	Width, Height int
	LabelWidth    int
	Bars          []bar
}

// bar is one bar, placed.
type bar struct {
	Label, Value string
	Y, Width     int
	TextY        int
	LabelX       int
	ValueX       int
	Missing      bool // a figure held back (too few people): no bar
}

// figure is a bar's data before layout.
type figure struct {
	Label   string
	Count   float64
	Value   string // what the bar's end says
	Missing bool
}

const (
	chartWidth  = 720
	labelWidth  = 200
	valueWidth  = 130
	rowHeight   = 30
	barHeight   = 20
	chartMargin = 8
)

// newBarChart lays figures out, scaled to the largest.
func newBarChart(id, title, desc string, figures []figure) *barChart {
	c := &barChart{ID: id, Title: title, Desc: desc, Width: chartWidth, LabelWidth: labelWidth,
		Height: len(figures)*rowHeight + 2*chartMargin}
	top := 0.0
	for _, f := range figures {
		top = max(top, f.Count)
	}
	span := chartWidth - labelWidth - valueWidth
	for i, f := range figures {
		w := 0
		if top > 0 && !f.Missing {
			w = max(int(f.Count/top*float64(span)+0.5), 1)
			if f.Count == 0 {
				w = 0
			}
		}
		y := chartMargin + i*rowHeight
		c.Bars = append(c.Bars, bar{Label: f.Label, Value: f.Value, Y: y + (rowHeight-barHeight)/2, Width: w,
			TextY: y + rowHeight/2 + 4, LabelX: labelWidth - 8, ValueX: labelWidth + w + 6, Missing: f.Missing})
	}
	return c
}

// percent writes a share (0-1) as a percentage the way each language
// does: "42.5%", « 42,5 % ».
func percent(lang mail.Locale, share float64) string {
	sign := "%"
	if lang == mail.French {
		sign = "\u202f%"
	}
	return decimal(lang, share*100) + sign
}

// points writes a difference of shares in signed percentage points.
func (c *console) points(ctx *gin.Context, diff float64) string {
	s := decimal(page.Language(ctx), diff*100)
	if diff >= 0 {
		s = "+" + s
	}
	return fmt.Sprintf(c.pages.Text(ctx, "effect.points"), s)
}

// decimal writes x with one decimal, as lang does: 42.5, 42,5.
func decimal(lang mail.Locale, x float64) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	if lang == mail.French {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// heat is the class of a table cell shaded by a share (0-1): heat-0 to
// heat-5 (the stylesheet's, since the CSP allows no inline style).
func heat(share float64) string {
	level := int(share*5 + 0.5)
	return fmt.Sprintf("heat-%d", min(max(level, 0), 5))
}
