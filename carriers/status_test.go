package carriers_test

import (
	"slices"
	"testing"

	"returns-station/carriers/aftership"
	"returns-station/carriers/easypost"
	"returns-station/carriers/kuaidi100"
	"returns-station/carriers/stdwebhook"
	"returns-station/carriers/track17"
	"returns-station/station"
)

// statusRow is one line of the mapping table of research/carriers.md §7.1:
// a provider's status and sub-status, and the normalised status it must map to.
type statusRow struct {
	provider string
	status   string
	sub      string
	flag     bool // AfterShip: return_to_sender; Kuaidi100: ischeck == "1"
	want     string
}

// mapStatus calls the provider's own mapping. Shippo, karrio and ShipEngine
// have no hook of their own: their vocabularies are understood from in-house
// senders (stdwebhook).
func mapStatus(r statusRow) string {
	switch r.provider {
	case "easypost":
		return easypost.Status(r.status, r.sub)
	case "aftership":
		return aftership.Status(r.status, r.sub, r.flag)
	case "track17":
		return track17.Status(r.status, r.sub)
	case "kuaidi100":
		return kuaidi100.Status(r.status, r.flag)
	case "shippo", "karrio", "shipengine", "webhook":
		return stdwebhook.Status(r.status, r.sub)
	}
	return "no such provider " + r.provider
}

const (
	labelCreated = station.TrackLabelCreated
	inTransit    = station.TrackInTransit
	outFor       = station.TrackOutForDelivery
	pickup       = station.TrackAvailableForPick
	delivered    = station.TrackDelivered
	failed       = station.TrackDeliveryFailed
	exception    = station.TrackException
	returned     = station.TrackReturnToSender
	cancelled    = station.TrackCancelled
	unknown      = station.TrackUnknown
)

func statusTable() []statusRow {
	rows := []statusRow{
		// EasyPost status (+ status_detail)
		{"easypost", "pre_transit", "label_created", false, labelCreated},
		{"easypost", "in_transit", "arrived_at_facility", false, inTransit},
		{"easypost", "out_for_delivery", "out_for_delivery", false, outFor},
		{"easypost", "available_for_pickup", "arrived_at_pickup_location", false, pickup},
		{"easypost", "delivered", "arrived_at_destination", false, delivered},
		{"easypost", "failure", "address_correction", false, failed},
		{"easypost", "failure", "", false, failed},
		{"easypost", "return_to_sender", "return", false, returned},
		{"easypost", "in_transit", "return", false, returned},
		{"easypost", "failure", "refused", false, returned},
		{"easypost", "cancelled", "cancelled", false, cancelled},
		{"easypost", "unknown", "unknown", false, unknown},
		{"easypost", "error", "", false, unknown},
		{"easypost", "out_for_delivery", "delayed", false, outFor}, // trouble details refine only in_transit and failure
		{"easypost", "something_new", "", false, unknown},

		// AfterShip tag (+ subtag, return_to_sender)
		{"aftership", "Pending", "Pending_001", false, unknown},
		{"aftership", "InfoReceived", "InfoReceived_001", false, labelCreated},
		{"aftership", "InTransit", "InTransit_007", false, inTransit},
		{"aftership", "OutForDelivery", "OutForDelivery_001", false, outFor},
		{"aftership", "AvailableForPickup", "AvailableForPickup_001", false, pickup},
		{"aftership", "Delivered", "Delivered_001", false, delivered},
		{"aftership", "Delivered", "Delivered_002", false, delivered},
		{"aftership", "Delivered", "Delivered_003", false, delivered},
		{"aftership", "Delivered", "Delivered_004", false, delivered},
		{"aftership", "Delivered", "Delivered_005", false, delivered},
		{"aftership", "AttemptFail", "AttemptFail_001", false, failed},
		{"aftership", "Exception", "Exception_001", false, exception},
		{"aftership", "Exception", "Exception_002", false, exception},
		{"aftership", "Exception", "Exception_004", false, exception},
		{"aftership", "Exception", "Exception_005", false, exception},
		{"aftership", "Expired", "Expired_001", false, exception},
		{"aftership", "Exception", "Exception_003", false, returned}, // refused: goes back, as for the other providers
		{"aftership", "Exception", "Exception_011", true, returned},
		{"aftership", "InTransit", "InTransit_002", true, returned},
		{"aftership", "SomethingNew", "Delivered_001", false, delivered},
		{"aftership", "SomethingNew", "", false, unknown},

		// Shippo status (+ substatus)
		{"shippo", "PRE_TRANSIT", "information_received", false, labelCreated},
		{"shippo", "TRANSIT", "package_departed", false, inTransit},
		{"shippo", "TRANSIT", "out_for_delivery", false, outFor},
		{"shippo", "DELIVERED", "", false, delivered},
		{"shippo", "FAILURE", "delivery_attempted", false, failed},
		{"shippo", "TRANSIT", "package_lost", false, exception},
		{"shippo", "FAILURE", "package_damaged", false, exception},
		{"shippo", "RETURNED", "return_to_sender", false, returned},
		{"shippo", "UNKNOWN", "", false, unknown},

		// 17TRACK status (+ sub_status)
		{"track17", "NotFound", "NotFound_Other", false, unknown},
		{"track17", "NotFound", "NotFound_InvalidCode", false, unknown},
		{"track17", "InfoReceived", "InfoReceived", false, labelCreated},
		{"track17", "Expired", "Expired_Other", false, exception},
		{"track17", "AvailableForPickup", "AvailableForPickup_Other", false, pickup},
		{"track17", "OutForDelivery", "OutForDelivery_Other", false, outFor},
		{"track17", "Delivered", "Delivered_Other", false, delivered},
		{"track17", "", "InTransit_Arrival", false, inTransit},
		{"track17", "SomethingNew", "", false, unknown},

		// Kuaidi100 state (+ ischeck)
		{"kuaidi100", "3", "", true, delivered},
		{"kuaidi100", "0", "", true, delivered},
		{"kuaidi100", "14", "", true, returned},
		{"kuaidi100", "401", "", true, cancelled},
		{"kuaidi100", "", "", false, unknown},

		// karrio TrackingStatus
		{"karrio", "pending", "", false, labelCreated},
		{"karrio", "picked_up", "", false, inTransit},
		{"karrio", "in_transit", "", false, inTransit},
		{"karrio", "out_for_delivery", "", false, outFor},
		{"karrio", "ready_for_pickup", "", false, pickup},
		{"karrio", "delivered", "", false, delivered},
		{"karrio", "delivery_failed", "", false, failed},
		{"karrio", "on_hold", "", false, exception},
		{"karrio", "delivery_delayed", "", false, exception},
		{"karrio", "return_to_sender", "", false, returned},
		{"karrio", "cancelled", "", false, cancelled},
		{"karrio", "unknown", "", false, unknown},

		// ShipEngine standardised codes (+ detail)
		{"shipengine", "NY", "SHIPMENT_CREATED", false, labelCreated},
		{"shipengine", "AC", "PICKED_UP", false, inTransit},
		{"shipengine", "IT", "", false, inTransit},
		{"shipengine", "IT", "OUT_FOR_DELIVERY", false, outFor},
		{"shipengine", "IT", "AWAITING_COLLECTION_FROM_PICKUP_POINT", false, pickup},
		{"shipengine", "DE", "", false, delivered},
		{"shipengine", "SP", "", false, delivered},
		{"shipengine", "AT", "ATTEMPTED_DELIVERY", false, failed},
		{"shipengine", "EX", "", false, exception},
		{"shipengine", "UN", "", false, unknown},

		// our own vocabulary, from in-house senders, in any case
		{"webhook", "LABEL_CREATED", "", false, labelCreated},
		{"webhook", "available_for_pickup", "", false, pickup},
		{"webhook", "Exception", "", false, exception},
		{"webhook", "made_up", "", false, unknown},
	}
	// EasyPost: the details that make in_transit or failure an exception.
	for _, d := range []string{"delayed", "held", "lost", "damaged", "transit_exception", "delivery_exception", "weather_delay", "missorted"} {
		rows = append(rows, statusRow{"easypost", "in_transit", d, false, exception}, statusRow{"easypost", "failure", d, false, exception})
	}
	// EasyPost: every other documented detail leaves in_transit as it is.
	for _, d := range []string{"address_correction", "arrived_at_destination", "arrived_at_facility", "arrived_at_pickup_location",
		"awaiting_information", "cancelled", "departed_facility", "departed_origin_facility", "expired", "failure", "in_transit",
		"label_created", "out_for_delivery", "received_at_destination_facility", "received_at_origin_facility", "status_update",
		"transferred_to_destination_carrier", "unknown"} {
		rows = append(rows, statusRow{"easypost", "in_transit", d, false, inTransit})
	}
	// 17TRACK: every documented sub-status under its status.
	for _, s := range []string{"InTransit_PickedUp", "InTransit_Other", "InTransit_Departure", "InTransit_Arrival",
		"InTransit_CustomsProcessing", "InTransit_CustomsReleased", "InTransit_CustomsRequiringInformation"} {
		rows = append(rows, statusRow{"track17", "InTransit", s, false, inTransit})
	}
	for _, s := range []string{"DeliveryFailure_Other", "DeliveryFailure_NoBody", "DeliveryFailure_Security", "DeliveryFailure_InvalidAddress"} {
		rows = append(rows, statusRow{"track17", "DeliveryFailure", s, false, failed})
	}
	rows = append(rows, statusRow{"track17", "DeliveryFailure", "DeliveryFailure_Rejected", false, returned})
	for _, s := range []string{"Exception_Other", "Exception_NoBody", "Exception_Security", "Exception_Damage", "Exception_Delayed",
		"Exception_Lost", "Exception_Destroyed"} {
		rows = append(rows, statusRow{"track17", "Exception", s, false, exception})
	}
	for _, s := range []string{"Exception_Returning", "Exception_Returned", "Exception_Rejected"} {
		rows = append(rows, statusRow{"track17", "Exception", s, false, returned})
	}
	rows = append(rows, statusRow{"track17", "Exception", "Exception_Cancel", false, cancelled})
	// Kuaidi100: every base and advanced state code.
	kd := map[string][]string{
		labelCreated: {"1", "101", "102"},
		inTransit:    {"0", "1001", "1002", "1003", "103", "7", "8", "10", "11", "12"},
		outFor:       {"5"},
		pickup:       {"501"},
		delivered:    {"3", "301", "302", "303", "304"},
		failed:       {"204", "206"},
		exception:    {"2", "201", "202", "205", "207", "208", "209", "13"},
		returned:     {"4", "6", "14", "203"},
		cancelled:    {"401", "210"},
	}
	for want, states := range kd {
		for _, s := range states {
			rows = append(rows, statusRow{"kuaidi100", s, "", false, want})
		}
	}
	return rows
}

func TestStatusMapping(t *testing.T) {
	for _, r := range statusTable() {
		name := r.provider + "/" + r.status + "/" + r.sub
		if r.flag {
			name += "/flag"
		}
		t.Run(name, func(t *testing.T) {
			got := mapStatus(r)
			if got != r.want {
				t.Errorf("got %s, want %s", got, r.want)
			}
			if !slices.Contains(station.TrackingStatuses, got) {
				t.Errorf("got %q, not a normalised status", got)
			}
		})
	}
}

// TestStatusMappingCoversVocabulary checks the table itself: each normalised
// status is reached from at least one provider.
func TestStatusMappingCoversVocabulary(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range statusTable() {
		seen[r.want] = true
	}
	for _, s := range station.TrackingStatuses {
		if !seen[s] {
			t.Errorf("got no row mapping to %s, want at least one", s)
		}
	}
}
