package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"kassa/mapi/money"
	"kassa/pos"
	"kassa/pos/receipt"
	"kassa/store"
)

// Issue 13: kassa report x|z.

func init() { register(reportCommands().command()) }

// reportCommands is kassa report's table.
func reportCommands() *group {
	return &group{name: "report", summary: "the X report (day so far) and past Z reports (close days)", noun: "report", width: 36,
		synopsis: "<x|z> [flags]",
		subs: []subcommand{
			{"x", "[--json]", "the open day so far: totals per currency and card scheme,\n" +
				"approved, declined, failed, unknown, refunds, captures, open holds", reportX},
			{"z", "[--list | --batch ID] [--json]", "past close days: the list (--list), one of them (--batch ID,\n" +
				"printed as a COPY), or without a flag the latest one", reportZ},
		},
		tail: "\nBoth read the journal (--journal PATH, --demo as kassa journal) and send nothing to the bank.\n"}
}

// reportConfig is the terminal's configuration for the report's header
// and currency; without one, the report still prints (no merchant).
func reportConfig(demo bool) pos.Config {
	cfg, err := pos.LoadConfig(demo)
	if err != nil {
		return pos.Config{Demo: demo}
	}
	return cfg
}

func reportX(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := toolFlags("report", "x", "x [--json]", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object")
	return toolJournal(fs, jf, args, stderr, nil, func(j *store.Journal) int {
		cfg := reportConfig(jf.demo)
		x, err := pos.XReportOf(j, cfg.Currency)
		if err != nil {
			fmt.Fprintln(stderr, "kassa report x:", err)
			return 1
		}
		x.Demo = jf.demo
		if *asJSON {
			return printJSON(stdout, xJSONOf(x))
		}
		fmt.Fprint(stdout, xReceipt(cfg, x).Text())
		return 0
	})
}

// xReceipt is the printable X report with the terminal's merchant details.
func xReceipt(cfg pos.Config, x pos.XReport) receipt.XReport {
	r := receipt.XReport{Merchant: cfg.Merchant.Name, TerminalID: cfg.TerminalID, Cashier: pos.CLIUser(),
		Since: x.Since, At: x.At, ChainHead: x.ChainHead, Demo: x.Demo}
	if r.Merchant == "" {
		r.Merchant = cfg.TerminalName
	}
	for _, t := range x.Currencies {
		c := receipt.XCurrency{Currency: t.Currency, Totals: receipt.Totals{SaleCount: t.Totals.SaleCount, SaleSum: t.Totals.SaleSum.Minor,
			ReversalCount: t.Totals.ReversalCount, ReversalSum: t.Totals.ReversalSum.Minor,
			PreauthCount: t.Totals.PreauthCount, PreauthSum: t.Totals.PreauthSum.Minor},
			Approved: t.Approved, Declined: t.Declined, Failed: t.Failed, Unknown: t.Unknown,
			Refunds: t.Refunds, Captures: t.Captures, OpenHolds: t.OpenHolds}
		for _, s := range t.Schemes {
			c.Schemes = append(c.Schemes, receipt.SchemeLine{Scheme: pos.SchemeLabel(s.Scheme), Count: s.Count, Sum: s.Sum.Minor})
		}
		r.Currencies = append(r.Currencies, c)
	}
	return r
}

// xJSON is `kassa report x --json`: amounts as exact decimal strings in
// major units, counts as numbers.
type xJSON struct {
	Mode       string          `json:"mode,omitempty"`
	At         time.Time       `json:"at"`
	Since      *time.Time      `json:"since,omitempty"`
	ChainHead  string          `json:"chain_head"`
	Currencies []xCurrencyJSON `json:"currencies"`
}

type xCurrencyJSON struct {
	Currency      string       `json:"currency"`
	SaleCount     int64        `json:"sale_count"`
	SaleSum       string       `json:"sale_sum"`
	ReversalCount int64        `json:"reversal_count"`
	ReversalSum   string       `json:"reversal_sum"`
	PreauthCount  int64        `json:"preauth_count"`
	PreauthSum    string       `json:"preauth_sum"`
	Approved      int64        `json:"approved_count"`
	Declined      int64        `json:"declined_count"`
	Failed        int64        `json:"failed_count"`
	Unknown       int64        `json:"unknown_count"`
	Refunds       int64        `json:"refund_count"`
	Captures      int64        `json:"capture_count"`
	OpenHolds     int64        `json:"open_hold_count"`
	Schemes       []schemeJSON `json:"schemes"`
}

type schemeJSON struct {
	Scheme string `json:"scheme"`
	Count  int64  `json:"count"`
	Sum    string `json:"sum"`
}

func xJSONOf(x pos.XReport) xJSON {
	out := xJSON{At: x.At, ChainHead: x.ChainHead, Currencies: []xCurrencyJSON{}}
	if x.Demo {
		out.Mode = "DEMO"
	}
	if !x.Since.IsZero() {
		out.Since = &x.Since
	}
	for _, t := range x.Currencies {
		c := xCurrencyJSON{Currency: t.Currency, SaleCount: t.Totals.SaleCount, SaleSum: major(t.Totals.SaleSum),
			ReversalCount: t.Totals.ReversalCount, ReversalSum: major(t.Totals.ReversalSum),
			PreauthCount: t.Totals.PreauthCount, PreauthSum: major(t.Totals.PreauthSum),
			Approved: t.Approved, Declined: t.Declined, Failed: t.Failed, Unknown: t.Unknown,
			Refunds: t.Refunds, Captures: t.Captures, OpenHolds: t.OpenHolds, Schemes: []schemeJSON{}}
		for _, s := range t.Schemes {
			c.Schemes = append(c.Schemes, schemeJSON{Scheme: s.Scheme.String(), Count: s.Count, Sum: major(s.Sum)})
		}
		out.Currencies = append(out.Currencies, c)
	}
	return out
}

func major(a pos.Amount) string { return money.FormatMinor(a.Minor, a.Currency) }

func printJSON(w io.Writer, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return 1
	}
	fmt.Fprintln(w, string(b))
	return 0
}

// zJSON is one close day in `kassa report z --json`.
type zJSON struct {
	RequestID     string           `json:"request_id"`
	Status        string           `json:"status"`
	At            time.Time        `json:"at"`
	Currency      string           `json:"currency"`
	SaleCount     int64            `json:"sale_count"`
	SaleSum       string           `json:"sale_sum"`
	ReversalCount int64            `json:"reversal_count"`
	ReversalSum   string           `json:"reversal_sum"`
	BankSaleCount int64            `json:"bank_sale_count"`
	BankSaleSum   string           `json:"bank_sale_sum"`
	Agree         bool             `json:"agree"`
	Differences   []pos.Difference `json:"differences"`
	ChainHead     string           `json:"chain_head"`
	ClosedBy      string           `json:"closed_by,omitempty"`
	Payments      int              `json:"payments"`
	// The day's counts and split by card scheme (one close day only).
	Counts *xCurrencyJSON `json:"counts,omitempty"`
}

func zJSONOf(z pos.PastZ) zJSON {
	r := z.Report
	d := r.Differences
	if d == nil {
		d = []pos.Difference{}
	}
	return zJSON{RequestID: r.RequestID, Status: r.Status.String(), At: r.At, Currency: r.Ours.Currency,
		SaleCount: r.Ours.SaleCount, SaleSum: major(r.Ours.SaleSum), ReversalCount: r.Ours.ReversalCount,
		ReversalSum: major(r.Ours.ReversalSum), BankSaleCount: r.Theirs.SaleCount, BankSaleSum: major(r.Theirs.SaleSum),
		Agree: r.Agree, Differences: d, ChainHead: r.ChainHead, ClosedBy: z.ClosedBy, Payments: z.Payments}
}

func reportZ(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, jf := toolFlags("report", "z", "z [--list | --batch ID] [--json]", stderr)
	list := fs.Bool("list", false, "list every past close day")
	batch := fs.String("batch", "", "show the close day with this request `ID` (as a COPY)")
	asJSON := fs.Bool("json", false, "print JSON")
	return toolJournal(fs, jf, args, stderr, func() (int, bool) {
		return usageUnless(fs, fs.NArg() == 0 && !(*list && *batch != ""))
	}, func(j *store.Journal) int {
		zs, err := pos.PastZReportsOf(j)
		if err != nil {
			fmt.Fprintln(stderr, "kassa report z:", err)
			return 1
		}
		if *list {
			return zList(stdout, zs, *asJSON)
		}
		return zOne(j, stdout, stderr, zs, *batch, *asJSON, reportConfig(jf.demo))
	})
}

func zList(stdout io.Writer, zs []pos.PastZ, asJSON bool) int {
	if asJSON {
		out := make([]zJSON, 0, len(zs))
		for _, z := range zs {
			out = append(out, zJSONOf(z))
		}
		return printJSON(stdout, out)
	}
	if len(zs) == 0 {
		fmt.Fprintln(stdout, "No close days yet.")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tREQUEST\tSTATUS\tSALES\tSUM\tBANK SALES\tBANK SUM\tDIFFERENCES\tCLOSED BY\tCHAIN HEAD")
	for _, z := range zs {
		r := z.Report
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s %s\t%d\t%s\t%d\t%s\t%s\n", r.At.Local().Format("2006-01-02 15:04"), r.RequestID,
			r.Status, r.Ours.SaleCount, major(r.Ours.SaleSum), r.Ours.Currency, r.Theirs.SaleCount, major(r.Theirs.SaleSum),
			len(r.Differences), journalDash(z.ClosedBy), shortHead(r.ChainHead))
	}
	_ = tw.Flush()
	return 0
}

func shortHead(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return journalDash(h)
}

func zOne(j *store.Journal, stdout, stderr io.Writer, zs []pos.PastZ, id string, asJSON bool, cfg pos.Config) int {
	var z *pos.PastZ
	for i := range zs {
		if id == "" || zs[i].Report.RequestID == id {
			z = &zs[i]
			break
		}
	}
	if z == nil {
		if id == "" {
			fmt.Fprintln(stderr, "kassa report z: no close day yet")
		} else {
			fmt.Fprintf(stderr, "kassa report z: no close day %q (kassa report z --list)\n", id)
		}
		return 1
	}
	if asJSON {
		out := zJSONOf(*z)
		if b, err := j.Batch(z.Report.RequestID); err == nil {
			if full, err := pos.PastZReportOf(j, b); err == nil && full.Tally != nil {
				c := xJSONOf(pos.XReport{Currencies: []pos.Tally{*full.Tally}}).Currencies[0]
				out.Counts = &c
			}
		}
		return printJSON(stdout, out)
	}
	r := pos.ZReceiptOf(cfg, z.Report)
	r.Copy = true
	fmt.Fprint(stdout, r.Text())
	return 0
}
