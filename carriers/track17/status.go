package track17

import (
	"strings"

	"returns-station/station"
)

// statuses maps latest_status.status onto the normalised vocabulary.
var statuses = map[string]string{
	"NotFound":           station.TrackUnknown,
	"InfoReceived":       station.TrackLabelCreated,
	"InTransit":          station.TrackInTransit,
	"Expired":            station.TrackException, // no progress for long: a stale return needs chasing
	"AvailableForPickup": station.TrackAvailableForPick,
	"OutForDelivery":     station.TrackOutForDelivery,
	"DeliveryFailure":    station.TrackDeliveryFailed,
	"Delivered":          station.TrackDelivered,
	"Exception":          station.TrackException,
}

// subStatuses are the sub-statuses that refine their status's mapping.
var subStatuses = map[string]string{
	"DeliveryFailure_Rejected": station.TrackReturnToSender,
	"Exception_Returning":      station.TrackReturnToSender,
	"Exception_Returned":       station.TrackReturnToSender,
	"Exception_Rejected":       station.TrackReturnToSender,
	"Exception_Cancel":         station.TrackCancelled,
}

// Status maps 17TRACK's status and sub_status onto the normalised
// vocabulary. A refusal or a return to sender (Exception_Returning,
// Exception_Returned, Exception_Rejected, DeliveryFailure_Rejected) is
// return_to_sender, Exception_Cancel is cancelled; every other sub-status
// follows its status. When status is missing, the prefix of sub_status
// ("InTransit_PickedUp" → InTransit) stands for it.
func Status(status, subStatus string) string {
	if s, ok := subStatuses[subStatus]; ok {
		return s
	}
	if status == "" {
		status, _, _ = strings.Cut(subStatus, "_")
	}
	if s, ok := statuses[status]; ok {
		return s
	}
	return station.TrackUnknown
}

// carriers pairs 17TRACK carrier keys with our carrier codes.
var carriers = []struct {
	key     int
	carrier string
}{
	{3011, station.CarrierPost},
	{21051, station.CarrierUSPS},
}

// Carrier returns our carrier code for a 17TRACK carrier key (3011 is China
// Post), or "" when there is none.
func Carrier(key int) string {
	for _, c := range carriers {
		if c.key == key {
			return c.carrier
		}
	}
	return ""
}

// CarrierKey returns the 17TRACK carrier key for one of our carrier codes,
// or 0 when there is none (17TRACK then detects the carrier itself).
func CarrierKey(carrier string) int {
	for _, c := range carriers {
		if c.carrier == carrier {
			return c.key
		}
	}
	return 0
}

// carrierOf prefers what the provider says and falls back to recognising the number.
func carrierOf(key int, tracking string) string {
	if c := Carrier(key); c != "" {
		return c
	}
	return station.CarrierOf(tracking)
}
