package stdwebhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"returns-station/carriers/stdwebhook"
)

func ExampleSign() {
	sig, err := stdwebhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

func ExampleStatus() {
	fmt.Println(stdwebhook.Status("delivered", ""))                  // ours
	fmt.Println(stdwebhook.Status("ready_for_pickup", ""))           // karrio
	fmt.Println(stdwebhook.Status("AT", ""))                         // ShipEngine
	fmt.Println(stdwebhook.Status("TRANSIT", "out_for_delivery"))    // Shippo
	fmt.Println(stdwebhook.Status("FAILURE", "package_damaged"))     // Shippo
	fmt.Println(stdwebhook.Status("somewhere over the rainbow", "")) // nobody's
	// Output:
	// delivered
	// available_for_pickup
	// delivery_failed
	// out_for_delivery
	// exception
	// unknown
}

// An in-house carrier sends one Event per delivery, signed as Standard Webhooks say.
func ExampleHook_Receive() {
	const secret = "whsec_c2VjcmV0LWtleS1mb3ItcmV0dXJucy13YXJlaG91c2U="
	body, err := json.Marshal(stdwebhook.Event{
		Tracking:    "JDV001234567890",
		Status:      "delivered",
		OccurredAt:  "2026-01-01T16:20:00+08:00",
		Location:    "Returns dock 2",
		Description: "Handed to the warehouse",
		SignedBy:    "Dock clerk",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sent := time.Unix(1767255600, 0)
	sig, err := stdwebhook.Sign(secret, "msg_2b3c", sent, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	header := http.Header{}
	header.Set(stdwebhook.HeaderID, "msg_2b3c")
	header.Set(stdwebhook.HeaderTimestamp, fmt.Sprint(sent.Unix()))
	header.Set(stdwebhook.HeaderSignature, "v1,b2xkIHNlY3JldA== "+sig) // old and new secret while rotating

	hook, err := stdwebhook.New([]string{secret})
	if err != nil {
		fmt.Println(err)
		return
	}
	ups, err := hook.Receive(header, body, sent.Add(2*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	u := ups[0]
	fmt.Println(u.DedupKey, u.Tracking, u.Carrier, u.Status, u.OccurredAt, u.SignedBy)

	_, err = hook.Receive(header, body, sent.Add(10*time.Minute))
	fmt.Println(err != nil)
	// Output:
	// webhook:msg_2b3c JDV001234567890 JD delivered 2026-01-01 08:20:00 +0000 UTC Dock clerk
	// true
}
