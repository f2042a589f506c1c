'use strict';
// Exceptions (supervisors): each open problem with the actions that resolve
// it; a note is always required, an RMA number when matching a parcel.
(() => {
  const { t, ta, h, put, icon, $, $$, api, showProblem, showMsg, clearMsg, known, time } = RS;
  const actions = window.RS_ACTIONS || {};
  const who = (a) => (a || '').replace(/^user:|^token:/, '');
  let state = 'open';
  let filter = '';

  function meta(e) {
    const bits = [];
    if (e.tracking) bits.push(h('span', {}, t('ex.tracking') + ' ', h('b', { class: 'mono', text: e.tracking })));
    if (e.rma) bits.push(h('span', {}, 'RMA ', h('b', { class: 'mono', text: e.rma })));
    if (e.parcel_id) bits.push(h('a', { href: '/inspect?parcel=' + encodeURIComponent(e.parcel_id) + (e.unit_id ? '&unit=' + encodeURIComponent(e.unit_id) : '') }, icon('inspect'), t('ex.open_parcel')));
    bits.push(h('span', { class: 'dim', text: t('ex.opened', { t: time(e.opened_at, true), who: who(e.opened_by) }) }));
    return h('div', { class: 'meta' }, bits);
  }

  function card(e) {
    const c = h('article', { class: 'card ex', 'data-ex': e.id, 'data-code': e.code });
    c.append(h('h2', {}, icon('warn'), h('span', { text: known('ex.' + e.code, e.code) }), h('span', { class: 'alt', text: ' ' + ta('ex.' + e.code) })),
      h('p', { class: 'note' }, RS.note(e.note)), meta(e));
    if (e.state !== 'open') {
      c.classList.add('done');
      c.append(h('p', { class: 'msg good' }, icon('ok'), t('ex.resolved_by', { action: known('act.' + e.action, e.action), who: who(e.resolved_by), t: time(e.resolved_at, true) }), e.resolution ? ' — ' + e.resolution : ''));
      return c;
    }
    let action = '';
    const f = h('form', { class: 'resolve' });
    const rma = h('div', { class: 'field', hidden: true }, h('label', { for: 'rma-' + e.id }, t('ex.rma')), h('input', { id: 'rma-' + e.id, name: 'rma', 'data-field': 'rma', class: 'mono', autocomplete: 'off', autocapitalize: 'characters' }));
    const acts = h('div', { class: 'opts', 'data-field': 'action', role: 'group', 'aria-label': t('ex.action') }, (actions[e.code] || []).map((a) =>
      h('button', {
        type: 'button', class: 'btn opt', 'data-action': a, 'aria-pressed': 'false',
        onclick: () => {
          action = a;
          for (const b of acts.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.action === a));
          rma.hidden = a !== 'match';
          rest.hidden = false;
          (a === 'match' ? rma.querySelector('input') : f.note).focus();
        },
      }, h('span', { text: known('act.' + a, a) }), h('span', { class: 'alt', text: ta('act.' + a) }))));
    const msg = h('div', { class: 'msg', role: 'alert' });
    // The note and the button come once an action is chosen: a long queue
    // stays short to read.
    const rest = h('div', { class: 'rest', hidden: true }, rma,
      h('label', { for: 'note-' + e.id }, t('ex.note'), h('b', { class: 'req', text: ' *' }), h('span', { class: 'alt', text: ' ' + ta('ex.note') })),
      h('textarea', { id: 'note-' + e.id, name: 'note', 'data-field': 'note', rows: '2', maxlength: '2000' }),
      h('button', { type: 'submit', class: 'btn primary big' }, icon('ok'), t('ex.resolve')));
    f.append(h('label', {}, t('ex.action'), h('b', { class: 'req', text: ' *' })), acts, rest, msg);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearMsg(msg);
      if (!action) { showProblem(msg, { detail: t('ex.pick_action'), errors: [{ field: 'action', detail: t('ex.pick_action') }] }, f); return; }
      if (!f.note.value.trim()) { showProblem(msg, { detail: t('ex.note_needed'), errors: [{ field: 'note', detail: t('ex.note_needed') }] }, f); f.note.focus(); return; }
      const body = { action, note: f.note.value.trim() };
      if (action === 'match') body.rma = f.rma.value.trim();
      const r = await api('POST', '/api/v1/exceptions/' + encodeURIComponent(e.id) + '/resolve', body);
      if (!r.ok) { showProblem(msg, r.problem, f); RS.beep('error'); return; }
      RS.beep('ok');
      c.replaceWith(card(r.data));
      count();
    });
    c.append(f);
    return c;
  }

  function count() {
    const open = $$('.card.ex:not(.done)').length;
    document.title = (open ? '(' + open + ') ' : '') + document.title.replace(/^\(\d+\) /, '');
  }

  async function load() {
    const box = $('#ex-msg'), list = $('#ex-list');
    clearMsg(box);
    const r = await api('GET', '/api/v1/exceptions?state=' + state);
    if (!r.ok) {
      list.replaceChildren();
      if (r.status === 403) showMsg(box, 'warn', t('ex.supervisors_only') + ' · ' + ta('ex.supervisors_only'));
      else showProblem(box, r.problem);
      return;
    }
    const exs = r.data.exceptions || [];
    if (!exs.length) showMsg(box, 'good', t(state === 'open' ? 'ex.none_open' : 'ex.none_resolved'));
    list.replaceChildren(...exs.map(card));
    const by = {};
    for (const e of exs) by[e.code] = (by[e.code] || 0) + 1;
    const chip = (code, n) => h('button', {
      type: 'button', class: 'btn opt small', 'aria-pressed': String(filter === code), 'data-filter': code,
      onclick: () => { filter = code; load(); },
    }, code ? known('ex.' + code, code) : t('ex.all'), h('b', { text: ' ' + n }));
    put($('#ex-filter'), exs.length ? [chip('', exs.length), Object.keys(by).sort().map((c) => chip(c, by[c]))] : null);
    for (const c of list.children) c.hidden = !!filter && c.dataset.code !== filter;
    count();
  }

  RS.start('exceptions').then(async (s) => {
    if (!s) return;
    for (const b of $$('[data-state]')) {
      b.addEventListener('click', () => {
        state = b.dataset.state;
        filter = '';
        for (const x of $$('[data-state]')) x.setAttribute('aria-pressed', String(x === b));
        load();
      });
    }
    $('#refresh').addEventListener('click', load);
    await load();
    document.body.dataset.ready = 'true';
  });
})();
