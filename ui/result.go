package ui

import (
	"context"
	"fmt"
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

// resultScreen shows how a payment ended: approved (green), declined or
// failed (red), or unknown (amber: do not charge again). An unknown payment
// keeps being resolved by the engine in the background; the screen follows
// it and changes by itself when the answer comes.
type resultScreen struct {
	u *UI

	view_    pos.PaymentView // the payment shown (ClientOrderID "" if none started)
	watching chan struct{}   // closed to stop watching an unknown payment

	header   *statusPanel
	scroll   *container.Scroll // a new result starts at its top
	icon     *widget.Icon
	title    *styledText
	amount   *styledText
	details  *fyne.Container
	reason   *widget.Label
	advice   *widget.Label
	checking *fyne.Container
	spinner  *widget.Activity

	newBtn     *widget.Button
	receiptBtn *widget.Button
	detailsBtn *widget.Button // the payment's detail: refund, capture, release (issue 11)
	checkBtn   *widget.Button
	bar        *printBar // receipts printed after the approval

	root fyne.CanvasObject
}

func newResultScreen(u *UI) *resultScreen {
	r := &resultScreen{
		u:       u,
		icon:    widget.NewIcon(theme.ConfirmIcon()),
		title:   text("", 44, true, colorOnStatus),
		amount:  text("", 34, true, colorOnStatus),
		details: container.NewStack(),
		reason:  &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText},
		advice:  &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameSubHeadingText},
		spinner: widget.NewActivity(),
		bar:     newPrintBar(u),
	}
	r.newBtn = &widget.Button{Text: tr("New payment (Enter)"), Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: r.newTapped}
	r.receiptBtn = &widget.Button{Text: tr("Receipt"), Icon: theme.DocumentPrintIcon(), OnTapped: r.receiptTapped}
	r.detailsBtn = &widget.Button{Text: tr("Refund, capture…"), Icon: theme.ListIcon(), OnTapped: r.detailsTapped}
	r.checkBtn = &widget.Button{Text: tr("Check with the bank now"), Icon: theme.ViewRefreshIcon(), OnTapped: r.checkTapped}
	r.checking = container.NewHBox(container.NewGridWrap(fyne.NewSquareSize(28), r.spinner),
		&widget.Label{Text: tr("Kassa keeps checking with the bank; this screen changes by itself."), SizeName: theme.SizeNameSubHeadingText})

	head := container.NewBorder(nil, nil,
		container.NewGridWrap(fyne.NewSquareSize(96), r.icon), nil,
		container.NewVBox(r.title, r.amount))
	r.header = newStatusPanel(colorApproved, 14, container.NewPadded(head))

	buttons := container.NewHBox(layout.NewSpacer(),
		fixedHeight(56, r.checkBtn), fixedHeight(56, r.detailsBtn), fixedHeight(56, r.receiptBtn), fixedHeight(56, r.newBtn))
	body := container.NewVBox(
		r.header.box,
		container.NewPadded(container.NewVBox(r.reason, r.advice, r.checking)),
		r.details,
	)
	r.scroll = container.NewVScroll(container.NewPadded(body))
	r.root = container.NewPadded(container.NewBorder(nil, container.NewVBox(r.bar.view(), buttons), nil, nil, r.scroll))
	return r
}

func (r *resultScreen) view() fyne.CanvasObject { return r.root }

func (r *resultScreen) hidden() { r.stopWatching() }

// shown: back on an unknown payment (e.g. from its receipt), follow it
// again.
func (r *resultScreen) shown() {
	if r.view_.ClientOrderID != "" && !r.view_.Final() {
		r.watch(r.view_.ClientOrderID)
	}
}

// showPayment shows a payment that reached the journal.
func (r *resultScreen) showPayment(v pos.PaymentView, err error) {
	if r.bar.id != v.ClientOrderID {
		r.bar.reset(v.ClientOrderID, "")
		r.scroll.ScrollToTop()
	}
	r.view_ = v
	status := v.Status
	if !status.Final() {
		status = pos.StatusUnknown // in flight or unknown: do not charge again
	}
	r.setHeader(status, words.Title(current(), status), money(v.Amount)+"  ·  "+kindText(v.Kind))

	reason, advice := paymentReason(v)
	if reason == "" && err != nil && status != pos.StatusApproved {
		reason, advice = errText(err), errAdvice(err)
	}
	if status == pos.StatusUnknown && advice == "" {
		advice = tr("Do not charge the customer again. Kassa keeps checking with the bank.")
	}
	r.reason.SetText(reason)
	r.advice.SetText(advice)

	rows := append([][2]string{{tr("Card"), joinNonEmpty(v.MaskedPAN, v.CardScheme)}}, chipRows(v.Card)...)
	r.details.Objects = []fyne.CanvasObject{kv(append(rows,
		[2]string{tr("Approval code"), v.ApprovalCode},
		[2]string{tr("RRN"), v.RRN},
		[2]string{tr("Reference"), shortRef(v.ClientOrderID)},
		[2]string{tr("Time"), dateTime(v.CreatedAt)},
	)...)}
	r.details.Refresh()

	r.receiptBtn.Show()
	if status == pos.StatusApproved {
		r.detailsBtn.Show()
	} else {
		r.detailsBtn.Hide()
	}
	if status == pos.StatusUnknown {
		r.checking.Show()
		r.spinner.Start()
		r.checkBtn.Show()
		r.watch(v.ClientOrderID)
	} else {
		r.checking.Hide()
		r.spinner.Stop()
		r.checkBtn.Hide()
		r.stopWatching()
	}
}

// shortRef is the short reference of an order id that the result screen
// shows (the receipt and the history keep the whole id): its first eight
// characters, in capitals.
func shortRef(id string) string {
	if len(id) > 8 {
		id = id[:8]
	}
	return strings.ToUpper(id)
}

// showNotStarted shows a payment the engine refused or could not start
// (reader missing, blocked, busy...): nothing was charged.
func (r *resultScreen) showNotStarted(kind pos.Kind, amount pos.Amount, err error) {
	r.view_ = pos.PaymentView{}
	r.bar.reset("", "")
	r.scroll.ScrollToTop()
	r.stopWatching()
	r.setHeader(pos.StatusFailed, tr("NOT STARTED — NOT CHARGED"), money(amount)+"  ·  "+kindText(kind))
	msg, advice := tr("The payment could not start."), tr("Check the reader and the connection, then try again.")
	if err != nil {
		msg = errText(err)
		if a := errAdvice(err); a != "" {
			advice = a
		}
	}
	r.reason.SetText(msg)
	r.advice.SetText(advice)
	r.details.Objects = nil
	r.details.Refresh()
	r.checking.Hide()
	r.spinner.Stop()
	r.checkBtn.Hide()
	r.receiptBtn.Hide()
	r.detailsBtn.Hide()
}

func (r *resultScreen) setHeader(status pos.Status, title, sub string) {
	col := statusColor(status)
	r.header.setColor(col)
	r.icon.SetResource(theme.NewColoredResource(iconFor(status), onColor(col)))
	r.title.ColorName, r.amount.ColorName = onColor(col), onColor(col)
	r.title.TextSize = titleSize(title)
	r.title.Text = title
	r.title.Refresh()
	r.amount.Text = sub
	r.amount.Refresh()
}

// titleSize is the result title's text size: as large as fits a 1024 px
// window (Russian titles run longer).
func titleSize(title string) float32 {
	switch n := len([]rune(title)); {
	case n <= 18:
		return 44
	case n <= 30:
		return 32
	}
	return 26
}

// update: an unknown payment shown here may resolve in a snapshot.
func (r *resultScreen) update(s pos.Snapshot) {
	if r.watching == nil || s.Payment == nil || s.Payment.ClientOrderID != r.view_.ClientOrderID {
		return
	}
	if s.Payment.Final() {
		r.showPayment(*s.Payment, nil)
	}
}

// watch polls the journal while an unknown payment is shown, in case the
// answer comes without a snapshot naming it (e.g. resolved by recovery).
func (r *resultScreen) watch(id string) {
	if r.watching != nil {
		return
	}
	stop := make(chan struct{})
	r.watching = stop
	r.u.goroutine(func(ctx context.Context) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			v, err := r.u.eng.Payment(id)
			if err != nil || !v.Final() {
				continue
			}
			r.u.later(func() {
				if r.watching == stop && r.view_.ClientOrderID == id {
					r.showPayment(v, nil)
				}
			})
			return
		}
	})
}

func (r *resultScreen) stopWatching() {
	if r.watching != nil {
		close(r.watching)
		r.watching = nil
	}
}

// checkTapped asks the gateway for the unknown payment's status now.
func (r *resultScreen) checkTapped() {
	id := r.view_.ClientOrderID
	if id == "" {
		return
	}
	r.checkBtn.Disable()
	r.u.goroutine(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		res, err := r.u.eng.Lookup(ctx, id)
		r.u.later(func() {
			r.checkBtn.Enable()
			if r.view_.ClientOrderID == id {
				r.checked(res, err)
			}
		})
	})
}

// checked says what "Check with the bank now" found, and when.
func (r *resultScreen) checked(res pos.LookupResult, err error) {
	at := res.CheckedAt
	if at.IsZero() {
		at = time.Now()
	}
	switch {
	case err == nil && res.Payment.Final():
		r.showPayment(res.Payment, nil)
	case err == nil && res.Answered:
		r.advice.SetText(fmt.Sprintf(tr("Checked with the bank at %s: the result is still unknown. Do not charge again."), clockMinutes(at)))
	case err == nil:
		r.advice.SetText(tr("The payment is still with the bank: wait for its answer. Do not charge again."))
	default:
		r.advice.SetText(fmt.Sprintf(tr("Could not check with the bank at %s: %s Kassa keeps trying."), clockMinutes(at), errText(err)))
	}
}

func (r *resultScreen) newTapped() { r.u.home() }

// detailsTapped opens the payment's detail (refund, capture, release).
func (r *resultScreen) detailsTapped() {
	if r.view_.ClientOrderID != "" {
		r.u.history.openPayment(r.view_.ClientOrderID)
	}
}

// autoPrint prints the copies the setting asks for after an approval.
func (r *resultScreen) autoPrint(v pos.PaymentView) {
	if v.Status == pos.StatusApproved {
		r.bar.print(v.ClientOrderID, "", autoCopies(r.u.eng.Config()))
	}
}

func (r *resultScreen) receiptTapped() {
	if r.view_.ClientOrderID == "" {
		return
	}
	r.u.receipt.open(r.view_.ClientOrderID, r.u.result)
	r.u.show(r.u.receipt)
}

// key: Enter or Esc starts a new payment.
func (r *resultScreen) key(k fyne.KeyName) {
	switch k {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape:
		r.newTapped()
	}
}

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += "  ·  "
		}
		out += p
	}
	return out
}
