package mapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

const testTemplate = "E3819A4F07A0000000031010500456495341"

// The advice goes to /mapi/v1/emv-advice OAuth-signed with the §10 fields.
func TestEMVAdviceRequest(t *testing.T) {
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		if err := VerifyOAuthURL(r.Method, "http://"+r.Host+r.URL.Path, r.Header.Get("Authorization"), form, testLogin, testKey); err != nil {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		reply(w, [2]string{"type", "async-response"}, [2]string{"serial-number", "sn-adv"},
			[2]string{"merchant-order-id", form.Get("client_orderid")}, [2]string{"paynet-order-id", form.Get("orderid")},
			[2]string{"status", "processing"})
	})
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	a, err := c.EMVAdvice(context.Background(), AdviceRequest{ClientOrderID: "CID-1", PaynetOrderID: "4242", Template: testTemplate})
	if err != nil {
		t.Fatal(err)
	}
	if a.SerialNumber != "sn-adv" || a.PaynetOrderID != "4242" || a.Status != StatusProcessing {
		t.Errorf("accepted %+v", a)
	}
	r, form := g.last()
	want := url.Values{"login": {testLogin}, "client_orderid": {"CID-1"}, "orderid": {"4242"},
		"encrypted-type": {"miura"}, "encrypted-data": {testTemplate}}
	if r.URL.Path != "/paynet/mapi/v1/emv-advice/1111" || !reflect.DeepEqual(form, want) {
		t.Errorf("%s sent %v, want %v", r.URL.Path, form, want)
	}
}

func TestEMVAdviceErrors(t *testing.T) {
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		switch form.Get("client_orderid") {
		case "resent":
			reply(w, [2]string{"type", "validation-error"}, [2]string{"error-message", "not at the EMV stage"}, [2]string{"error-code", "4"})
		case "other":
			reply(w, [2]string{"type", "async-response"}, [2]string{"paynet-order-id", "1"})
		default:
			http.Error(w, "down", 503)
		}
	})
	c := newTestClient(t, g.srv.URL+"/paynet", quietLog())
	ctx := context.Background()
	for _, tt := range []struct {
		req  AdviceRequest
		want string
	}{
		{AdviceRequest{PaynetOrderID: "1", Template: testTemplate}, "not-sent"},
		{AdviceRequest{ClientOrderID: "x", Template: testTemplate}, "not-sent"},
		{AdviceRequest{ClientOrderID: "x", PaynetOrderID: "1"}, "not-sent"},
		{AdviceRequest{ClientOrderID: "resent", PaynetOrderID: "1", Template: testTemplate}, "refused"},
		{AdviceRequest{ClientOrderID: "other", PaynetOrderID: "2", Template: testTemplate}, "unknown"},
		{AdviceRequest{ClientOrderID: "down", PaynetOrderID: "2", Template: testTemplate}, "unknown"},
	} {
		_, err := c.EMVAdvice(ctx, tt.req)
		if got := outcome(err); got != tt.want {
			t.Errorf("%+v: %v (%s), want %s", tt.req, err, got, tt.want)
		}
		var re *RefusedError
		if tt.want == "refused" && (!errors.As(err, &re) || !re.WrongState()) {
			t.Errorf("code 4 not WrongState: %v", err)
		}
	}
}

func emvReply(extra ...[2]string) url.Values {
	v := url.Values{"type": {"status-response"}, "status": {"processing"}, "currency": {"RUB"}, "amount": {"10.50"},
		"order-stage": {"sale_emv_validating"}, "auth-response-code": {"00"},
		"emv-issuer-response": {"910A48AAD066D5116B8B3030"}, "emv-terminal-aid-9f06": {"A0000000031010"},
		"emv-app-label-50": {"56495341"}, "emv-tvr-95": {"0000000000"}, "emv-cvm-9f34": {"1F0302"},
		"emv-pan-sequence-5f34": {"01"}, "emv-cid-9f27": {"80"}, "emv-app-cryptogram-9f26": {"6173C4BA994F78A6"}}
	for _, kv := range extra {
		if kv[1] == "" {
			v.Del(kv[0])
		} else {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// The §10 status fields, typed where they are enumerations.
func TestStatusEMVFields(t *testing.T) {
	req := StatusRequest{ClientOrderID: "CID-1"}
	r, err := parseStatus(emvReply(), req)
	if err != nil {
		t.Fatal(err)
	}
	h := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	want := &EMVFields{AID: h("A0000000031010"), AppLabel: "VISA", TVR: h("0000000000"), CVMResults: h("1F0302"),
		PANSequence: h("01"), CID: CIDARQC, Cryptogram: h("6173C4BA994F78A6")}
	if r.Stage != StageEMVValidating || !r.AuthResponseCode.Approved() || !bytes.Equal(r.IssuerResponse, h("910A48AAD066D5116B8B3030")) ||
		!reflect.DeepEqual(r.EMV, want) {
		t.Errorf("stage %v arc %q issuer %X emv %+v", r.Stage, r.AuthResponseCode, r.IssuerResponse, r.EMV)
	}
	for stage, want := range map[string]OrderStage{"sale_emv_validating": StageEMVValidating, "auth_emv_validating": StageEMVValidating,
		"auth_card_chip_validating": StageEMVValidating, "sale_approved": StageOther, "": StageNone} {
		r, err := parseStatus(emvReply([2]string{"order-stage", stage}), req)
		if err != nil || r.Stage != want {
			t.Errorf("%q: %v %v", stage, r.Stage, err)
		}
	}
	for cid, want := range map[string]CryptogramKind{"00": CIDAAC, "40": CIDTC, "80": CIDARQC, "C0": CIDReserved, "41": CIDTC, "": CIDNone} {
		r, err := parseStatus(emvReply([2]string{"emv-cid-9f27", cid}), req)
		if err != nil || r.EMV.CID != want {
			t.Errorf("cid %q: %v %v", cid, r.EMV, err)
		}
	}
	if r, err := parseStatus(url.Values{"type": {"status-response"}, "status": {"approved"}}, req); err != nil || r.EMV != nil || r.IssuerResponse != nil {
		t.Errorf("swipe reply: %+v %v", r, err)
	}
	for name, bad := range map[string][2]string{
		"odd hex":          {"emv-issuer-response", "910"},
		"not hex":          {"emv-tvr-95", "zz00000000"},
		"short tvr":        {"emv-tvr-95", "00"},
		"long cryptogram":  {"emv-app-cryptogram-9f26", "6173C4BA994F78A600"},
		"short aid":        {"emv-terminal-aid-9f06", "A000"},
		"label not text":   {"emv-app-label-50", "0001"},
		"two-byte cid":     {"emv-cid-9f27", "8000"},
		"long arc":         {"auth-response-code", "000"},
		"arc symbols":      {"auth-response-code", "0!"},
		"issuer too large": {"emv-issuer-response", string(bytes.Repeat([]byte("00"), 513))},
	} {
		if _, err := parseStatus(emvReply(bad), req); outcome(err) != "unknown" {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, tt := range []struct{ got, want string }{
		{StageNone.String(), "none"}, {StageEMVValidating.String(), "emv-validating"}, {StageOther.String(), "other"},
		{CIDAAC.String(), "AAC"}, {CIDTC.String(), "TC"}, {CIDARQC.String(), "ARQC"}, {CIDReserved.String(), "RFU"}, {CIDNone.String(), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("%q, want %q", tt.got, tt.want)
		}
	}
}

// FuzzEMVStatus: arbitrary §10 field values never panic; a result holds
// exactly what its reply said, in the lengths §10 allows.
func FuzzEMVStatus(f *testing.F) {
	f.Add("sale_emv_validating", "00", "910A48AAD066D5116B8B3030", "A0000000031010", "56495341", "0000000000", "1F0302", "01", "80", "6173C4BA994F78A6")
	f.Add("auth_card_chip_validating", "05", "910AD258A6B806EC5CDB3035", "A0000006581010", "4D4952", "8000000000", "420300", "01", "40", "B388BBEDD872DB3C")
	f.Add("sale_approved", "Z1", "", "", "", "", "", "", "00", "")
	f.Add("", "0", "9", "A0", "00", "zz", "1F03", "0101", "8080", "00")
	f.Fuzz(func(t *testing.T, stage, arc, issuer, aid, label, tvr, cvm, psn, cid, ac string) {
		v := emvReply([2]string{"order-stage", stage}, [2]string{"auth-response-code", arc}, [2]string{"emv-issuer-response", issuer},
			[2]string{"emv-terminal-aid-9f06", aid}, [2]string{"emv-app-label-50", label}, [2]string{"emv-tvr-95", tvr},
			[2]string{"emv-cvm-9f34", cvm}, [2]string{"emv-pan-sequence-5f34", psn}, [2]string{"emv-cid-9f27", cid},
			[2]string{"emv-app-cryptogram-9f26", ac})
		body := encodeValues(v)
		parsed, err := ParseReply(body)
		if err != nil {
			return
		}
		r, err := parseStatus(parsed, StatusRequest{ClientOrderID: "CID-1"})
		if err != nil {
			if !IsUnknown(err) {
				t.Fatalf("error of the wrong type: %v", err)
			}
			return
		}
		if r.Stage != ParseOrderStage(parsed.Get("order-stage")) || len(r.AuthResponseCode) != 0 && len(r.AuthResponseCode) != 2 {
			t.Fatalf("stage %v / arc %q", r.Stage, r.AuthResponseCode)
		}
		if e := r.EMV; e != nil {
			if e.TVR != nil && len(e.TVR) != 5 || e.CVMResults != nil && len(e.CVMResults) != 3 || e.Cryptogram != nil && len(e.Cryptogram) != 8 ||
				len(e.AID) > 16 || len(e.AppLabel) > 16 || e.PANSequence != nil && len(e.PANSequence) != 1 {
				t.Fatalf("lengths %+v", e)
			}
			if got := hex.EncodeToString(e.Cryptogram); parsed.Get("emv-app-cryptogram-9f26") != "" && !equalFoldHex(got, parsed.Get("emv-app-cryptogram-9f26")) {
				t.Fatalf("cryptogram %s from %q", got, parsed.Get("emv-app-cryptogram-9f26"))
			}
		}
	})
}

func encodeValues(v url.Values) []byte {
	var kv [][2]string
	for k, vs := range v {
		for _, x := range vs {
			kv = append(kv, [2]string{k, x})
		}
	}
	return EncodeReply(kv)
}

func equalFoldHex(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }
