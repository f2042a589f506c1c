package kuaidi100_test

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"returns-station/carriers/kuaidi100"
	"returns-station/station"
)

func ExampleSign() {
	param := `{"status":"polling","lastResult":{"state":"0","nu":"YT0000000000001"}}`
	fmt.Println(kuaidi100.Sign(param, "kd100-salt"))
	// Output: 620A5D7076504594F05885001BD8E73E
}

func ExampleStatus() {
	fmt.Println(kuaidi100.Status("5", false))   // 派件
	fmt.Println(kuaidi100.Status("501", false)) // 投柜或驿站
	fmt.Println(kuaidi100.Status("14", false))  // 拒签
	fmt.Println(kuaidi100.Status("0", true))    // in transit, but signed for
	// Output:
	// out_for_delivery
	// available_for_pickup
	// return_to_sender
	// delivered
}

func ExampleReply() {
	fmt.Printf("%s\n", kuaidi100.Reply(nil))
	fmt.Printf("%s\n", kuaidi100.Reply(station.Errorf(station.EUnauthorized, "bad sign")))
	fmt.Printf("%s\n", kuaidi100.Reply(errors.New("disk full")))
	// Output:
	// {"result":true,"returnCode":"200","message":"成功"}
	// {"result":false,"returnCode":"401","message":"签名错误 (sign mismatch)"}
	// {"result":false,"returnCode":"500","message":"服务器错误 (server error, retry later)"}
}

func ExampleHook_Receive() {
	hook, err := kuaidi100.New([]string{"kd100-salt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	param := `{"status":"polling","lastResult":{"state":"0","ischeck":"0","com":"yuantong","nu":"YT0000000000001",` +
		`"data":[{"context":"快件已到达杭州转运中心","ftime":"2025-12-31 21:00:00","areaName":"浙江,杭州市"}]}}`
	body := url.Values{"param": {param}, "sign": {kuaidi100.Sign(param, "kd100-salt")}}.Encode()

	ups, err := hook.Receive(nil, []byte(body), time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	u := ups[0]
	fmt.Println(u.Tracking, u.Carrier, u.Status, u.OccurredAt, u.DedupKey)
	// Output: YT0000000000001 YTO in_transit 2025-12-31 13:00:00 +0000 UTC kuaidi100:YT0000000000001|2025-12-31 21:00:00|0
}
