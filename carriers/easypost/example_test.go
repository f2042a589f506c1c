package easypost_test

import (
	"fmt"

	"returns-station/carriers/easypost"
)

func ExampleSign() {
	body := []byte(`{"description":"tracker.updated","object":"Event","result":{"object":"Tracker","tracking_code":"RT000000001","status":"delivered"}}`)
	fmt.Println(easypost.Sign(body, "whk-test-1"))
	fmt.Println(easypost.Sign(body, "rückgabe-ß-é")) // the key is the NFKD form of the secret
	// Output:
	// hmac-sha256-hex=388c0f36d4c4584678480dd0d5ae35c0a415d572fb91e00dc6e09e510f7395ad
	// hmac-sha256-hex=311a2dbd4e4ee36b59c8b364c0818b30d7242f1b25221ba2b88704a3978e940d
}

func ExampleStatus() {
	fmt.Println(easypost.Status("in_transit", "arrived_at_facility"))
	fmt.Println(easypost.Status("in_transit", "weather_delay"))
	fmt.Println(easypost.Status("failure", "address_correction"))
	fmt.Println(easypost.Status("delivered", "return"))
	// Output:
	// in_transit
	// exception
	// delivery_failed
	// return_to_sender
}
