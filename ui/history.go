package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kassa/pos"
	"kassa/ui/words"
)

// historyScreen lists today's payments with status colours, searches by
// amount, last four digits or order id, and shows one payment in detail
// with its journal events.
type historyScreen struct {
	u *UI

	rows     []pos.PaymentView
	selected string // ClientOrderID shown in the detail pane
	query    string // search text; "" for today
	pending  bool   // listing the unresolved payments

	search   *widget.Entry
	heading  *widget.Label
	list     *widget.List
	empty    *widget.Label
	detail   *fyne.Container
	evRows   []pos.Event
	receipt  *widget.Button
	check    *widget.Button
	placeHdr fyne.CanvasObject
	detailBx *fyne.Container
	// childBtns are the shown payment's Refund, Capture and Release (issue 11).
	childBtns map[pos.Operation]*widget.Button

	root fyne.CanvasObject
}

func newHistoryScreen(u *UI) *historyScreen {
	h := &historyScreen{
		u:       u,
		search:  widget.NewEntry(),
		heading: &widget.Label{Text: tr("Today"), TextStyle: fyne.TextStyle{Bold: true}},
		empty:   &widget.Label{Text: tr("No payments yet today."), Alignment: fyne.TextAlignCenter, Importance: widget.LowImportance},
		detail:  container.NewVBox(),
	}
	h.search.SetPlaceHolder(tr("Search: amount (10.42), last 4 digits or order id"))
	h.search.OnSubmitted = h.searchSubmitted
	searchBtn := &widget.Button{Text: tr("Search"), Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: h.searchTapped}
	todayBtn := &widget.Button{Text: tr("Today"), Icon: theme.ViewRefreshIcon(), OnTapped: h.todayTapped}
	pendingBtn := &widget.Button{Text: tr("Unresolved"), Icon: theme.WarningIcon(), OnTapped: h.unresolvedTapped}

	h.list = &widget.List{Length: h.length, CreateItem: h.createItem, UpdateItem: h.updateItem, OnSelected: h.selectedRow}
	h.list.ExtendBaseWidget(h.list)

	h.receipt = &widget.Button{Text: tr("Receipt"), Icon: theme.DocumentPrintIcon(), OnTapped: h.receiptTapped}
	h.check = &widget.Button{Text: tr("Check with the bank"), Icon: theme.ViewRefreshIcon(), OnTapped: h.checkTapped}
	h.placeHdr = container.NewCenter(&widget.Label{Text: tr("Choose a payment to see its details."), Importance: widget.LowImportance})
	h.detailBx = container.NewStack(h.placeHdr)

	top := container.NewVBox(container.NewBorder(nil, nil, nil, searchBtn, h.search),
		container.NewHBox(todayBtn, pendingBtn))
	left := container.NewBorder(container.NewVBox(top, h.heading), nil, nil, nil,
		container.NewStack(h.list, h.empty))
	split := container.NewHSplit(left, panel(colorCard, h.detailBx))
	split.Offset = 0.52
	h.root = container.NewPadded(split)
	return h
}

func (h *historyScreen) view() fyne.CanvasObject { return h.root }

func (h *historyScreen) shown()  { h.load() }
func (h *historyScreen) hidden() {}

func (h *historyScreen) searchSubmitted(string) { h.searchTapped() }

func (h *historyScreen) searchTapped() {
	h.query, h.pending = h.search.Text, false
	h.load()
}

func (h *historyScreen) todayTapped() {
	h.query, h.pending = "", false
	h.search.SetText("")
	h.load()
}

// unresolvedTapped lists the payments whose outcome is not known yet.
func (h *historyScreen) unresolvedTapped() {
	h.query, h.pending = "", true
	h.search.SetText("")
	h.load()
}

// load fetches today's payments or the search's from the engine.
func (h *historyScreen) load() {
	q, pending := h.query, h.pending
	h.u.goroutine(func(ctx context.Context) {
		var rows []pos.PaymentView
		var err error
		switch {
		case pending:
			rows, err = h.u.eng.Unresolved()
			if kids, kerr := h.u.eng.WithOpenChildren(); kerr == nil && err == nil { // issue 11
				rows = append(rows, kids...)
			}
		case q == "":
			rows, err = h.u.eng.Today()
		default:
			rows, err = h.u.eng.Search(q)
		}
		h.u.later(func() {
			if q != h.query || pending != h.pending {
				return
			}
			h.setRows(rows, err)
		})
	})
}

func (h *historyScreen) setRows(rows []pos.PaymentView, err error) {
	h.rows = rows
	switch {
	case err != nil:
		h.empty.SetText(errText(err))
		h.empty.Show()
	case len(rows) == 0 && h.pending:
		h.empty.SetText(tr("Every payment has a known result."))
		h.empty.Show()
	case len(rows) == 0 && h.query != "":
		h.empty.SetText(tr("Nothing found."))
		h.empty.Show()
	case len(rows) == 0:
		h.empty.SetText(tr("No payments yet today."))
		h.empty.Show()
	default:
		h.empty.Hide()
	}
	if h.pending {
		h.heading.SetText(tr("Unresolved") + " · " + countText(len(rows)))
	} else if h.query == "" {
		h.heading.SetText(tr("Today") + " · " + countText(len(rows)))
	} else {
		h.heading.SetText(tr("Search") + " “" + h.query + "” · " + countText(len(rows)))
	}
	h.list.UnselectAll()
	h.list.Refresh()
	if h.selected != "" {
		for i, r := range rows {
			if r.ClientOrderID == h.selected {
				h.showDetail(r)
				h.list.Select(i)
				return
			}
		}
	}
}

func countText(n int) string {
	return words.Count("{{.Count}} payments", n, current())
}

func (h *historyScreen) length() int { return len(h.rows) }

// historyRow is one line of the list: status bar, time, card, amount, status.
type historyRow struct {
	widget.BaseWidget
	bar    *box
	when   *widget.Label
	card   *widget.Label
	amount *widget.Label
	status *styledText
}

func newHistoryRow() *historyRow {
	r := &historyRow{
		bar:    newBox(colorMuted, 3),
		when:   &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}},
		card:   &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Truncation: fyne.TextTruncateEllipsis},
		amount: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignTrailing},
		status: text("", 15, true, colorMuted),
	}
	r.bar.Min = fyne.NewSize(6, 30)
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil,
		container.NewHBox(r.bar, fixedWidth(56, r.when)),
		container.NewHBox(fixedWidth(140, r.amount), fixedWidth(120, r.status)),
		r.card))
}

func (r *historyRow) set(v pos.PaymentView) {
	col := statusColor(v.Status)
	r.bar.SetColor(col)
	r.when.SetText(v.CreatedAt.Local().Format("15:04"))
	r.amount.SetText(money(v.Amount))
	kind := ""
	if v.Kind == pos.Preauth {
		kind = tr("Preauth (short)") + " · "
	}
	card := ""
	if v.MaskedPAN != "" {
		card = strings.TrimSpace(v.CardScheme + " •" + last4(v.MaskedPAN))
	}
	if v.Refunded.Minor > 0 { // issue 11: refunded in part or whole (the detail has the figures)
		card += " ↩"
	}
	r.card.SetText(kind + card)
	r.status.Text = statusText(v.Status)
	r.status.ColorName = col
	r.status.Refresh()
}

func (h *historyScreen) createItem() fyne.CanvasObject { return newHistoryRow() }

func (h *historyScreen) updateItem(i widget.ListItemID, o fyne.CanvasObject) {
	if i < len(h.rows) {
		o.(*historyRow).set(h.rows[i])
	}
}

func (h *historyScreen) selectedRow(i widget.ListItemID) {
	if i < len(h.rows) {
		h.showDetail(h.rows[i])
	}
}

// showDetail shows one payment and its journal events.
func (h *historyScreen) showDetail(v pos.PaymentView) {
	h.selected = v.ClientOrderID
	col := statusColor(v.Status)
	head := newStatusPanel(col, 10, container.NewVBox(
		text(statusText(v.Status)+" · "+kindText(v.Kind), 22, true, onColor(col)),
		text(money(v.Amount), 30, true, onColor(col))))
	what, todo := paymentReason(v)
	info := kv(
		[2]string{tr("Card"), joinNonEmpty(v.MaskedPAN, v.CardScheme)},
		[2]string{tr("What happened"), what},
		[2]string{tr("What to do"), todo},
		[2]string{tr("Approval code"), v.ApprovalCode},
		[2]string{tr("RRN"), v.RRN},
		[2]string{tr("Receipt id"), v.ReceiptID},
		[2]string{tr("Order id"), v.ClientOrderID},
		[2]string{tr("Bank order id"), v.PaynetOrderID},
		[2]string{tr("Terminal"), v.TerminalID},
		[2]string{tr("Cashier"), personText(h.u.eng, v.CashierID)}, // issue 13
		[2]string{tr("Created"), dateTime(v.CreatedAt)},
		[2]string{tr("Updated"), dateTime(v.UpdatedAt)},
	)
	h.evRows = v.Events
	events := container.NewVBox()
	for _, e := range v.Events {
		events.Add(&widget.Label{Text: eventLine(e), TextStyle: fyne.TextStyle{Monospace: true}, Wrapping: fyne.TextWrapWord})
	}
	if v.Final() {
		h.check.Hide()
	} else {
		h.check.Show()
	}
	buttons := container.NewHBox(h.receipt, h.check, layout.NewSpacer())
	evTitle := &widget.Label{Text: tr("Journal events"), TextStyle: fyne.TextStyle{Bold: true}}
	kids := h.childrenPart(v) // issue 11
	h.detailBx.Objects = []fyne.CanvasObject{container.NewVScroll(container.NewVBox(head.box, kids, info, buttons, evTitle, events))}
	h.detailBx.Refresh()
}

// openPayment shows the history with one payment's detail (from the
// result screen and after a refund, capture or release).
func (h *historyScreen) openPayment(id string) {
	h.selected, h.query, h.pending = id, "", false
	h.search.SetText("")
	if v, err := h.u.eng.Payment(id); err == nil {
		h.showDetail(v)
	}
	h.u.show(h)
}

// eventWords is THE table from a journal event's type to its words.
var eventWords = map[string]string{
	"intent":   "Payment started",
	"sent":     "Sent to the bank",
	"accepted": "Accepted by the bank",
	"final":    "Final answer",
	"unknown":  "Result unknown",
	"resolved": "Resolved",
	"alert":    "Alert",
	"override": "Manager override",
	"print":    "Receipt printed",
	"receipt":  "Receipt printed",
	// issue 11: captures, releases and refunds
	"child":          "Operation started",
	"child-accepted": "Operation accepted by the bank",
	"child-unknown":  "Operation result unknown",
	"child-final":    "Operation final answer",
}

// eventLine is one journal event of the detail view, in words.
func eventLine(e pos.Event) string {
	line := clock(e.At) + "  " + eventType(e.Type)
	if e.Status != "" {
		line += " → " + statusText(pos.StatusOf(e.Status))
	}
	if d := eventDetail(e); d != "" {
		line += "  " + d
	}
	return line
}

// eventType names an event's type.
func eventType(t string) string {
	if k, ok := eventWords[t]; ok {
		return tr(k)
	}
	return t
}

// eventDetail is what an event adds: its cause in words, a print's copy,
// an override's manager and reason, or an old journal's English text.
func eventDetail(e pos.Event) string {
	switch {
	case e.Reason.Cause != pos.CauseNone:
		what, _ := reasonText(e.Reason)
		return what
	case e.Copy != "":
		d := current().Text(string(e.Copy))
		if e.Duplicate {
			d += " · " + current().Text("DUPLICATE")
		}
		return d
	}
	return e.Detail
}

func (h *historyScreen) receiptTapped() {
	if h.selected == "" {
		return
	}
	h.u.receipt.open(h.selected, h)
	h.u.show(h.u.receipt)
}

// checkTapped asks the gateway for the selected payment's status.
func (h *historyScreen) checkTapped() {
	id := h.selected
	if id == "" {
		return
	}
	h.check.Disable()
	h.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		res, err := h.u.eng.Lookup(ctx, id)
		h.u.later(func() {
			h.check.Enable()
			if err != nil {
				h.empty.SetText(errText(err))
				return
			}
			if h.selected == id {
				h.showDetail(res.Payment)
			}
			h.load()
		})
	})
}
