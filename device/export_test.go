package device

// Test helpers shared with the external tests (package device_test).
var (
	AssertNoCardData = assertNoCardData
	NextState        = nextState
	GoldenBlob       = goldenBlob
	GoldenSwipeView  = goldenSwipeView
	ViewOf           = viewOf
)
