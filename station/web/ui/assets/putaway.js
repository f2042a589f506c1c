'use strict';
// Put away: scan a unit's label, then the tote or location it goes into;
// again and again. A scan that does not fit the step says why.
(() => {
  const { t, ta, h, icon, $, api, beep, time, tx, known } = RS;
  const KEY = 'rs.putaway';
  const saved = RS.store.get(KEY, { history: [] });
  let unit = null;
  let rules = null;
  const enc = encodeURIComponent;
  const dispName = (c) => { const d = rules && rules.dispositions.find((x) => x.code === c); return d ? tx(d.name) : c; };

  function step() {
    $('#step-unit').classList.toggle('on', !unit);
    $('#step-target').classList.toggle('on', !!unit);
    $('#scan-label').textContent = unit ? t('putaway.scan_target') : t('putaway.scan_unit');
    const cur = $('#current');
    cur.hidden = !unit;
    if (unit) {
      const res = unit.result || {};
      cur.replaceChildren(
        h('div', { class: 'grade-big g-' + res.grade, text: res.grade || '?' }),
        h('div', {},
          h('div', { class: 'big', text: unit.name || unit.sku }),
          h('div', { class: 'mono dim', text: unit.id }),
          h('div', { class: 'disp' }, t('putaway.goes_to') + ': ', h('b', { text: dispName(res.disposition) })),
          unit.location ? h('div', { class: 'dim', text: t('putaway.now_in', { loc: unit.location }) }) : null,
          h('button', { type: 'button', class: 'btn', onclick: cancel }, t('putaway.cancel'))));
    }
  }

  function show(kind, head, lines) {
    const box = $('#result');
    box.className = 'result ' + kind;
    box.replaceChildren(icon(kind === 'ok' ? 'ok' : kind === 'info' ? 'scan' : kind === 'warn' ? 'warn' : 'error', 'ri'),
      h('div', { class: 'rbody' },
        h('div', { class: 'rh', text: t(head) }), h('div', { class: 'ra', text: ta(head) }),
        lines.map((l) => h('p', { class: 'rd big', text: l }))));
  }

  function cancel() {
    unit = null;
    step();
    show('info', 'putaway.ready', []);
  }

  function wrong(head, line) {
    show('error', head, [line]);
    beep('error');
  }

  async function onScan(code) {
    const r = await api('GET', '/api/v1/lookup?code=' + enc(code));
    if (!r.ok) { wrong('putaway.wrong', r.problem.detail); return; }
    const d = r.data;
    switch (d.kind) {
      case 'unit': {
        if (d.unit.status !== 'inspected') { wrong('putaway.wrong', t('putaway.not_inspected', { id: d.unit.id })); return; }
        const switched = unit && unit.id !== d.unit.id;
        unit = d.unit;
        step();
        show('info', 'putaway.unit_ok', [switched ? t('putaway.switched') : t('putaway.now_target')]);
        beep('ok');
        return;
      }
      case 'tote':
      case 'location': {
        if (!unit) { wrong('putaway.wrong', t('putaway.unit_first', { code: d.id })); return; }
        const m = await api('POST', '/api/v1/units/' + enc(unit.id) + '/move', { to: code.trim() });
        if (!m.ok) { wrong('putaway.wrong', m.problem.detail); return; }
        const u = m.data;
        show('ok', 'putaway.moved', [(u.name || u.sku) + ' → ' + u.location, t('putaway.next')]);
        beep('ok');
        saved.history.unshift({ at: new Date().toISOString(), unit: u.id, name: u.name || u.sku, to: u.location, kind: u.location_kind });
        saved.history.length = Math.min(saved.history.length, 20);
        RS.store.set(KEY, saved);
        unit = null;
        step();
        renderHistory();
        return;
      }
      case 'parcel':
        wrong('putaway.wrong', t('putaway.is_parcel'));
        return;
      case 'rma':
        wrong('putaway.wrong', t('putaway.is_rma'));
        return;
      default:
        wrong('putaway.wrong', t('putaway.unknown', { code: code.trim() }));
    }
  }

  function renderHistory() {
    $('#history').replaceChildren(...saved.history.map((e) => h('li', { class: 'h-ok' }, icon('ok'),
      h('span', { class: 'hk mono', text: '→ ' + e.to }), h('span', { class: 'hc', text: e.name }),
      h('span', { class: 'hr', text: known('putaway.kind_' + e.kind, e.kind || '') + ' · ' + e.unit }), h('time', { text: time(e.at, 'seconds') }))));
  }

  RS.start('putaway').then(async (s) => {
    if (!s) return;
    RS.scanField($('#scan'), onScan, true);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && unit) cancel();
    });
    const r = await api('GET', '/api/v1/rules');
    rules = r.ok ? r.data : { dispositions: [] };
    step();
    renderHistory();
    document.body.dataset.ready = 'true';
  });
})();
