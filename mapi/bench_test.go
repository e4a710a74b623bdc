package mapi

import (
	"net/url"
	"testing"
)

var benchReply = EncodeReply([][2]string{
	{"type", "status-response"}, {"status", "approved"}, {"amount", "10.50"}, {"currency", "RUB"},
	{"paynet-order-id", "4242"}, {"merchant-order-id", "6f1c1c0e-0d7e-4a8e-9d0b-3f1a2b3c4d5e"},
	{"serial-number", "00000000-0000-0000-0000-0000005b2a8a"}, {"last-four-digits", "1111"}, {"bin", "411111"},
	{"card-type", "VISA"}, {"approval-code", "242805"}, {"processor-rrn", "510321889824"},
	{"order-stage", "sale_approved"}, {"paynet-processing-date", "2026-11-25 17:14:26 MSK"},
})

// BenchmarkParseReply is measured against BenchmarkParseQueryBaseline, the
// standard library's form decoder on the same bytes.
func BenchmarkParseReply(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReply(benchReply); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseQueryBaseline decodes the same reply with url.ParseQuery
// (without trimming): the baseline for BenchmarkParseReply.
func BenchmarkParseQueryBaseline(b *testing.B) {
	b.ReportAllocs()
	s := string(benchReply)
	for b.Loop() {
		if _, err := url.ParseQuery(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOAuthSign signs the MAPI.md §2 sale.
func BenchmarkOAuthSign(b *testing.B) {
	b.ReportAllocs()
	p := checkBody()
	for b.Loop() {
		OAuthSign("POST", "https://sandbox.payneteasy.com/paynet/mapi/v1/sale/1111", p, "merchantlogin", checkKey, "y3qlvMPky7g", 1669966913)
	}
}
