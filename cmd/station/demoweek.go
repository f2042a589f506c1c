package main

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand"
	"sort"
	"time"

	"returns-station/station"
)

// The demo's past week. Before the demo serves, it plays a week of returns
// through the real domain commands (receive, start a unit, inspect, confirm,
// put away, close) with the clock set to each step's time, so a manager
// opening /dashboard sees a working station: parcels late and in alarm, a
// week of throughput, customers' reasons against inspectors' findings, cost
// and recovery, and the data the risk alarms are meant to catch — a customer
// whose boxes keep arriving empty, a phone whose serial came back before, a
// SKU whose returns jump today, a parcel far lighter than its line, and an
// inspector who overrides the suggested grade half the time.
//
// The script is plain data (demoWeek), made from a fixed seed relative to
// now, so a test can work out from it what the dashboard must show.

// demoItem is a product the demo's customers return.
type demoItem struct {
	sku, name, category, price string
	weightG                    int
	serial                     bool
}

var demoCatalogue = []demoItem{
	{"EAR-BT-01", "蓝牙耳机 Pro", "数码/耳机", "199.00", 180, true},
	{"DRS-SUM-23", "碎花连衣裙 M码", "女装/连衣裙", "259.00", 320, false},
	{"SKN-CRM-50", "保湿面霜 50ml", "美妆护肤", "328.00", 150, false},
	{"CUP-TH-500", "不锈钢保温杯 500ml", "家居日用", "89.00", 430, false},
	{"PHN-X12-128", "智能手机 X12 128G", "手机", "2999.00", 420, true},
	{"SHO-RUN-42", "跑步鞋 42码", "运动鞋", "499.00", 900, false},
	{"TOY-BLK-300", "益智积木 300粒", "玩具", "129.00", 650, false},
	{"BK-NOVEL-01", "长篇小说（精装）", "图书", "68.00", 700, false},
}

// The demo's staff: li.wei and chen.jing receive and inspect; zhao.lei is a
// supervisor who inspects too and overrides the suggestion half the time.
const (
	demoLi    = "user:li.wei"
	demoChen  = "user:chen.jing"
	demoZhao  = "user:zhao.lei"
	demoFirst = "RMA-WK-0001" // present once the week has been played
)

// Condition of a returned unit, which the inspector's answers describe.
const (
	condNew    = "new"    // sealed, as new: grade A
	condOpened = "opened" // box opened, otherwise fine: B
	condUsed   = "used"   // signs of use: C
	condDefect = "defect" // a defect or damage: D (X where the template has no D)
)

// demoParcel is one scripted parcel and what happens to it. Times are
// offsets from its receipt; a step whose time is after now has not
// happened yet, and neither have the steps after it.
type demoParcel struct {
	RMA      *station.ReturnAuthorization // nil: a parcel no return matches
	Tracking string
	Received time.Time
	By       string // who received it
	WeightG  int
	Freight  string // paid at the dock; "" not known
	Units    []demoUnit
	// Close is when the parcel is closed (0: stays open). With no units,
	// closing it records an empty box.
	Close time.Duration
}

// demoUnit is one unit taken out of a scripted parcel.
type demoUnit struct {
	SKU       string
	Serial    string
	Cond      string
	Inspector string
	Start     time.Duration // started (scanned out of the parcel)
	Confirm   time.Duration // 0: started, never confirmed
	PutAway   time.Duration // 0: not put away
	// OverrideTo is the grade a supervisor sets instead of the suggestion
	// (with OverrideWhy); "" confirms the suggestion.
	OverrideTo, OverrideWhy string
}

// happened reports whether a step at offset d of a parcel received at r has
// happened by now.
func happened(r time.Time, d time.Duration, now time.Time) bool {
	return d > 0 && !r.Add(d).After(now)
}

// demoWeek scripts the week before now. The same now gives the same week.
func demoWeek(now time.Time) []demoParcel {
	loc, _ := time.LoadLocation(station.DefaultTimeZone)
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	rng := mrand.New(mrand.NewSource(20261207))
	var out []demoParcel
	n := 0
	names := []string{"张*", "李*", "王*", "赵*", "陈*", "刘*", "杨*", "黄*", "吴*", "孙*"}
	channels := []string{"tmall", "jd", "douyin", "pdd"}
	newRMA := func(it demoItem, received time.Time, reason string, serial string) *station.ReturnAuthorization {
		n++
		delivered := received.Add(-time.Duration(72+rng.Intn(72)) * time.Hour)
		requested := delivered.Add(time.Duration(20+rng.Intn(60)) * time.Hour)
		policy := station.PolicyNoReason7d
		if reason == "quality_issue" {
			policy = station.PolicyQuality
		}
		line := station.RMALine{Line: 1, SKU: it.sku, Name: it.name, Category: it.category, Qty: 1, UnitPrice: it.price}
		if serial != "" {
			line.Serials = []string{serial}
		}
		return &station.ReturnAuthorization{
			RMA: fmt.Sprintf("RMA-WK-%04d", n), Version: 1, Status: station.RMAApproved,
			OrderID: fmt.Sprintf("SO-WK-%05d", 60000+n*7), Channel: channels[n%len(channels)],
			Customer: station.Customer{Name: names[n%len(names)], PhoneTail: fmt.Sprintf("%04d", (3000+n*173)%10000)},
			Reason:   station.ReturnReason{Code: reason}, Policy: policy, DeliveredAt: &delivered, RequestedAt: &requested,
			Refund:          station.Money{Amount: it.price, Currency: "CNY"},
			ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: fmt.Sprintf("SF5%012d", 700000+n)}},
			Lines:           []station.RMALine{line},
		}
	}
	parcel := func(r *station.ReturnAuthorization, received time.Time, weight int) demoParcel {
		p := demoParcel{RMA: r, Received: received, By: []string{demoLi, demoChen}[rng.Intn(2)], WeightG: weight}
		if r != nil {
			p.Tracking = r.ReturnShipments[0].Tracking
		}
		if rng.Intn(100) < 35 {
			p.Freight = []string{"8.00", "10.00", "12.00", "15.00", "18.00", "23.00"}[rng.Intn(6)]
		}
		return p
	}
	weigh := func(it demoItem) int { return it.weightG + 60 + rng.Intn(40) } // the item, its box and the mailer
	serialOf := func(it demoItem) string {
		if !it.serial {
			return ""
		}
		return fmt.Sprintf("SN%06dWK", 500000+n+1)
	}
	// process scripts the usual life of a parcel with one unit: started
	// after a wait, confirmed 6–25 minutes later, put away, closed.
	process := func(p *demoParcel, it demoItem, serial, cond, inspector string, wait time.Duration) {
		start := wait
		confirm := start + time.Duration(6+rng.Intn(20))*time.Minute
		put := confirm + time.Duration(5+rng.Intn(55))*time.Minute
		u := demoUnit{SKU: it.sku, Serial: serial, Cond: cond, Inspector: inspector, Start: start, Confirm: confirm, PutAway: put}
		if inspector == demoZhao && rng.Intn(2) == 0 {
			u.OverrideTo, u.OverrideWhy = "B", "外盒压痕，按开箱品处理 · box dented, graded open box"
			if cond == condOpened {
				u.OverrideTo, u.OverrideWhy = "C", "有轻微使用痕迹 · light signs of use"
			}
		}
		p.Units = []demoUnit{u}
		p.Close = put + time.Minute
	}
	reasonFor := func(cond string) string {
		// Customers who claim a defect are often wrong, and some who
		// just changed their minds send back a broken one.
		switch r := rng.Intn(100); {
		case cond == condDefect && r < 70, cond == condNew && r < 25:
			return "quality_issue"
		case r < 55:
			return "no_reason_7d"
		case r < 75:
			return "changed_mind"
		default:
			return "size_fit"
		}
	}
	condition := func() string {
		switch r := rng.Intn(100); {
		case r < 55:
			return condNew
		case r < 75:
			return condOpened
		case r < 85:
			return condUsed
		default:
			return condDefect
		}
	}
	inspector := func() string {
		switch r := rng.Intn(100); {
		case r < 50:
			return demoLi
		case r < 85:
			return demoChen
		default:
			return demoZhao
		}
	}
	wait := func() time.Duration {
		switch r := rng.Intn(100); {
		case r < 70:
			return time.Duration(30+rng.Intn(270)) * time.Minute
		case r < 92:
			return time.Duration(8+rng.Intn(12)) * time.Hour
		default:
			return time.Duration(26+rng.Intn(14)) * time.Hour // done, but late
		}
	}
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)

	// The usual flow: about 20 parcels a working day, 08:30 to 18:00.
	// Earphones are kept out of it (their jump is scripted below).
	ordinary := demoCatalogue[1:]
	for d := 6; d >= 0; d-- {
		day := today.AddDate(0, 0, -d)
		for j := 0; j < 20; j++ {
			at := day.Add(8*time.Hour + 30*time.Minute + time.Duration(j*28+rng.Intn(10))*time.Minute)
			if at.After(now.Add(-10 * time.Minute)) {
				break
			}
			it := ordinary[rng.Intn(len(ordinary))]
			cond := condition()
			serial := serialOf(it)
			p := parcel(newRMA(it, at, reasonFor(cond), serial), at, weigh(it))
			process(&p, it, serial, cond, inspector(), wait())
			out = append(out, p)
		}
	}

	// Earphones: one a day for the eight days before, then seven today,
	// six inspected and found faulty — a jump in returns and in defects
	// against the SKU's own trailing average (a week of history needed).
	ear := demoCatalogue[0]
	for d := 8; d >= 1; d-- {
		at := today.AddDate(0, 0, -d).Add(11*time.Hour + time.Duration(rng.Intn(60))*time.Minute)
		serial := serialOf(ear)
		p := parcel(newRMA(ear, at, "no_reason_7d", serial), at, weigh(ear))
		process(&p, ear, serial, condNew, inspector(), time.Duration(1+rng.Intn(3))*time.Hour)
		out = append(out, p)
	}
	for k := 1; k <= 7; k++ {
		at := now.Add(-time.Duration(k*25) * time.Minute)
		serial := serialOf(ear)
		p := parcel(newRMA(ear, at, "quality_issue", serial), at, weigh(ear))
		if k > 1 { // the earlier ones are already inspected
			process(&p, ear, serial, condDefect, demoLi, 10*time.Minute)
		}
		out = append(out, p)
	}

	// The thermos cup, weighed all week at about 500 g; today one arrives
	// weighing 95 g.
	cup := demoCatalogue[3]
	for d := 6; d >= 1; d-- {
		at := today.AddDate(0, 0, -d).Add(14*time.Hour + time.Duration(rng.Intn(60))*time.Minute)
		p := parcel(newRMA(cup, at, "changed_mind", ""), at, weigh(cup))
		process(&p, cup, "", condNew, demoChen, 2*time.Hour)
		out = append(out, p)
	}
	light := parcel(newRMA(cup, now.Add(-3*time.Hour), "no_reason_7d", ""), now.Add(-3*time.Hour), 95)
	out = append(out, light)

	// One customer, three returns, three empty boxes.
	for _, ago := range []time.Duration{140 * time.Hour, 70 * time.Hour, 26 * time.Hour} {
		it := demoCatalogue[4] // a phone, supposedly
		r := newRMA(it, now.Add(-ago), "quality_issue", serialOf(it))
		r.Customer, r.Channel = station.Customer{Name: "周*", PhoneTail: "6688"}, "douyin"
		p := parcel(r, now.Add(-ago), 60)
		p.Close = 90 * time.Minute
		out = append(out, p)
	}

	// A phone returned early in the week, and the same serial again today
	// under another order.
	phone := demoCatalogue[4]
	const twiceSerial = "SN990001CN"
	first := parcel(newRMA(phone, now.Add(-130*time.Hour), "no_reason_7d", twiceSerial), now.Add(-130*time.Hour), weigh(phone))
	process(&first, phone, twiceSerial, condNew, demoLi, 2*time.Hour)
	again := parcel(newRMA(phone, now.Add(-5*time.Hour), "quality_issue", twiceSerial), now.Add(-5*time.Hour), weigh(phone))
	again.Units = []demoUnit{{SKU: phone.sku, Serial: twiceSerial, Cond: condNew, Inspector: demoChen, Start: time.Hour, Confirm: time.Hour + 18*time.Minute}}
	out = append(out, first, again)

	// Late and still open: a parcel nobody's return matches (58 h), two
	// nobody has opened (52 h, 31 h), one inspected but not put away
	// (40 h), one started and left (34 h); two more will be late within
	// four hours (21 h, 22.5 h).
	unknown := demoParcel{Tracking: "YT7000000000058", Received: now.Add(-58 * time.Hour), By: demoLi, WeightG: 1200}
	out = append(out, unknown)
	for _, ago := range []time.Duration{52 * time.Hour, 31 * time.Hour, 21 * time.Hour, 22*time.Hour + 30*time.Minute} {
		it := ordinary[rng.Intn(len(ordinary))]
		out = append(out, parcel(newRMA(it, now.Add(-ago), reasonFor(condNew), serialOf(it)), now.Add(-ago), weigh(it)))
	}
	shoe := demoCatalogue[5]
	waiting := parcel(newRMA(shoe, now.Add(-40*time.Hour), "size_fit", ""), now.Add(-40*time.Hour), weigh(shoe))
	waiting.Units = []demoUnit{{SKU: shoe.sku, Cond: condOpened, Inspector: demoChen, Start: 3 * time.Hour, Confirm: 3*time.Hour + 12*time.Minute}}
	dress := demoCatalogue[1]
	left := parcel(newRMA(dress, now.Add(-34*time.Hour), "size_fit", ""), now.Add(-34*time.Hour), weigh(dress))
	left.Units = []demoUnit{{SKU: dress.sku, Cond: condNew, Inspector: demoLi, Start: 20 * time.Hour}}
	out = append(out, waiting, left)

	sort.SliceStable(out, func(i, j int) bool { return out[i].Received.Before(out[j].Received) })
	return out
}

// demoAnswers answers a template's required questions for a unit in the
// condition cond: every answer that fires no rule, then one that fires a
// rule of the grade the condition means.
func demoAnswers(tpl *station.Category, cond string) map[string]any {
	fires := func(q string, v any) bool {
		for _, r := range tpl.Rules {
			for _, c := range r.When {
				if c.Q != q {
					continue
				}
				if c.Is == v {
					return true
				}
				for _, s := range c.In {
					if s == v {
						return true
					}
				}
			}
		}
		return false
	}
	ans := map[string]any{}
	for _, q := range tpl.Questions {
		if !q.Required {
			continue
		}
		switch q.Type {
		case station.QBool:
			ans[q.ID] = !fires(q.ID, true) // true, unless true fires a rule
		case station.QChoice:
			for _, o := range q.Options {
				if !fires(q.ID, o.Value) {
					ans[q.ID] = o.Value
					break
				}
			}
		case station.QNumber:
			ans[q.ID] = 0.0
		case station.QMulti:
			ans[q.ID] = []any{}
		}
	}
	want := map[string][]string{condOpened: {"B"}, condUsed: {"C", "B"}, condDefect: {"D", "X"}}[cond]
	// A defect is the goods' own fault where the template has one (it does
	// not work), rather than damage a customer may have done.
	rules := append([]station.Rule(nil), tpl.Rules...)
	faulty := func(r station.Rule) bool {
		for _, f := range r.Findings {
			if f == "defect" || f == "not_working" {
				return true
			}
		}
		return false
	}
	sort.SliceStable(rules, func(i, j int) bool { return faulty(rules[i]) && !faulty(rules[j]) })
	for _, g := range want {
		for _, r := range rules {
			if r.Grade != g || len(r.When) != 1 || r.When[0].Is == nil {
				continue
			}
			if _, asked := ans[r.When[0].Q]; !asked {
				continue
			}
			ans[r.When[0].Q] = r.When[0].Is
			return ans
		}
	}
	return ans
}

// seedDemoWeek plays the week before now into db, unless it is there
// already (a demo restarted on its --data keeps its week). It reports how
// many parcels it played.
func seedDemoWeek(ctx context.Context, db interface {
	Update(context.Context, *station.Idempotency, func(station.Tx) (any, error)) (any, error)
}, stationID string, now time.Time) (int, error) {
	week := demoWeek(now)
	type step struct {
		at  time.Time
		seq int // keeps a parcel's steps at the same time in order
		run func(tx station.Tx, env station.Env) error
	}
	var steps []step
	for i := range week {
		p := &week[i]
		var parcelID string
		unitIDs := make([]string, len(p.Units))
		add := func(at time.Time, run func(tx station.Tx, env station.Env) error) {
			steps = append(steps, step{at: at, seq: len(steps), run: run})
		}
		if p.RMA != nil {
			r := p.RMA
			add(p.Received.Add(-time.Hour), func(tx station.Tx, env station.Env) error {
				_, err := station.PutReturn(tx, env, r, "import")
				return err
			})
		}
		add(p.Received, func(tx station.Tx, env station.Env) error {
			env.Actor = p.By
			w := p.WeightG
			res, err := station.Receive(tx, env, station.ReceiveInput{Code: p.Tracking, WeightG: &w, Freight: p.Freight})
			if err != nil {
				return fmt.Errorf("receive %s: %w", p.Tracking, err)
			}
			parcelID = res.Parcel.ID
			return nil
		})
		for k, u := range p.Units {
			k, u := k, u
			if !happened(p.Received, u.Start, now) {
				break
			}
			add(p.Received.Add(u.Start), func(tx station.Tx, env station.Env) error {
				env.Actor = u.Inspector
				res, err := station.AddUnit(tx, env, parcelID, station.AddUnitInput{Code: u.SKU})
				if err != nil {
					return fmt.Errorf("start a unit of %s: %w", p.Tracking, err)
				}
				unitIDs[k] = res.Unit.ID
				rs, err := tx.Rules()
				if err != nil {
					return err
				}
				_, err = station.Inspect(tx, env, res.Unit.ID, station.InspectInput{Checklist: demoAnswers(rs.Template(res.Unit.Category), u.Cond), Serial: u.Serial})
				return err
			})
			if !happened(p.Received, u.Confirm, now) {
				continue
			}
			add(p.Received.Add(u.Confirm), func(tx station.Tx, env station.Env) error {
				env.Actor = u.Inspector
				in := station.ConfirmInput{}
				if u.Inspector == demoZhao {
					env.Role = station.RoleSupervisor
					in.Grade, in.OverrideReason = u.OverrideTo, u.OverrideWhy
				}
				if _, err := station.Confirm(tx, env, unitIDs[k], in); err != nil {
					return fmt.Errorf("confirm a unit of %s: %w", p.Tracking, err)
				}
				return nil
			})
			if !happened(p.Received, u.PutAway, now) {
				continue
			}
			add(p.Received.Add(u.PutAway), func(tx station.Tx, env station.Env) error {
				env.Actor = u.Inspector
				unit, err := tx.Unit(unitIDs[k])
				if err != nil {
					return err
				}
				to := "L-" + map[string]string{"restock": "A-01", "open_box": "B-01"}[unit.Result.Disposition]
				if to == "L-" {
					to = "L-C-01"
				}
				_, err = station.Move(tx, env, unitIDs[k], station.MoveInput{To: to})
				if station.ErrorCode(err) == station.EConflict { // held for review: quarantine
					_, err = station.Move(tx, env, unitIDs[k], station.MoveInput{To: "L-Q-01"})
				}
				if err != nil {
					return fmt.Errorf("put away a unit of %s: %w", p.Tracking, err)
				}
				return nil
			})
		}
		if happened(p.Received, p.Close, now) {
			add(p.Received.Add(p.Close), func(tx station.Tx, env station.Env) error {
				env.Actor = p.By
				if _, err := station.CloseParcel(tx, env, parcelID); err != nil {
					return fmt.Errorf("close %s: %w", p.Tracking, err)
				}
				return nil
			})
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })

	var cur time.Time
	clk := station.NewClock(func() time.Time { return cur }, rand.Reader)
	played := 0
	_, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		if r, err := tx.RMA(demoFirst); err != nil || r != nil {
			return nil, err // played before
		}
		for _, s := range steps {
			cur = s.at
			if err := s.run(tx, clk.Env(stationID, demoLi, station.RoleOperator)); err != nil {
				return nil, err
			}
		}
		played = len(week)
		return nil, nil
	})
	return played, err
}
