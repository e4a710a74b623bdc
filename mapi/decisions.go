package mapi

import "time"

// This file holds, in one place, every choice MAPI.md marks as a "Decision"
// (where the public gateway documentation is silent), and the client defaults
// that follow from them, so that each can change when the full parameter
// tables are at hand.

// DecisionOAuthHeaderOnly: the client sends the oauth_* parameters in the
// Authorization header only, never in the body; VerifyOAuth accepts header
// and body copies without counting them twice (MAPI.md §2).
const DecisionOAuthHeaderOnly = true

// DecisionUnknownIsNotFailed: once any byte of a request may have reached the
// gateway (written, then a timeout, a reset, a 5xx, an unexpected HTTP status
// or an unparsable reply) the call fails with *UnknownError, never with
// "failed": the payment is resolved by Status with its client_orderid. Only an
// error before anything was written (*NotSentError), a validation-error/error
// reply or HTTP 403 (*RefusedError) mean "not charged" (MAPI.md §3).
const DecisionUnknownIsNotFailed = true

// DecisionOnlyForbiddenRefuses: among non-200 HTTP statuses only 403 (bad
// signature or control) is a refusal; any other status may come from a proxy
// in front of a gateway that did process the request, so it is unknown.
const DecisionOnlyForbiddenRefuses = true

// Gateway error codes (MAPI.md §3, §4, §8).
const (
	// CodeInvalid: an invalid or missing parameter (including card data
	// that cannot be decrypted).
	CodeInvalid = "1"
	// CodeDuplicate: the client_orderid was used already; the reply carries
	// the existing paynet-order-id. Kassa never resends a sale.
	CodeDuplicate = "2"
	// CodeNotFound: the gateway knows no such order (status), or no such
	// by-request-sn.
	CodeNotFound = "3"
	// CodeWrongState: the order is in the wrong state for the request
	// (already captured or released, parent not approved, hold expired, an
	// emv-advice for an order not at the EMV stage) (MAPI.md §8-§10).
	CodeWrongState = "4"
	// CodeAmountExceeds: the amount exceeds what is left to capture or
	// refund (MAPI.md §9).
	CodeAmountExceeds = "5"
	// CodePartialUnsupported: the gate does not allow partial operations
	// (MAPI.md §9).
	CodePartialUnsupported = "6"
)

// DecisionStatusWithoutOrderID: when the paynet-order-id is not known (the
// sale reply never arrived) the status request leaves orderid out and signs
// the control with an empty orderid (MAPI.md §4).
const DecisionStatusWithoutOrderID = true

// DecisionUnknownNotFinal: status "unknown" is not final; Kassa never charges
// again until it is resolved (MAPI.md §4). See Status.Final.
const DecisionUnknownNotFinal = true

// Close-day statuses (MAPI.md §5 decision): finished when done, processing
// while the gate is closing (ask again with the same request id), error
// otherwise.
const (
	CloseDayFinished   = "finished"
	CloseDayProcessing = "processing"
	CloseDayError      = "error"
)

// DefaultTimeout is the per-request timeout when Config.Timeout is zero
// (MAPI.md §8: the held test sale replies after 45 s, so 30 s makes it unknown).
const DefaultTimeout = 30 * time.Second

// DefaultIPAddress is sent as ipaddress when the counter PC's address is not
// known (MAPI.md §3, as the official SDK does).
const DefaultIPAddress = "127.0.0.1"

// SDKVersionPrefix prefixes Config.SDKVersion in the sdk-version field
// ("kassa-0.1.0"); DefaultSDKVersion is used when Config.SDKVersion is empty.
const (
	SDKVersionPrefix  = "kassa-"
	DefaultSDKVersion = "dev"
)

// Default order descriptions when PaymentRequest.Description is empty: the
// gateway documents order_desc as mandatory.
const (
	DefaultSaleDescription    = "Sale"
	DefaultPreauthDescription = "Preauth"
)

// DecisionSaleMissingStatus: a sale/preauth reply without status means
// processing (as the official PHP library assumes).
const DecisionSaleMissingStatus = StatusProcessing

// MaxCallbackSize caps a callback request: its request line and query
// (the gateway sends GET with query parameters) and any body.
const MaxCallbackSize = 16 << 10

// DecisionCallbackStatuses: a callback must carry one of the six order
// statuses; anything else is malformed (400).
const DecisionCallbackStatuses = true

// MaxCommentLength caps the comment of a return (String 50, MAPI.md §9).
const MaxCommentLength = 50

// Default comments of a return when ReturnRequest.Comment is empty (the
// comment is always sent, MAPI.md §9).
const (
	DefaultRefundComment  = "refund"
	DefaultReleaseComment = "release"
)

// DecisionChildrenByPolling: a capture's or return's outcome comes from
// Status only (no callbacks for children, MAPI.md §9); Capture and Return
// return the gateway's acceptance with the serial-number to poll by.
const DecisionChildrenByPolling = true

// DecisionChildNeedsSerial: an accepted capture or return without a
// serial-number cannot be told apart from other children, so it is an
// *UnknownError, resolved by Status without by-request-sn (MAPI.md §9).
const DecisionChildNeedsSerial = true

// PartialEnabled is the value of gate-partial-capture and
// gate-partial-reversal when the gate allows partial operations (MAPI.md §9).
const PartialEnabled = "enabled"

// DefaultHoldPeriod is how long an approved preauth can be captured or
// released unless configured otherwise (MAPI.md §9 decision: the docs say
// holds usually last 7 days on debit and 28 on credit cards); HoldWarning is
// how long before the end Kassa warns.
const (
	DefaultHoldPeriod = 7 * 24 * time.Hour
	HoldWarning       = 2 * 24 * time.Hour
)

// AdviceResendWindow: Kassa resends the same emv-advice on a transport error
// until this long after the EMV stage began; the gateway reverses an order
// whose advice has not come by then (MAPI.md §10 decision; the vendor SDK
// retries for 120 s).
const AdviceResendWindow = 60 * time.Second
