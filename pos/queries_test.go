package pos

import (
	"testing"

	"kassa/mapi/sandbox"
)

func TestSearchAndToday(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	e := startEngine(t, testConfig(t, sb.URL, callbackAndPo))
	v1 := pay(t, e, cardVisa, 1042)
	v2 := pay(t, e, cardMC, 777)
	today, err := e.Today()
	if err != nil || len(today) != 2 || today[0].ClientOrderID != v2.ClientOrderID {
		t.Fatalf("today %v %v", len(today), err)
	}
	for q, want := range map[string]string{"10.42": v1.ClientOrderID, "4444": v2.ClientOrderID, v1.ClientOrderID: v1.ClientOrderID, v2.PaynetOrderID: v2.ClientOrderID} {
		got, err := e.Search(q)
		if err != nil || len(got) != 1 || got[0].ClientOrderID != want {
			t.Errorf("Search(%q) = %d results, %v", q, len(got), err)
		}
	}
}
