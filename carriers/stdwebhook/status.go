package stdwebhook

import (
	"strings"

	"returns-station/station"
)

// statuses maps, case-insensitively, the vocabularies an in-house sender is
// likely to speak: ours, karrio's TrackingStatus, ShipEngine's standardised
// codes and Shippo's statuses. They do not conflict.
var statuses = map[string]string{
	// ours
	"label_created":        station.TrackLabelCreated,
	"in_transit":           station.TrackInTransit,
	"out_for_delivery":     station.TrackOutForDelivery,
	"available_for_pickup": station.TrackAvailableForPick,
	"delivered":            station.TrackDelivered,
	"delivery_failed":      station.TrackDeliveryFailed,
	"exception":            station.TrackException,
	"return_to_sender":     station.TrackReturnToSender,
	"cancelled":            station.TrackCancelled,
	"unknown":              station.TrackUnknown,
	// karrio
	"pending":          station.TrackLabelCreated,
	"picked_up":        station.TrackInTransit,
	"on_hold":          station.TrackException,
	"delivery_delayed": station.TrackException,
	"ready_for_pickup": station.TrackAvailableForPick,
	// ShipEngine
	"ny": station.TrackLabelCreated,
	"ac": station.TrackInTransit,
	"it": station.TrackInTransit,
	"de": station.TrackDelivered,
	"sp": station.TrackDelivered,
	"at": station.TrackDeliveryFailed,
	"ex": station.TrackException,
	"un": station.TrackUnknown,
	// Shippo
	"pre_transit": station.TrackLabelCreated,
	"transit":     station.TrackInTransit,
	"returned":    station.TrackReturnToSender,
	"failure":     station.TrackDeliveryFailed,
}

// Status maps an in-house status onto the normalised vocabulary. It
// understands, in any case, our own ten statuses, karrio's TrackingStatus
// (pending, picked_up, on_hold …), ShipEngine's codes (NY, AC, IT, DE, SP,
// AT, EX, UN) and Shippo's (PRE_TRANSIT, TRANSIT, RETURNED, FAILURE …).
// substatus refines a moving parcel: OUT_FOR_DELIVERY and
// AWAITING_COLLECTION_FROM_PICKUP_POINT (ShipEngine details, Shippo
// substatus codes), and package_lost or package_damaged, which make a moving
// or failed parcel an exception. Anything else is unknown.
func Status(status, substatus string) string {
	s, ok := statuses[strings.ToLower(strings.TrimSpace(status))]
	if !ok {
		return station.TrackUnknown
	}
	switch sub := strings.ToLower(strings.TrimSpace(substatus)); {
	case s == station.TrackInTransit && sub == "out_for_delivery":
		return station.TrackOutForDelivery
	case s == station.TrackInTransit && sub == "awaiting_collection_from_pickup_point":
		return station.TrackAvailableForPick
	case (s == station.TrackInTransit || s == station.TrackDeliveryFailed) && (sub == "package_lost" || sub == "package_damaged"):
		return station.TrackException
	}
	return s
}
