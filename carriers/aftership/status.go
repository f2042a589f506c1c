package aftership

import (
	"strings"

	"returns-station/station"
)

// tags maps AfterShip tags onto the normalised vocabulary.
var tags = map[string]string{
	"Pending":            station.TrackUnknown,
	"InfoReceived":       station.TrackLabelCreated,
	"InTransit":          station.TrackInTransit,
	"OutForDelivery":     station.TrackOutForDelivery,
	"AttemptFail":        station.TrackDeliveryFailed,
	"Delivered":          station.TrackDelivered,
	"AvailableForPickup": station.TrackAvailableForPick,
	"Exception":          station.TrackException,
	"Expired":            station.TrackException, // no progress for long: a stale return needs chasing
}

// Status maps an AfterShip tag and subtag onto the normalised vocabulary.
// returnToSender is msg.return_to_sender, or a checkpoint event
// "returned_to_sender": a parcel on its way back to the customer will not
// reach the warehouse, so it is return_to_sender whatever the tag says. A
// refusal (Exception_003) is return_to_sender too, as for the other
// providers. AfterShip may add tags: an unknown tag is read from the
// subtag's prefix ("Delivered_001" → Delivered), else unknown.
func Status(tag, subtag string, returnToSender bool) string {
	if returnToSender || subtag == "Exception_003" {
		return station.TrackReturnToSender
	}
	if s, ok := tags[tag]; ok {
		return s
	}
	prefix, _, _ := strings.Cut(subtag, "_")
	if s, ok := tags[prefix]; ok {
		return s
	}
	return station.TrackUnknown
}

// slugs pairs AfterShip courier slugs with our carrier codes.
var slugs = []struct{ slug, carrier string }{
	{"usps", station.CarrierUSPS},
	{"ups", station.CarrierUPS},
	{"fedex", station.CarrierFedEx},
	{"dhl", station.CarrierDHL},
	{"sf-express", station.CarrierSF},
	{"china-ems", station.CarrierEMS},
	{"china-post", station.CarrierPost},
	{"yto", station.CarrierYTO},
	{"zto-express", station.CarrierZTO},
	{"sto", station.CarrierSTO},
	{"yunda", station.CarrierYunda},
	{"jd", station.CarrierJD},
}

// Carrier returns our carrier code for an AfterShip courier slug such as
// "sf-express", or "" when there is none.
func Carrier(slug string) string {
	slug = strings.ToLower(strings.TrimSpace(slug))
	for _, s := range slugs {
		if s.slug == slug {
			return s.carrier
		}
	}
	return ""
}

// carrierOf prefers what the provider says and falls back to recognising the number.
func carrierOf(slug, tracking string) string {
	if c := Carrier(slug); c != "" {
		return c
	}
	return station.CarrierOf(tracking)
}
