package carriers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"returns-station/carriers"
	"returns-station/carriers/kuaidi100"
)

func ExampleSecretsFromEnv() {
	env := map[string]string{
		"STATION_CARRIER_KUAIDI100_SECRET": "new-salt, old-salt",
		"STATION_CARRIER_EASYPOST_SECRET":  "",
	}
	secrets := carriers.SecretsFromEnv(func(k string) string { return env[k] })
	fmt.Println(secrets)
	fmt.Println(carriers.EnvName("track17"))
	// Output:
	// map[kuaidi100:[new-salt old-salt]]
	// STATION_CARRIER_TRACK17_SECRET
}

func ExampleHook_Receive() {
	hook, err := carriers.New("kuaidi100", []string{"kd100-salt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	param := `{"status":"polling","lastResult":{"state":"5","ischeck":"0","com":"shunfeng","nu":"SF1234567890123",` +
		`"data":[{"context":"派件中","ftime":"2026-01-02 08:30:00","areaName":"上海,上海市"}]}}`
	form := url.Values{"param": {param}, "sign": {kuaidi100.Sign(param, "kd100-salt")}}

	ups, reply, replyType, err := hook.Receive(http.Header{}, []byte(form.Encode()), time.Now())
	fmt.Println(ups[0].Tracking, ups[0].Carrier, ups[0].Status, ups[0].OccurredAt, err)
	fmt.Println(replyType, string(reply))

	// A forged push gets Kuaidi100's failure answer and an EUnauthorized error.
	form.Set("sign", "00000000000000000000000000000000")
	ups, reply, _, err = hook.Receive(http.Header{}, []byte(form.Encode()), time.Now())
	fmt.Println(len(ups), string(reply))
	fmt.Println(err)
	// Output:
	// SF1234567890123 SF out_for_delivery 2026-01-02 00:30:00 +0000 UTC <nil>
	// application/json; charset=utf-8 {"result":true,"returnCode":"200","message":"成功"}
	// 0 {"result":false,"returnCode":"401","message":"签名错误 (sign mismatch)"}
	// kuaidi100 push refused: sign matches none of the 1 configured salts (compare STATION_CARRIER_KUAIDI100_SECRET with the salt used when subscribing)
}
