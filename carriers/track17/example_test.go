package track17_test

import (
	"fmt"
	"net/http"
	"time"

	"returns-station/carriers/track17"
)

func ExampleSign() {
	body := []byte(`{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":"RMA-1001","track_info":{"latest_status":{"status":"Delivered","sub_status":"Delivered_Other"}}}}`)
	fmt.Println(track17.Sign(body, "17t-security-key"))
	// Output: e9d5f3bf8ef84d98d7bcbe80937a485a9503fc94dec2e84cf98d881624bc2676
}

func ExampleStatus() {
	fmt.Println(track17.Status("InTransit", "InTransit_CustomsProcessing"))
	fmt.Println(track17.Status("Exception", "Exception_Returned"))
	fmt.Println(track17.Status("Exception", "Exception_Cancel"))
	fmt.Println(track17.Status("DeliveryFailure", "DeliveryFailure_NoBody"))
	// Output:
	// in_transit
	// return_to_sender
	// cancelled
	// delivery_failed
}

func ExampleHook_Receive() {
	hook, err := track17.New([]string{"17t-security-key"})
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte(`{"event":"TRACKING_UPDATED","data":{"number":"EA123456785CN","carrier":0,"track_info":{` +
		`"latest_status":{"status":"OutForDelivery","sub_status":"OutForDelivery_Other"},` +
		`"latest_event":{"time_iso":"2026-01-02T08:30:00+08:00","time_utc":"2026-01-02T00:30:00Z","description":"派送中","location":"杭州"}}}}`)
	header := http.Header{}
	header.Set(track17.Header, track17.Sign(body, "17t-security-key"))

	ups, err := hook.Receive(header, body, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	u := ups[0]
	fmt.Println(u.Tracking, u.Carrier, u.Status, u.OccurredAt)
	fmt.Println(u.DedupKey)
	// Output:
	// EA123456785CN EMS out_for_delivery 2026-01-02 00:30:00 +0000 UTC
	// track17:EA123456785CN|2026-01-02T00:30:00Z|OutForDelivery|OutForDelivery_Other
}
