'use strict';
// Inbound board: what carriers say arrives today or tomorrow, what was
// delivered but never scanned, what is stuck and what is going back.
(() => {
  const { t, ta, both, h, put, icon, $, $$, api, showProblem, showMsg, clearMsg, known, time } = RS;
  let day = 'today';
  const sections = [
    ['arriving', 'inbound.arriving', 'receive'],
    ['delivered_not_scanned', 'inbound.delivered_not_scanned', 'warn'],
    ['stuck', 'inbound.stuck', 'warn'],
    ['return_to_sender', 'inbound.return_to_sender', 'error'],
  ];

  function table(rows) {
    const cols = [
      ['tracking', (s) => h('b', { class: 'mono', text: s.tracking || '' })],
      ['carrier', (s) => s.carrier || ''],
      ['rma', (s) => s.rma || ''],
      ['status', (s) => known('track.' + s.status, s.status || '')],
      ['since', (s) => time(s.status_at, true)],
      ['eta', (s) => time(s.eta, true)],
      ['where', (s) => [s.location, s.description].filter(Boolean).join(' · ')],
    ];
    return h('table', { class: 'tbl cards-sm' },
      h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { text: t('inbound.col_' + k) })))),
      h('tbody', {}, rows.map((s) => h('tr', { class: (s.flags || []).length ? 'flagged' : '' },
        cols.map(([k, f]) => h('td', { 'data-label': t('inbound.col_' + k) }, f(s)))))));
  }

  // generic shows a field the board does not know yet, as well as it can.
  function generic(k, v) {
    if (Array.isArray(v)) {
      if (!v.length) return null;
      if (typeof v[0] === 'object') return h('section', { class: 'panel' }, h('h2', { text: k }), table(v));
      return h('p', {}, h('b', { text: k + ': ' }), RS.list(v));
    }
    if (v && typeof v === 'object') return h('p', {}, h('b', { text: k + ': ' }), Object.entries(v).map(([a, b]) => a + ' ' + b).join(' · '));
    return h('p', {}, h('b', { text: k + ': ' }), String(v));
  }

  function render(b) {
    const body = $('#inbound-body');
    const counts = b.counts || {};
    const chips = h('div', { class: 'chips' },
      h('span', { class: 'chip good' }, icon('ok'), t('inbound.received_today', { n: b.received_today || 0 })),
      Object.keys(counts).sort().map((k) => h('span', { class: 'chip' }, known('track.' + k, k) + ': ', h('b', { text: String(counts[k]) }))));
    const parts = [h('p', { class: 'dim', text: t('inbound.day', { day: b.day || '' }) }), chips];
    const seen = new Set(['day', 'counts', 'received_today']);
    for (const [k, key, ic] of sections) {
      seen.add(k);
      const rows = b[k] || [];
      parts.push(h('section', { class: 'panel', 'data-section': k },
        h('h2', {}, icon(ic), h('span', { class: 't', text: t(key) }), h('span', { class: 'alt', text: ' ' + ta(key) }), h('span', { class: 'count', text: ' ' + rows.length })),
        rows.length ? table(rows) : h('p', { class: 'dim', text: t('inbound.none') })));
    }
    for (const [k, v] of Object.entries(b)) if (!seen.has(k)) parts.push(generic(k, v));
    put(body, ...parts);
  }

  async function load() {
    const box = $('#inbound-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/inbound?day=' + day);
    if (r.ok) { render(r.data || {}); return; }
    $('#inbound-body').replaceChildren();
    if (RS.notConfigured(r.status)) showMsg(box, 'warn', both('inbound.not_configured'));
    else showProblem(box, r.problem);
  }

  RS.start('inbound').then(async (s) => {
    if (!s) return;
    for (const b of $$('[data-day]')) {
      b.addEventListener('click', () => {
        day = b.dataset.day;
        for (const x of $$('[data-day]')) x.setAttribute('aria-pressed', String(x === b));
        load();
      });
    }
    $('#refresh').addEventListener('click', load);
    await load();
    setInterval(load, 60000);
    document.body.dataset.ready = 'true';
  });
})();
