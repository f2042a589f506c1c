package aftership_test

import (
	"fmt"
	"net/http"
	"time"

	"returns-station/carriers/aftership"
)

func ExampleSign() {
	body := []byte(`{"event":"tracking_update","event_id":"0b6f2c1e-8d1a-4c7e-9a55-3f1e2d4c5b6a","is_tracking_first_tag":false,"msg":{"tracking_number":"YT2412345678901","slug":"yunexpress","tag":"Delivered"},"ts":1767225600}`)
	fmt.Println(aftership.Sign(body, "as-secret-123"))
	// Output: US4jyXIq5A3iFkJIp8CJz7FNB6j453Ku0oTiE6dd3nI=
}

func ExampleStatus() {
	fmt.Println(aftership.Status("OutForDelivery", "OutForDelivery_001", false))
	fmt.Println(aftership.Status("Expired", "Expired_001", false))
	fmt.Println(aftership.Status("Exception", "Exception_004", false))
	fmt.Println(aftership.Status("Exception", "Exception_011", true))
	// Output:
	// out_for_delivery
	// exception
	// exception
	// return_to_sender
}

func ExampleHook_Receive() {
	hook, err := aftership.New([]string{"as-secret-123"})
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte(`{"event":"tracking_update","event_id":"7c1d2e3f-0000-4000-8000-000000000001","ts":1767232800,` +
		`"msg":{"tracking_number":"SF1234567890123","slug":"sf-express","tag":"AvailableForPickup","subtag":"AvailableForPickup_001",` +
		`"checkpoints":[{"checkpoint_time":"2026-01-01T09:45:00","country_iso3":"CHN","city":"Hangzhou","message":"In the locker"}]}}`)
	header := http.Header{}
	header.Set(aftership.Header, aftership.Sign(body, "as-secret-123"))

	ups, err := hook.Receive(header, body, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	u := ups[0]
	fmt.Println(u.Tracking, u.Carrier, u.Status, u.OccurredAt, u.Location)
	// Output: SF1234567890123 SF available_for_pickup 2026-01-01 01:45:00 +0000 UTC Hangzhou, CHN
}
