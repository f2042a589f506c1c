package carriers

import (
	"net/http"
	"strings"
	"time"

	"returns-station/carriers/aftership"
	"returns-station/carriers/easypost"
	"returns-station/carriers/kuaidi100"
	"returns-station/carriers/stdwebhook"
	"returns-station/carriers/track17"
	"returns-station/station"
)

// MaxBody is the largest delivery Receive reads, 1 MiB: a tracking update
// with its whole history is a few kilobytes. The HTTP layer should stop
// reading a request body at this size too.
const MaxBody = 1 << 20

// Providers returns the provider names New accepts, in a fixed order.
func Providers() []string {
	return []string{kuaidi100.Provider, track17.Provider, aftership.Provider, easypost.Provider, stdwebhook.Provider}
}

// EnvName returns the environment variable that holds a provider's secrets,
// such as STATION_CARRIER_KUAIDI100_SECRET.
func EnvName(provider string) string {
	return "STATION_CARRIER_" + strings.ToUpper(provider) + "_SECRET"
}

// SecretsFromEnv reads each provider's secrets from its environment variable
// (see EnvName) through getenv, usually os.Getenv. Several secrets are
// separated by commas, so that a new one can be added before the old one is
// removed; spaces around them are trimmed and empty ones dropped. Providers
// with no secret are left out of the map.
func SecretsFromEnv(getenv func(string) string) map[string][]string {
	m := make(map[string][]string)
	for _, p := range Providers() {
		var list []string
		for _, s := range strings.Split(getenv(EnvName(p)), ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		if len(list) > 0 {
			m[p] = list
		}
	}
	return m
}

// Hook receives the webhooks of one provider. Build it with New; the zero
// Hook refuses everything. It is safe for concurrent use.
type Hook struct {
	provider string
	receive  func(http.Header, []byte, time.Time) ([]station.TrackingUpdate, error)
	reply    func(error) []byte
	typ      string
}

// New returns the Hook of provider ("kuaidi100", "track17", "aftership",
// "easypost" or "webhook"), accepting deliveries signed with any of secrets.
// It fails with EInvalid for an unknown provider, when no secret is given,
// and for a Standard Webhooks secret that is not "whsec_" and base64.
func New(provider string, secrets []string) (Hook, error) {
	h := Hook{provider: provider}
	var err error
	switch provider {
	case kuaidi100.Provider:
		var k *kuaidi100.Hook
		if k, err = kuaidi100.New(secrets); err == nil {
			h.receive, h.reply, h.typ = k.Receive, kuaidi100.Reply, kuaidi100.ReplyType
		}
	case track17.Provider:
		var t *track17.Hook
		if t, err = track17.New(secrets); err == nil {
			h.receive = t.Receive
		}
	case aftership.Provider:
		var a *aftership.Hook
		if a, err = aftership.New(secrets); err == nil {
			h.receive = a.Receive
		}
	case easypost.Provider:
		var e *easypost.Hook
		if e, err = easypost.New(secrets); err == nil {
			h.receive = e.Receive
		}
	case stdwebhook.Provider:
		var s *stdwebhook.Hook
		if s, err = stdwebhook.New(secrets); err == nil {
			h.receive = s.Receive
		}
	default:
		return Hook{}, station.Errorf(station.EInvalid,
			"carriers: unknown provider %q; known providers are %s", provider, strings.Join(Providers(), ", "))
	}
	if err != nil {
		return Hook{}, err
	}
	return h, nil
}

// Provider returns the provider name the Hook was built for.
func (h Hook) Provider() string { return h.provider }

// Receive verifies one webhook delivery over its raw body and headers and
// returns the normalised updates, plus the exact response body and content
// type the provider expects. The signature is checked before the body is
// parsed; now is the time of receipt, for replay windows and for dating an
// update that carries no time of its own.
//
// Errors are *station.Error: EUnauthorized for a missing, wrong or stale
// signature (answer 401), EInvalid for a malformed or oversized body (answer
// 400). Neither should store anything.
//
// reply is nil when the provider needs only a 2xx status (track17,
// aftership, easypost, webhook): answer 200 with no body on success and the
// usual problem document on error. Kuaidi100 needs a JSON answer: reply is
// its success answer when err is nil, and on error its failure answer
// ({"result":false,"returnCode":"401"|"400",…}), which should be sent, with
// the status for err, instead of a problem document. A store failure after a
// successful Receive must not send the success answer: answer 500, and
// Kuaidi100 will push again.
func (h Hook) Receive(header http.Header, body []byte, now time.Time) (updates []station.TrackingUpdate, reply []byte, replyType string, err error) {
	switch {
	case h.receive == nil:
		err = station.Errorf(station.EInternal, "carriers: Hook used without carriers.New")
	case len(body) > MaxBody:
		err = &station.Error{Code: station.EInvalid, Message: h.provider + " delivery refused: body too large",
			Fields: []station.FieldError{{Field: "body", Detail: "larger than 1 MiB"}}}
	default:
		updates, err = h.receive(header, body, now)
	}
	if h.reply != nil {
		reply, replyType = h.reply(err), h.typ
	}
	if err != nil {
		return nil, reply, replyType, err
	}
	return updates, reply, replyType, nil
}
