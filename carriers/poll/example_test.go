package poll_test

import (
	"fmt"
	"time"

	"returns-station/carriers/poll"
)

func ExampleBackoff() {
	for failures := range 6 {
		fmt.Println(poll.Backoff(15*time.Minute, 2*time.Hour, failures))
	}
	// Output:
	// 15m0s
	// 30m0s
	// 1h0m0s
	// 2h0m0s
	// 2h0m0s
	// 2h0m0s
}
