package kuaidi100

import (
	"strings"

	"returns-station/station"
)

// states maps lastResult.state, base codes and the advanced codes that come
// with resultv2=4 (高级状态), onto the normalised vocabulary.
var states = map[string]string{
	"1":    station.TrackLabelCreated,     // 揽收
	"101":  station.TrackLabelCreated,     // 已下单
	"102":  station.TrackLabelCreated,     // 待揽收
	"0":    station.TrackInTransit,        // 在途
	"1001": station.TrackInTransit,        // 到达派件城市
	"1002": station.TrackInTransit,        // 干线
	"1003": station.TrackInTransit,        // 转递
	"103":  station.TrackInTransit,        // 已揽收
	"7":    station.TrackInTransit,        // 转投
	"8":    station.TrackInTransit,        // 清关
	"10":   station.TrackInTransit,        // 待清关
	"11":   station.TrackInTransit,        // 清关中
	"12":   station.TrackInTransit,        // 已清关
	"5":    station.TrackOutForDelivery,   // 派件
	"501":  station.TrackAvailableForPick, // 投柜或驿站
	"3":    station.TrackDelivered,        // 签收
	"301":  station.TrackDelivered,        // 本人签收
	"302":  station.TrackDelivered,        // 派件异常后签收
	"303":  station.TrackDelivered,        // 代签
	"304":  station.TrackDelivered,        // 投柜或站签收
	"204":  station.TrackDeliveryFailed,   // 派件异常
	"206":  station.TrackDeliveryFailed,   // 无法联系
	"2":    station.TrackException,        // 疑难
	"201":  station.TrackException,        // 超时未签收
	"202":  station.TrackException,        // 超时未更新
	"205":  station.TrackException,        // 柜或驿站超时未取
	"207":  station.TrackException,        // 超区
	"208":  station.TrackException,        // 滞留
	"209":  station.TrackException,        // 破损
	"13":   station.TrackException,        // 清关异常
	"4":    station.TrackReturnToSender,   // 退签
	"6":    station.TrackReturnToSender,   // 退回
	"14":   station.TrackReturnToSender,   // 拒签
	"203":  station.TrackReturnToSender,   // 拒收
	"401":  station.TrackCancelled,        // 已销单
	"210":  station.TrackCancelled,        // 销单
}

// prefixes classify advanced codes not in states by their base code.
var prefixes = map[byte]string{
	'1': station.TrackLabelCreated,
	'2': station.TrackException,
	'3': station.TrackDelivered,
	'4': station.TrackReturnToSender,
	'5': station.TrackOutForDelivery,
}

// Status maps a Kuaidi100 state code (lastResult.state) onto the normalised
// vocabulary. Advanced codes it does not know are classified by their base
// code (1xx like 1, 10xx like 0, 2xx like 2 …). signed is lastResult.ischeck
// == "1": a signed-for parcel is delivered unless its state says it was
// signed back to the sender or cancelled.
func Status(state string, signed bool) string {
	s := status(strings.TrimSpace(state))
	if signed && !station.TerminalTracking(s) {
		return station.TrackDelivered
	}
	return s
}

func status(state string) string {
	if s, ok := states[state]; ok {
		return s
	}
	for i := 0; i < len(state); i++ {
		if state[i] < '0' || state[i] > '9' {
			return station.TrackUnknown
		}
	}
	switch {
	case len(state) == 4 && strings.HasPrefix(state, "10"):
		return station.TrackInTransit
	case len(state) == 3:
		if s, ok := prefixes[state[0]]; ok {
			return s
		}
	}
	return station.TrackUnknown
}

// companies pairs Kuaidi100 company codes (com) with our carrier codes.
var companies = []struct{ com, carrier string }{
	{"shunfeng", station.CarrierSF},
	{"jd", station.CarrierJD},
	{"yuantong", station.CarrierYTO},
	{"zhongtong", station.CarrierZTO},
	{"shentong", station.CarrierSTO},
	{"yunda", station.CarrierYunda},
	{"ems", station.CarrierEMS},
	{"youzhengguonei", station.CarrierPost},
	{"ups", station.CarrierUPS},
	{"fedex", station.CarrierFedEx},
	{"usps", station.CarrierUSPS},
	{"dhl", station.CarrierDHL},
}

// Carrier returns our carrier code for a Kuaidi100 company code such as
// "shunfeng" (SF), or "" when there is none.
func Carrier(com string) string {
	com = strings.ToLower(strings.TrimSpace(com))
	for _, c := range companies {
		if c.com == com {
			return c.carrier
		}
	}
	return ""
}

// Company returns the Kuaidi100 company code for one of our carrier codes,
// as the real-time query needs it, or "" when there is none.
func Company(carrier string) string {
	for _, c := range companies {
		if c.carrier == carrier {
			return c.com
		}
	}
	return ""
}

// carrierOf prefers what the provider says and falls back to recognising the number.
func carrierOf(com, tracking string) string {
	if c := Carrier(com); c != "" {
		return c
	}
	return station.CarrierOf(tracking)
}
