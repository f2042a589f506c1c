'use strict';
// Dashboard: the 24-hour clock. What is late now, what will be late within
// 4 hours, oldest first, and open parcels by age band as a chart the
// station draws.
(() => {
  const { t, lang, h, put, $, api, showProblem, clearMsg, time, known } = RS;
  const hours = (s) => (s / 3600).toFixed(1);

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
    img.src = '/api/v1/stats/ageing.svg?lang=' + lang + '&at=' + encodeURIComponent(b.at);
    const rows = b.parcels || [];
    put($('#dash-list'), rows.length ? table(rows) : h('p', { class: 'dim', text: t('dash.none') }));
    document.body.dataset.board = b.at;
  }

  // Cost and estimated recovery per category over the last 7 days, in the
  // station's currency (rows in another currency are in the CSV).
  async function loadValue() {
    const box = $('#val-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/stats/value');
    if (!r.ok) {
      $('#val-list').replaceChildren();
      showProblem(box, r.problem);
      return;
    }
    const v = r.data;
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
    img.src = '/api/v1/stats/value.svg' + q + '&lang=' + lang + '&n=' + (tot ? tot.units : 0);
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

  RS.start('dashboard').then(async (s) => {
    if (!s) return;
    $('#refresh').addEventListener('click', load);
    $('#refresh').addEventListener('click', loadValue);
    await load();
    await loadValue();
    document.body.dataset.ready = 'true';
  });
})();
