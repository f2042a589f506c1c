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
          placeHint(unit.placement),
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
        unit = Object.assign({}, d.unit, { placement: d.placement });
        step();
        show('info', 'putaway.unit_ok', [switched ? t('putaway.switched') : t('putaway.now_target')]);
        beep('ok');
        return;
      }
      case 'tote':
      case 'location': {
        if (!unit) {
          if (d.tote) { showTote(d.tote); show('info', 'putaway.tote_shown', [t('putaway.unit_first', { code: d.id })]); beep('ok'); return; }
          wrong('putaway.wrong', t('putaway.unit_first', { code: d.id }));
          return;
        }
        const m = await api('POST', '/api/v1/units/' + enc(unit.id) + '/move', { to: code.trim() });
        if (!m.ok) { wrong('putaway.wrong', await moveRefusal(m.problem, d)); return; }
        const u = m.data;
        if (u.location_kind === 'tote') refreshTote(u.location);
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

  // placeHint says where the station suggests the unit goes: a tote that
  // already holds its disposition, an empty tote, or a quarantine location.
  function placeHint(pl) {
    if (!pl) return null;
    let text;
    if (pl.held) text = t('putaway.place_quarantine', { loc: (pl.locations || []).join('…, ') + '…' });
    else if ((pl.totes || []).length) text = t('putaway.place_tote', { totes: RS.list(pl.totes), disp: dispName(pl.disposition) });
    else text = t('putaway.place_empty', { disp: dispName(pl.disposition) });
    return h('div', { class: 'place', id: 'place' }, icon('putaway'), h('b', { text }));
  }

  // moveRefusal words a refused move in the page's language when the
  // station says why (a tote of another disposition, or a closed one).
  async function moveRefusal(p, target) {
    if (p.code === 'tote_closed') return t('putaway.tote_closed', { tote: target.id });
    if (p.code !== 'tote_disposition') return p.detail;
    const pl = unit.placement || { totes: [] };
    const holds = target.tote ? dispName(target.tote.disposition) : '?';
    const where = (pl.totes || []).length ? RS.list(pl.totes) : t('putaway.an_empty_tote');
    return t('putaway.wrong_tote', { tote: target.id, holds, disp: dispName(unit.result.disposition), where });
  }

  // The tote panel: what a tote holds, printable, and closed with its label.
  function totePanel() {
    let el = $('#tote');
    if (!el) {
      el = h('div', { id: 'tote', class: 'panel tote', 'aria-live': 'polite' });
      $('#current').after(el);
    }
    return el;
  }

  async function refreshTote(id) {
    const r = await api('GET', '/api/v1/totes/' + enc(id));
    if (r.ok) showTote(r.data);
  }

  function showTote(v) {
    const list = v.unit_list || [];
    const closed = v.status === 'closed';
    const printers = RS.state.printers || [];
    const sel = printers.length > 1 ? h('select', { id: 'tote-printer', 'aria-label': t('status.printers') }, printers.map((p) => h('option', { value: p.name }, p.name))) : null;
    RS.put(totePanel(),
      h('h2', {}, h('span', { class: 'mono', text: v.id }), ' ', h('span', { class: 'tag ' + (closed ? 'muted' : 'good'), text: t(closed ? 'putaway.tote_closed_tag' : 'putaway.tote_open_tag') })),
      h('p', { class: 'disp' }, t('putaway.tote_holds', { n: list.length, disp: v.disposition ? dispName(v.disposition) : '—' })),
      list.length ? h('ul', { class: 'tote-units' }, list.map((u) => h('li', {}, h('b', { text: (u.result || {}).grade || '?' }), ' ', u.name || u.sku, h('span', { class: 'mono dim', text: ' ' + u.id })))) : null,
      h('div', { class: 'row' },
        h('a', { class: 'btn', id: 'tote-list', href: '/api/v1/totes/' + enc(v.id) + '/list', target: '_blank', rel: 'noopener' }, icon('printer'), t('putaway.tote_print_list')),
        !closed && list.length ? sel : null,
        !closed && list.length ? h('button', { type: 'button', class: 'btn primary', id: 'tote-close', onclick: () => closeTote(v.id) }, icon('ok'), t('putaway.tote_close')) : null,
        closed ? h('a', { class: 'btn', id: 'tote-label', href: '/api/v1/labels/sheet?size=50x25&code=' + enc(v.id), target: '_blank', rel: 'noopener' }, icon('printer'), t('putaway.tote_label')) : null),
      h('div', { id: 'tote-msg', class: 'msg', role: 'status' }));
  }

  async function closeTote(id) {
    const printers = RS.state.printers || [];
    const pick = $('#tote-printer');
    const printer = pick ? pick.value : printers.length ? printers[0].name : '';
    const r = await api('POST', '/api/v1/totes/' + enc(id) + '/close', printer ? { printer } : {});
    if (!r.ok) { RS.showProblem($('#tote-msg'), r.problem); beep('error'); return; }
    showTote(r.data);
    beep('ok');
    RS.showMsg($('#tote-msg'), 'good', (r.data.jobs || []).length ? t('putaway.tote_label_queued', { printer }) : t('putaway.tote_label_print'));
    $('#scan').focus();
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
