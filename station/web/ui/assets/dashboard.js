'use strict';
// Dashboard: the 24-hour clock. What is late now, what will be late within
// 4 hours, oldest first, and open parcels by age band as a chart the
// station draws.
(() => {
  const { t, lang, h, put, $, $$, api, showProblem, clearMsg, time, known } = RS;
  const hours = (s) => (s / 3600).toFixed(1);
  // A chart is drawn at the width it is shown (a handheld's, or 640 at a
  // desk), so its words are read at the size the station wrote them.
  const chartW = (img) => '&w=' + Math.max(300, Math.min(640, Math.round(img.clientWidth || 640)));

  function table(rows) {
    const cols = [
      ['tracking', (p) => h('b', { class: 'mono', text: p.tracking || '' })],
      ['rma', (p) => p.rma || ''],
      ['received', (p) => time(p.received_at, true)],
      ['age', (p) => hours(p.age_seconds)],
      ['state', (p) => h('span', { class: 'state-' + p.state, text: t('dash.state.' + p.state) })],
      ['waiting', (p) => t('dash.wait.' + p.waiting) + ((p.exceptions || []).length ? ' (' + RS.list(p.exceptions.map((c) => known('ex.' + c, c))) + ')' : '')],
      ['stage', (p) => hours(p.stage_seconds)],
    ];
    return h('table', { class: 'tbl cards-sm' },
      h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('dash.col_' + k) })))),
      h('tbody', {}, rows.map((p) => h('tr', { 'data-parcel': p.parcel_id, 'data-state': p.state, class: p.state === 'due_soon' ? '' : 'flagged' },
        cols.map(([k, f]) => h('td', { 'data-label': t('dash.col_' + k) }, f(p)))))));
  }

  async function load() {
    const box = $('#dash-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/stats/ageing');
    if (!r.ok) {
      $('#dash-list').replaceChildren();
      showProblem(box, r.problem);
      return;
    }
    const b = r.data;
    $('#dash-intro').textContent = t('dash.intro', { target: b.target_seconds / 3600, alarm: b.alarm_seconds / 3600 });
    put($('#dash-counts'),
      h('span', { class: 'chip', 'data-count': 'open' }, t('dash.open', { n: b.open })),
      h('span', { class: 'chip', 'data-count': 'late' }, t('dash.late', { n: b.late })),
      h('span', { class: 'chip', 'data-count': 'alarm' }, t('dash.alarm', { n: b.alarm })),
      h('span', { class: 'chip', 'data-count': 'due' }, t('dash.due', { n: b.due_soon })),
      h('span', { class: 'chip', 'data-count': 'oldest' }, t('dash.oldest', { h: hours(b.oldest_seconds) })));
    const img = $('#dash-chart');
    const band = (k) => (k.to_seconds ? k.from_seconds / 3600 + '–' + k.to_seconds / 3600 : '≥ ' + k.from_seconds / 3600) + ' h';
    img.alt = t('dash.chart') + ': ' + b.buckets.map((k) => band(k) + ' ' + t('dash.state.' + k.state) + ' ' + k.count).join(', ');
    img.src = '/api/v1/stats/ageing.svg?lang=' + lang + '&at=' + encodeURIComponent(b.at) + chartW(img);
    const rows = b.parcels || [];
    const more = b.late + b.due_soon - rows.length;
    put($('#dash-list'), rows.length ? table(rows) : h('p', { class: 'dim', text: t('dash.none') }),
      more > 0 ? h('p', { class: 'dim', 'data-more': more, text: t('dash.more', { n: more, shown: rows.length }) }) : null);
    document.body.dataset.board = b.at;
  }

  // Cost and estimated recovery per category over the last 7 days, in the
  // station's currency (rows in another currency are in the CSV).
  async function loadValue() {
    const box = $('#val-msg');
    clearMsg(box);
    const ask = new URLSearchParams();
    for (const k of ['from', 'to']) if ($('#val-' + k).value) ask.set(k, $('#val-' + k).value);
    const r = await api('GET', '/api/v1/stats/value' + (ask.size ? '?' + ask : ''));
    if (!r.ok) {
      $('#val-list').replaceChildren();
      showProblem(box, r.problem, $('#val-form'));
      return;
    }
    const v = r.data;
    $('#val-from').value = v.from;
    $('#val-to').value = v.to;
    const name = (c) => (c.name ? (lang === 'zh' ? c.name.zh : c.name.en) : c.category ? c.category : t('val.unmatched'));
    const q = '?from=' + v.from + '&to=' + v.to;
    $('#val-range').textContent = t('val.range', { from: v.from, to: v.to, cur: v.currency });
    const tot = (v.totals || []).find((x) => x.currency === v.currency);
    put($('#val-totals'), tot
      ? [h('span', { class: 'chip', 'data-val': 'units' }, t('val.units', { n: tot.units })),
        h('span', { class: 'chip', 'data-val': 'recovery' }, t('val.recovery_total', { v: tot.recovery, pct: tot.recovery_pct })),
        h('span', { class: 'chip', 'data-val': 'cost' }, t('val.cost_total', { v: tot.cost })),
        h('span', { class: 'chip', 'data-val': 'net' }, t('val.net_total', { v: tot.net }))]
      : []);
    $('#val-csv').href = '/api/v1/stats/value.csv' + q + '&lang=zh';
    $('#val-csv-en').href = '/api/v1/stats/value.csv' + q + '&lang=en';
    const rows = (v.categories || []).filter((c) => c.currency === v.currency);
    const img = $('#val-chart');
    img.alt = t('val.chart') + ': ' + rows.map((c) => name(c) + ' ' + t('val.col_cost') + ' ' + c.cost + ', ' + t('val.col_recovery') + ' ' + c.recovery).join('; ');
    img.src = '/api/v1/stats/value.svg' + q + '&lang=' + lang + '&n=' + (tot ? tot.units : 0) + chartW(img);
    const cols = [
      ['category', (c) => h('b', { text: name(c) })],
      ['units', (c) => String(c.units)],
      ['recovery', (c) => c.recovery + ' (' + c.recovery_pct + '%)'],
      ['handling', (c) => c.handling_cost + ' / ' + c.handling_min + ' min'],
      ['freight', (c) => c.freight],
      ['cost', (c) => c.cost],
      ['net', (c) => c.net],
    ];
    put($('#val-list'), rows.length
      ? h('table', { class: 'tbl cards-sm', id: 'val-table' },
        h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('val.col_' + k) })))),
        h('tbody', {}, rows.map((c) => h('tr', { 'data-category': c.category },
          cols.map(([k, f]) => h('td', { 'data-label': t('val.col_' + k) }, f(c)))))))
      : h('p', { class: 'dim', text: t('val.none') }));
    document.body.dataset.value = v.from + '..' + v.to;
  }

  // What comes back and why: the customer's reason against the inspector's
  // finding, the mixes, the rows by category and channel, the most returned
  // SKUs and the product team's defect list, over the days asked.
  let whyNames = null;
  async function names() {
    if (whyNames) return whyNames;
    const r = await api('GET', '/api/v1/rules');
    whyNames = { grade: {}, disposition: {}, finding: {}, category: {} };
    if (!r.ok) return whyNames;
    for (const g of r.data.grades || []) whyNames.grade[g.code] = RS.tx(g.name);
    for (const d of r.data.dispositions || []) whyNames.disposition[d.code] = RS.tx(d.name);
    for (const f of r.data.findings || []) whyNames.finding[f.code] = RS.tx(f.name);
    for (const c of r.data.categories || []) whyNames.category[c.id] = RS.tx(c.name);
    return whyNames;
  }

  function whyQuery() {
    const q = new URLSearchParams();
    const from = $('#why-from').value, to = $('#why-to').value, by = $('#why-by').value;
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    if (by) q.set(by, $('#why-value').value.trim());
    return q;
  }

  function whyTable(id, cols, rows, key) {
    return h('table', { class: 'tbl cards-sm', id },
      h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('why.col_' + k) })))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-key': key(r) },
        cols.map(([k, f]) => h('td', { 'data-label': t('why.col_' + k) }, f(r)))))));
  }

  const pctOf = (n, of) => (of ? ((n * 100) / of).toFixed(1) : '0.0');
  const money = (refunds) => {
    const sum = {};
    for (const r of refunds || []) sum[r.currency] = (sum[r.currency] || 0) + Math.round(parseFloat(r.amount) * 100);
    return Object.entries(sum).map(([c, v]) => (v / 100).toFixed(2) + ' ' + c).join('; ') || '0.00';
  };

  async function loadWhy() {
    const box = $('#why-msg');
    clearMsg(box);
    const form = $('#why-form');
    const q = whyQuery();
    const [r, d, n] = await Promise.all([api('GET', '/api/v1/stats/returns?' + q),
      api('GET', '/api/v1/stats/defects?' + q + '&limit=10'), names()]);
    const bad = !r.ok ? r : !d.ok && !q.has('channel') ? d : null;
    if (bad) {
      for (const id of ['#why-reasons', '#why-mix', '#why-rows', '#why-defects']) $(id).replaceChildren();
      showProblem(box, bad.problem, form);
      return;
    }
    const w = r.data, tot = w.total;
    $('#why-from').value = w.from;
    $('#why-to').value = w.to;
    q.set('from', w.from);
    q.set('to', w.to);
    $('#why-range').textContent = t('why.range', { from: w.from, to: w.to });
    put($('#why-totals'),
      h('span', { class: 'chip', 'data-why': 'units' }, t('why.units', { n: tot.units })),
      h('span', { class: 'chip', 'data-why': 'defects' }, t('why.defects', { n: tot.defect_units, pct: pctOf(tot.defect_units, tot.units) })),
      h('span', { class: 'chip', 'data-why': 'fault_none' }, t('why.fault_none', { n: tot.said_fault_none_found })),
      h('span', { class: 'chip', 'data-why': 'nofault_defect' }, t('why.nofault_defect', { n: tot.said_no_fault_defect_found })),
      h('span', { class: 'chip', 'data-why': 'refund' }, t('why.refund', { v: money(tot.refunds) })));

    // Reason against finding: per reason, defect found, another fault, no fault.
    const reasonName = (c) => (c ? known('reason.' + c, c) : t('why.no_rma'));
    const by = new Map();
    for (const c of tot.reasons || []) {
      const v = by.get(c.reason) || { reason: c.reason, units: 0, defect: 0, fault: 0, nofault: 0 };
      v.units += c.units;
      if (c.outcome === 'defect') v.defect += c.units;
      else if (c.outcome === 'seller_fault' || c.outcome === 'missing') v.fault += c.units;
      else v.nofault += c.units;
      by.set(c.reason, v);
    }
    const reasons = [...by.values()].sort((a, b) => b.units - a.units);
    const img = $('#why-chart');
    img.alt = t('why.chart') + ': ' + reasons.map((v) => reasonName(v.reason) + ' ' + t('why.col_defect') + ' ' + v.defect + ', ' +
      t('why.col_fault') + ' ' + v.fault + ', ' + t('why.col_nofault') + ' ' + v.nofault).join('; ');
    img.src = '/api/v1/stats/returns.svg?' + q + '&lang=' + lang + '&n=' + tot.units + chartW(img);
    put($('#why-reasons'), reasons.length
      ? whyTable('why-reason-table', [
        ['reason', (v) => h('b', { text: reasonName(v.reason) })],
        ['units', (v) => String(v.units)],
        ['defect', (v) => String(v.defect)],
        ['fault', (v) => String(v.fault)],
        ['nofault', (v) => String(v.nofault)],
      ], reasons, (v) => v.reason)
      : h('p', { class: 'dim', text: t('why.none') }));

    // Mixes: grades, dispositions, refund decisions.
    const mix = (label, list, name) => h('p', { class: 'mix' }, h('b', { text: label + ': ' }),
      (list || []).map((c) => name(c.code) + ' ' + c.units).join(lang === 'zh' ? '，' : ', ') || '—');
    put($('#why-mix'), tot.units ? [
      mix(t('why.mix_grades'), tot.grades, (c) => n.grade[c] || c),
      mix(t('why.mix_disps'), tot.dispositions, (c) => n.disposition[c] || c),
      mix(t('why.mix_decisions'), tot.decisions, (c) => known('why.decision.' + c, c)),
    ] : []);

    // Rows by category and channel, and the most returned SKUs.
    const rowCols = (k, name) => [
      [k, (x) => h('b', { text: name(x.key) })],
      ['units', (x) => String(x.units)],
      ['rate', (x) => x.defect_units + ' (' + pctOf(x.defect_units, x.units) + '%)'],
      ['fault_none', (x) => String(x.said_fault_none_found)],
      ['nofault_defect', (x) => String(x.said_no_fault_defect_found)],
      ['refund', (x) => money(x.refunds)],
    ];
    const part = (title, id, k, rows, name) => [h('h4', { text: title }), rows == null
      ? h('p', { class: 'dim', text: t('why.not_kept') })
      : rows.length ? whyTable(id, rowCols(k, name), rows, (x) => x.key) : h('p', { class: 'dim', text: t('why.none') })];
    put($('#why-rows'),
      part(t('why.col_category'), 'why-cat-table', 'category', w.categories, (c) => n.category[c] || c || t('why.none_value')),
      part(t('why.col_channel'), 'why-chan-table', 'channel', w.channels, (c) => c || t('why.no_channel')),
      part(t('why.skus'), 'why-sku-table', 'sku', w.skus, (c) => c));

    // The product team's list.
    const defects = d.ok ? d.data.skus : null;
    const dimg = $('#why-defects-chart');
    dimg.hidden = !defects;
    if (defects) {
      dimg.alt = t('why.defects_chart') + ': ' + defects.map((k) => k.sku + ' ' + k.defect_units + '/' + k.units).join('; ');
      dimg.src = '/api/v1/stats/defects.svg?' + q + '&lang=' + lang + '&n=' + tot.defect_units + chartW(dimg);
    }
    put($('#why-defects'), defects == null
      ? h('p', { class: 'dim', text: t('why.not_kept') })
      : defects.length ? whyTable('why-defect-table', [
        ['sku', (k) => h('b', { class: 'mono', text: k.sku })],
        ['name', (k) => k.name || ''],
        ['units', (k) => String(k.units)],
        ['defect_units', (k) => String(k.defect_units)],
        ['rate', (k) => (k.defect_rate * 100).toFixed(1) + '%'],
        ['findings', (k) => RS.list((k.findings || []).map((f) => (n.finding[f.code] || f.code) + ' ' + f.units))],
      ], defects, (k) => k.sku) : h('p', { class: 'dim', text: t('why.no_defects') }));

    // Every table as CSV, in Chinese and in English.
    const links = (l, label) => h('span', { class: 'csv-links' }, h('b', { text: label + ': ' }),
      ['reasons', 'categories', 'channels', 'skus', 'mix', 'defects'].map((tb) => h('a', {
        class: 'btn', 'data-csv': tb + '-' + l, download: '',
        href: tb === 'defects' ? '/api/v1/stats/defects.csv?' + q + '&lang=' + l : '/api/v1/stats/returns.csv?' + q + '&table=' + tb + '&lang=' + l,
        text: t('why.t.' + tb),
      })));
    put($('#why-csv'), links('zh', t('why.csv')), links('en', t('why.csv_en')));
    document.body.dataset.why = w.from + '..' + w.to + (w.filter ? ' ' + w.filter + '=' + w.value : '');
  }

  // Risk alarms: open now and raised in the last 7 days, newest first, each
  // with the station's own words for what tripped it.
  async function loadAlerts() {
    const box = $('#alerts-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/stats/alerts');
    if (!r.ok) {
      $('#alerts-list').replaceChildren();
      showProblem(box, r.problem);
      return;
    }
    const l = r.data;
    const open = Object.values(l.open || {}).reduce((a, b) => a + b, 0);
    const q = '?from=' + l.from + '&to=' + l.to;
    $('#alerts-csv').href = '/api/v1/stats/alerts.csv' + q + '&lang=zh';
    $('#alerts-csv-en').href = '/api/v1/stats/alerts.csv' + q + '&lang=en';
    put($('#alerts-counts'), h('span', { class: 'chip' + (open ? ' flagged' : ''), 'data-alerts': 'open' }, t('dash.alerts.open_n', { n: open })),
      Object.entries(l.open || {}).filter(([, n]) => n > 0).map(([k, n]) =>
        h('span', { class: 'chip', 'data-alerts': k }, t('dash.alerts.kind.' + k) + ': ' + n)));
    const cols = [
      ['raised', (a) => time(a.opened_at, true)],
      ['kind', (a) => h('b', { text: known('dash.alerts.kind.' + a.alert.kind, a.alert.kind) })],
      ['subject', (a) => h('span', { class: 'mono', text: a.alert.subject })],
      ['message', (a) => (lang === 'zh' ? a.alert.message.zh : a.alert.message.en)],
      ['state', (a) => h('span', { class: 'state-' + a.state, text: t('dash.alerts.state.' + a.state) })],
    ];
    const rows = l.alerts || [];
    put($('#alerts-list'), rows.length
      ? h('table', { class: 'tbl cards-sm', id: 'alerts-table' },
        h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('dash.alerts.col_' + k) })))),
        h('tbody', {}, rows.map((a) => h('tr', { 'data-alert': a.id, 'data-kind': a.alert.kind, 'data-state': a.state, class: a.state === 'open' ? 'flagged' : '' },
          cols.map(([k, f]) => h('td', { 'data-label': t('dash.alerts.col_' + k) }, f(a)))))))
      : h('p', { class: 'dim', text: t('dash.alerts.none') }));
    document.body.dataset.alerts = String(rows.length);
  }

  // Throughput and time to result over today (per hour), the last 7 or
  // the last 30 days (per day), and the inspectors over the same days.
  let span = 7;
  let today = '';
  const dayBefore = (day, n) => {
    const d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() - n);
    return d.toISOString().slice(0, 10);
  };
  const hh = (s) => (s / 3600).toFixed(1);
  const mins = (s) => (s / 60).toFixed(1);

  function spanQuery() {
    if (!today) return '';
    return '?from=' + dayBefore(today, span - 1) + '&to=' + today;
  }

  function dwellTable(rows, key, label, id) {
    const cols = [
      [key, label],
      ['units', (r) => String(r.units)],
      ['median', (r) => (r.units ? hh(r.median_seconds) : '–')],
      ['p90', (r) => (r.units ? hh(r.p90_seconds) : '–')],
    ];
    return h('table', { class: 'tbl cards-sm', id },
      h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('thr.col_' + k) })))),
      h('tbody', {}, rows.map((r) => h('tr', { ['data-' + key]: r[key] },
        cols.map(([k, f]) => h('td', { 'data-label': t('thr.col_' + k) }, f(r)))))));
  }

  async function loadThroughput() {
    const box = $('#thr-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/stats/throughput' + spanQuery());
    if (!r.ok) {
      $('#thr-cats').replaceChildren();
      $('#thr-days').replaceChildren();
      showProblem(box, r.problem);
      return;
    }
    const v = r.data;
    if (!today) today = v.to;
    const q = '?from=' + v.from + '&to=' + v.to;
    $('#thr-range').textContent = t('thr.range', { from: v.from, to: v.to, by: t('thr.by.' + v.by), res: v.resolution_pct });
    put($('#thr-totals'),
      h('span', { class: 'chip', 'data-thr': 'received' }, t('thr.received', { n: v.received })),
      h('span', { class: 'chip', 'data-thr': 'inspected' }, t('thr.inspected', { n: v.inspected })),
      h('span', { class: 'chip', 'data-thr': 'put_away' }, t('thr.put_away', { n: v.put_away })),
      v.dwell.units ? h('span', { class: 'chip', 'data-thr': 'median' }, t('thr.median', { h: hh(v.dwell.median_seconds) })) : null,
      v.dwell.units ? h('span', { class: 'chip', 'data-thr': 'p90' }, t('thr.p90', { h: hh(v.dwell.p90_seconds) })) : null);
    const img = $('#thr-chart');
    const busy = v.periods.filter((p) => p.received || p.inspected || p.put_away);
    img.alt = t('thr.chart') + ': ' + (busy.length
      ? busy.map((p) => p.start.replace('T', ' ') + ' ' + t('thr.received', { n: p.received }) + ', ' + t('thr.inspected', { n: p.inspected }) + ', ' + t('thr.put_away', { n: p.put_away })).join('; ')
      : t('thr.none'));
    img.src = '/api/v1/stats/throughput.svg' + q + '&lang=' + lang + '&n=' + v.received + '.' + v.inspected + '.' + v.put_away + chartW(img);
    $('#thr-csv').href = '/api/v1/stats/throughput.csv' + q + '&lang=zh';
    $('#thr-csv-en').href = '/api/v1/stats/throughput.csv' + q + '&lang=en';
    $('#thr-cat-csv').href = '/api/v1/stats/throughput.csv' + q + '&table=categories&lang=zh';
    $('#thr-day-csv').href = '/api/v1/stats/throughput.csv' + q + '&table=days&lang=zh';
    const catName = (c) => h('b', { text: (lang === 'zh' ? c.name.zh : c.name.en) || c.category });
    put($('#thr-cats'), v.dwell_by_category.length
      ? dwellTable(v.dwell_by_category, 'category', catName, 'thr-cat-table')
      : h('p', { class: 'dim', text: t('thr.none') }));
    const days = v.dwell_by_day.filter((d) => d.units);
    put($('#thr-days'), days.length ? dwellTable(days, 'day', (d) => d.day, 'thr-day-table') : h('p', { class: 'dim', text: t('thr.none') }));
    document.body.dataset.throughput = v.from + '..' + v.to + ' ' + v.by;
  }

  async function loadInspectors() {
    const box = $('#insp-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/stats/inspectors' + spanQuery());
    if (!r.ok) {
      $('#insp-list').replaceChildren();
      showProblem(box, r.problem);
      return;
    }
    const v = r.data;
    const q = '?from=' + v.from + '&to=' + v.to;
    $('#insp-csv').href = '/api/v1/stats/inspectors.csv' + q + '&lang=zh';
    $('#insp-csv-en').href = '/api/v1/stats/inspectors.csv' + q + '&lang=en';
    const cols = [
      ['inspector', (i) => [h('b', { text: i.name || i.inspector.replace(/^user:/, '') }), i.name ? h('span', { class: 'dim', text: ' ' + i.inspector.replace(/^user:/, '') }) : null]],
      ['units', (i) => String(i.units)],
      ['median', (i) => mins(i.median_seconds_per_unit)],
      ['p90', (i) => mins(i.p90_seconds_per_unit)],
      ['regraded', (i) => String(i.regraded_units)],
      ['rate', (i) => (100 * i.override_rate).toFixed(1) + '%'],
      ['regrades', (i) => String(i.regrades)],
    ];
    put($('#insp-list'), v.inspectors.length
      ? h('table', { class: 'tbl cards-sm', id: 'insp-table' },
        h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('insp.col_' + k) })))),
        h('tbody', {}, v.inspectors.map((i) => h('tr', { 'data-inspector': i.inspector },
          cols.map(([k, f]) => h('td', { 'data-label': t('insp.col_' + k) }, f(i)))))))
      : h('p', { class: 'dim', text: t('insp.none') }));
    document.body.dataset.inspectors = v.from + '..' + v.to;
  }

  async function loadFlow() {
    await loadThroughput();
    await loadInspectors();
  }

  // The alarms' thresholds, the rule document's alarms section: each rule's
  // numbers (empty or 0: the default) and an off switch.
  const thresholds = [
    ['customer', 'dash.alerts.kind.customer_pattern', [['count', 2, 1000], ['window_days', 1, 366]]],
    ['serial', 'dash.alerts.kind.serial_repeat', []],
    ['sku', 'dash.th.sku', [['factor', 1, 100], ['min_count', 1, 100000], ['trailing_days', 7, 120]]],
    ['weight', 'dash.alerts.kind.weight_mismatch', [['min_samples', 1, 1000], ['tolerance_pct', 1, 1000], ['min_diff_g', 1, 100000]]],
    ['override', 'dash.alerts.kind.override_rate', [['window_days', 1, 366], ['min_units', 1, 100000], ['factor', 1, 100], ['min_rate_pct', 1, 100]]],
  ];

  async function loadThresholds() {
    const r = await api('GET', '/api/v1/rules');
    if (!r.ok) { showProblem($('#th-msg'), r.problem); return; }
    const a = r.data.alarms || {};
    const form = $('#th-form');
    form.replaceChildren(...thresholds.map(([rule, name, fields]) => {
      const cur = a[rule] || {};
      const id = (f) => 'th-' + rule + '-' + f;
      return h('fieldset', { class: 'th-rule', 'data-rule': rule },
        h('legend', { text: t(name) }),
        fields.map(([f, min, max]) => h('div', { class: 'field' },
          h('label', { for: id(f) }, t('dash.th.' + f), ' ', h('span', { class: 'dim', text: t('dash.th.range', { min, max }) })),
          h('input', { id: id(f), type: 'number', inputmode: f === 'factor' ? 'decimal' : 'numeric', step: f === 'factor' ? 'any' : '1',
            'data-field': 'alarms.' + rule + '.' + f, value: cur[f] ? String(cur[f]) : '' }))),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', 'data-field': 'alarms.' + rule + '.off', checked: !!cur.off }), ' ', t('dash.th.off')));
    }), h('button', { type: 'submit', class: 'btn primary' }, t('dash.th.save')));
  }

  async function saveThresholds(e) {
    e.preventDefault();
    const box = $('#th-msg'), form = $('#th-form');
    clearMsg(box);
    const r = await api('GET', '/api/v1/rules');
    if (!r.ok) { showProblem(box, r.problem, form); return; }
    const rules = r.data;
    rules.alarms = {};
    for (const [rule, , fields] of thresholds) {
      const o = {};
      for (const [f] of fields) {
        const v = form.querySelector('[data-field="alarms.' + rule + '.' + f + '"]').value.trim();
        if (v !== '') o[f] = Number(v);
      }
      if (form.querySelector('[data-field="alarms.' + rule + '.off"]').checked) o.off = true;
      rules.alarms[rule] = o;
    }
    const w = await api('PUT', '/api/v1/rules', rules);
    if (!w.ok) { showProblem(box, w.problem, form); RS.beep('error'); return; }
    RS.clearFields(form);
    RS.showMsg(box, 'good', t('dash.th.saved', { v: w.data.version }));
    document.body.dataset.rulesVersion = String(w.data.version);
  }

  RS.start('dashboard').then(async (s) => {
    if (!s) return;
    $('#refresh').addEventListener('click', load);
    $('#refresh').addEventListener('click', loadValue);
    $('#val-form').addEventListener('submit', (e) => { e.preventDefault(); loadValue(); });
    $('#refresh').addEventListener('click', loadAlerts);
    $('#refresh').addEventListener('click', loadFlow);
    for (const b of $$('[data-thr-span]')) {
      b.addEventListener('click', () => {
        span = Number(b.dataset.thrSpan);
        for (const x of $$('[data-thr-span]')) x.setAttribute('aria-pressed', String(x === b));
        loadFlow();
      });
    }
    await load();
    await loadAlerts();
    $('#th-form').addEventListener('submit', saveThresholds);
    await loadThresholds();
    await loadValue();
    $('#refresh').addEventListener('click', loadWhy);
    $('#why-by').addEventListener('change', () => { $('#why-value').dataset.field = $('#why-by').value || 'category'; });
    $('#why-form').addEventListener('submit', (e) => { e.preventDefault(); loadWhy(); });
    await loadWhy();
    await loadFlow();
    // Turned or resized: the charts are drawn again at their new width.
    let resized;
    window.addEventListener('resize', () => {
      clearTimeout(resized);
      resized = setTimeout(() => $$('img.chart').forEach((img) => {
        const src = img.getAttribute('src') || '';
        const next = src.replace(/&w=\d+/, chartW(img));
        if (next !== src) img.src = next;
      }), 200);
    });
    document.body.dataset.ready = 'true';
  });
})();
