package easypost

import (
	"strings"

	"returns-station/station"
)

// statuses maps a tracker's status onto the normalised vocabulary.
var statuses = map[string]string{
	"unknown":              station.TrackUnknown,
	"pre_transit":          station.TrackLabelCreated,
	"in_transit":           station.TrackInTransit,
	"out_for_delivery":     station.TrackOutForDelivery,
	"delivered":            station.TrackDelivered,
	"available_for_pickup": station.TrackAvailableForPick,
	"return_to_sender":     station.TrackReturnToSender,
	"failure":              station.TrackDeliveryFailed,
	"cancelled":            station.TrackCancelled,
	"error":                station.TrackUnknown,
}

// troubles are the status_detail values that turn in_transit or failure
// into an exception that needs someone's attention.
var troubles = map[string]bool{
	"delayed": true, "held": true, "lost": true, "damaged": true, "transit_exception": true,
	"delivery_exception": true, "weather_delay": true, "missorted": true,
}

// Status maps a tracker's status and status_detail onto the normalised
// vocabulary. A detail of return or refused means the parcel goes back to
// the customer, whatever the status; in_transit or failure with a detail
// such as lost, damaged, held or delayed is an exception; any other failure
// is a failed delivery attempt.
func Status(status, detail string) string {
	if detail == "return" || detail == "refused" {
		return station.TrackReturnToSender
	}
	if (status == "in_transit" || status == "failure") && troubles[detail] {
		return station.TrackException
	}
	if s, ok := statuses[status]; ok {
		return s
	}
	return station.TrackUnknown
}

// carriers pairs EasyPost carrier names with our carrier codes.
var carriers = []struct{ name, carrier string }{
	{"usps", station.CarrierUSPS},
	{"ups", station.CarrierUPS},
	{"fedex", station.CarrierFedEx},
	{"dhlexpress", station.CarrierDHL},
}

// Carrier returns our carrier code for an EasyPost carrier name such as
// "FedEx" or "DHLExpress", or "" when there is none.
func Carrier(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, c := range carriers {
		if c.name == name {
			return c.carrier
		}
	}
	return ""
}

// carrierOf prefers what the provider says and falls back to recognising the number.
func carrierOf(name, tracking string) string {
	if c := Carrier(name); c != "" {
		return c
	}
	return station.CarrierOf(tracking)
}
