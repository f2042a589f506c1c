'use strict';
// Inspect: open a parcel, add units by their product barcode, answer the
// category's checklist, see the suggested grade with its reasons, confirm or
// (supervisor) override, print the unit's label, close the parcel.
(() => {
  const { t, ta, both, h, put, icon, $, api, showProblem, showMsg, clearMsg, tx, txa, known, time } = RS;
  const S = { parcel: null, unit: null, tpl: null, rules: null, answers: {}, cur: 0, timer: 0, saving: Promise.resolve(true) };
  const enc = encodeURIComponent;
  const who = (a) => (a || '').replace(/^user:|^token:/, '');
  const named = (list, code) => (S.rules && (S.rules[list] || []).find((x) => x.code === code)) || null;
  const name = (list, code) => { const x = named(list, code); return x ? tx(x.name) : code; };
  const nameAlt = (list, code) => { const x = named(list, code); return x ? txa(x.name) : ''; };

  function setURL() {
    const q = new URLSearchParams();
    if (S.parcel) q.set('parcel', S.parcel.id);
    if (S.unit) q.set('unit', S.unit.id);
    const s = q.toString();
    history.replaceState(null, '', '/inspect' + (s ? '?' + s : ''));
  }

  // ---- parcel -------------------------------------------------------------

  async function findParcel(code) {
    const box = $('#parcel-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/lookup?code=' + enc(code));
    if (!r.ok) { showProblem(box, r.problem, $('#parcel-form')); RS.beep('error'); return; }
    const d = r.data;
    if (d.kind === 'parcel') { await loadParcel(d.parcel.id, true); return; }
    if (d.kind === 'unit') { if (await loadParcel(d.unit.parcel_id)) await openUnit(d.unit.id); RS.focusHome(); return; }
    RS.beep('error');
    if (d.kind === 'rma') showMsg(box, 'warn', t('inspect.rma_not_received', { rma: d.rma.rma }));
    else showMsg(box, 'bad', t('inspect.unknown_code', { code: code.trim() }));
  }

  async function loadParcel(id, focusUnit) {
    const r = await api('GET', '/api/v1/parcels/' + enc(id));
    if (!r.ok) { showProblem($('#parcel-msg'), r.problem); return false; }
    if (S.unit && S.unit.parcel_id !== r.data.id) { // another parcel: put the last one's unit away
      await flush();
      S.unit = null;
      $('#unit').hidden = true;
      $('#unit-side').hidden = true;
      clearMsg($('#unit-msg'));
    }
    S.parcel = r.data;
    renderParcel();
    setURL();
    const closed = S.parcel.status === 'closed';
    $('#unit-form').hidden = closed;
    if (focusUnit) RS.focusHome();
    return true;
  }

  function renderParcel() {
    const v = S.parcel, r = v.rma_detail, units = v.unit_list || [];
    const box = $('#parcel');
    box.hidden = false;
    const head = h('div', { class: 'phead' },
      h('div', { class: 'big mono', text: v.tracking }),
      h('span', { class: 'tag ' + (v.status === 'closed' ? 'muted' : 'good'), text: known('parcel.' + v.status, v.status) }),
      v.carrier ? h('span', { class: 'tag', text: v.carrier }) : null,
      v.packaging && v.packaging !== 'intact' ? h('span', { class: 'tag warn', text: known('pack.' + v.packaging, v.packaging) }) : null);
    const info = h('dl', { class: 'kv' });
    const kv = (k, val) => { if (val && (!Array.isArray(val) || val.some(Boolean))) info.append(h('dt', { text: t(k) }), h('dd', {}, val)); };
    if (r) {
      kv('inspect.rma', h('b', { text: r.rma }));
      if (r.status !== 'approved') kv('inspect.rma_status', h('b', { class: 'bad-t', text: known('rma.' + r.status, r.status) }));
      kv('receive.order', r.order_id);
      kv('receive.reason', [known('reason.' + (r.reason || {}).code, (r.reason || {}).code), r.reason && r.reason.text ? ' — “' + r.reason.text + '”' : '']);
      kv('inspect.policy', known('policy.' + r.policy, r.policy));
      kv('inspect.refund', r.refund && r.refund.amount ? r.refund.amount + ' ' + r.refund.currency : '');
      kv('inspect.customer', [(r.customer || {}).name, r.customer && r.customer.phone_tail ? ' ···' + r.customer.phone_tail : '']);
    } else {
      kv('inspect.rma', h('span', { class: 'tag warn', text: t('inspect.no_rma') }));
    }
    kv('inspect.received', time(v.received_at, true) + ' · ' + who(v.received_by));

    const tb = h('tbody');
    for (const l of (r && r.lines) || []) {
      const done = units.filter((u) => u.line === l.line && u.status === 'inspected').length;
      tb.append(h('tr', { class: done >= l.qty ? 'done' : '' },
        h('td', { text: String(l.line) }),
        h('td', {}, l.name || l.sku, h('div', { class: 'mono dim', text: [l.sku, l.gtin].filter(Boolean).join(' · ') })),
        h('td', { class: 'n', text: String(l.qty) }),
        h('td', { class: 'n' }, done >= l.qty ? icon('ok') : null, done + '/' + l.qty)));
    }
    const lines = h('table', { class: 'tbl' }, h('thead', {}, h('tr', {},
      h('th', { text: '#' }), h('th', { text: t('inspect.item') }), h('th', { class: 'n', text: t('inspect.qty') }), h('th', { class: 'n', text: t('inspect.done') }))), tb);

    const ul = h('ul', { class: 'units' }, units.map((u) => h('li', {},
      h('button', { type: 'button', class: 'unit-btn' + (S.unit && S.unit.id === u.id ? ' on' : ''), 'data-unit': u.id, onclick: () => openUnit(u.id) },
        h('span', { class: 'un', text: u.name || u.sku }),
        h('span', { class: 'tag ' + ({ inspected: 'good', voided: 'muted' }[u.status] || 'warn'), text: known('unit.' + u.status, u.status) }),
        u.result ? h('span', { class: 'grade-s', text: u.result.grade }) : null,
        u.location ? h('span', { class: 'tag', text: u.location }) : null))));

    const exs = (v.exceptions || []).filter((e) => e.state === 'open');
    const exl = exs.length ? h('div', { class: 'excs' }, exs.map((e) => h('p', { class: 'exc' }, icon('warn'), h('b', { text: known('ex.' + e.code, e.code) + ': ' }), RS.note(e.note)))) : null;
    const close = v.status === 'open'
      ? h('button', { type: 'button', class: 'btn big', id: 'close-parcel', onclick: closeParcel }, icon('ok'), t('inspect.close'))
      : h('p', { class: 'msg good' }, icon('ok'), t('inspect.closed_at', { t: time(v.closed_at, true), who: who(v.closed_by) }));
    const foldOpen = !(S.unit && window.matchMedia('(max-width: 700px)').matches);
    put(box, head,
      h('details', { class: 'pmore', id: 'parcel-more', open: foldOpen },
        h('summary', {}, t('inspect.details')),
        info, RS.shipments(v.shipments), r ? h('h3', { text: t('inspect.lines') }) : null, r ? lines : null,
        RS.isSupervisor() ? h('p', { class: 'meta' }, h('a', { href: '/audit?parcel=' + enc(v.id), id: 'parcel-audit' }, icon('audit'), t('inspect.audit'))) : null),
      h('h3', { text: t('inspect.units', { n: units.length }) }),
      units.length ? ul : h('p', { class: 'dim', text: t('inspect.no_units') }),
      exl, h('div', { id: 'close-msg', class: 'msg', role: 'alert' }), close);
  }

  async function closeParcel() {
    await flush();
    const r = await api('POST', '/api/v1/parcels/' + enc(S.parcel.id) + '/close');
    if (!r.ok) { showProblem($('#close-msg'), r.problem); RS.beep('error'); return; }
    RS.beep('ok');
    await loadParcel(S.parcel.id);
  }

  // ---- unit ---------------------------------------------------------------

  async function addUnit(code) {
    const box = $('#unit-msg');
    clearMsg(box);
    await flush();
    const r = await api('POST', '/api/v1/parcels/' + enc(S.parcel.id) + '/units', { code });
    // The next parcel's waybill, scanned where a product was expected:
    // open that parcel, as the parcel field would.
    if (!r.ok && r.problem.code === 'unit_scan_is_waybill') { await findParcel(code); return; }
    if (!r.ok) { showProblem(box, r.problem, $('#unit-form')); RS.beep('error'); return; }
    setUnit(r.data.unit, r.data.template);
    const exs = r.data.exceptions || [];
    RS.beep(exs.length ? 'warn' : 'ok');
    if (exs.length) {
      box.className = 'msg warn';
      put(box, ...exs.map((e) => h('p', {}, icon('warn'), h('b', { text: known('ex.' + e.code, e.code) + ': ' }), RS.note(e.note))));
    }
    await loadParcel(S.parcel.id);
    RS.focusHome();
  }

  async function openUnit(id) {
    clearMsg($('#unit-msg'));
    await flush();
    const r = await api('GET', '/api/v1/units/' + enc(id));
    if (!r.ok) { showProblem($('#unit-msg'), r.problem); return; }
    const unit = Object.assign({}, r.data);
    delete unit.template;
    setUnit(unit, r.data.template);
    renderParcel();
  }

  function setUnit(unit, tpl) {
    S.unit = unit;
    S.tpl = tpl;
    S.answers = Object.assign({}, unit.checklist || {});
    S.cur = Math.max(0, (tpl.questions || []).findIndex((q) => !(q.id in S.answers)));
    renderUnit();
    setURL();
  }

  function question(q, done) {
    const fs = h('fieldset', { class: 'q q-' + q.type + (q.id in S.answers ? ' answered' : ''), 'data-field': 'checklist.' + q.id, 'data-q': q.id });
    const n = S.tpl.questions.indexOf(q);
    if (!done && n === S.cur) fs.classList.add('cur');
    fs.append(h('legend', {}, h('span', { text: tx(q.label) }), q.required ? h('b', { class: 'req', text: ' *' }) : null, h('span', { class: 'alt', text: txa(q.label) })));
    const cur = S.answers[q.id];
    const opt = (value, label, altLabel, cls) => h('button', {
      type: 'button', class: 'btn opt ' + (cls || ''), 'aria-pressed': String(cur === value), 'data-v': String(value), disabled: done,
      onclick: () => answer(q, value, fs),
    }, h('span', { text: label }), altLabel ? h('span', { class: 'alt', text: altLabel }) : null);
    if (q.type === 'bool') {
      fs.append(h('div', { class: 'opts two' }, opt(true, t('yes'), ta('yes'), 'yes'), opt(false, t('no'), ta('no'), 'no')));
    } else if (q.type === 'choice') {
      fs.append(h('div', { class: 'opts' }, (q.options || []).map((o) => opt(o.value, tx(o.label), txa(o.label)))));
    } else if (q.type === 'multi') {
      // Any number of the options: each button toggles its value in the list.
      const picked = new Set(Array.isArray(cur) ? cur : []);
      fs.append(h('div', { class: 'opts' }, (q.options || []).map((o) => h('button', {
        type: 'button', class: 'btn opt', 'aria-pressed': String(picked.has(o.value)), 'data-m': o.value, disabled: done,
        onclick: (e) => {
          if (picked.has(o.value)) picked.delete(o.value); else picked.add(o.value);
          e.currentTarget.setAttribute('aria-pressed', String(picked.has(o.value)));
          answer(q, picked.size ? (q.options || []).map((x) => x.value).filter((v) => picked.has(v)) : undefined, fs, true);
        },
      }, h('span', { text: tx(o.label) }), h('span', { class: 'alt', text: txa(o.label) })))));
    } else if (q.type === 'number') {
      const inp = h('input', { type: 'number', inputmode: 'numeric', value: cur == null ? '' : String(cur), min: q.min, max: q.max, disabled: done, 'aria-label': tx(q.label) });
      const set = (n) => { inp.value = n === '' ? '' : String(n); answer(q, n === '' ? undefined : Number(n), fs, true); };
      fs.append(h('div', { class: 'num' },
        h('button', { type: 'button', class: 'btn opt', disabled: done, 'aria-label': '−1', onclick: () => set(Math.max(q.min == null ? 0 : q.min, (Number(inp.value) || 0) - 1)) }, '−'),
        inp,
        h('button', { type: 'button', class: 'btn opt', disabled: done, 'aria-label': '+1', onclick: () => set((Number(inp.value) || 0) + 1) }, '+')));
      inp.addEventListener('change', () => set(inp.value.trim()));
    } else {
      const inp = h('input', { value: cur == null ? '' : String(cur), disabled: done, 'aria-label': tx(q.label) });
      inp.addEventListener('change', () => answer(q, inp.value.trim() || undefined, fs));
      fs.append(inp);
    }
    return fs;
  }

  // answer records a question's answer; unless stay, the keys move on to
  // the next question still open.
  function answer(q, value, fs, stay) {
    if (value === undefined) delete S.answers[q.id];
    else S.answers[q.id] = value;
    if (!stay && value !== undefined) {
      const qs = S.tpl.questions, at = qs.indexOf(q);
      const next = qs.findIndex((x, j) => j > at && !(x.id in S.answers));
      moveCur(next < 0 ? Math.min(at + 1, qs.length - 1) : next);
    }
    for (const b of fs.querySelectorAll('button[data-v]')) b.setAttribute('aria-pressed', String(b.dataset.v === String(value)));
    fs.classList.toggle('answered', value !== undefined);
    fs.classList.remove('invalid');
    for (const e of fs.querySelectorAll('.field-err')) e.remove();
    updateConfirm();
    scheduleSave(120);
  }

  function missing() {
    const out = S.tpl.questions.filter((q) => q.required && !(q.id in S.answers)).map((q) => tx(q.label));
    const serial = $('#serial');
    if (S.tpl.requires_serial && serial && !serial.value.trim()) out.push(t('inspect.serial'));
    return out;
  }

  function scheduleSave(ms) {
    clearTimeout(S.timer);
    S.timer = setTimeout(save, ms);
  }

  // save records the answers; saves run one after another, in order.
  function save() {
    clearTimeout(S.timer);
    S.timer = 0;
    const u = S.unit;
    if (!u || u.status === 'inspected') return S.saving;
    const body = { checklist: Object.assign({}, S.answers), serial: ($('#serial') || {}).value || '', notes: ($('#notes') || {}).value || '' };
    body.serial = body.serial.trim();
    S.saving = S.saving.then(async () => {
      const r = await api('PUT', '/api/v1/units/' + enc(u.id) + '/inspection', body);
      if (!S.unit || S.unit.id !== u.id) return r.ok;
      if (!r.ok) { showProblem($('#unit-msg'), r.problem, $('#unit')); return false; }
      clearMsg($('#unit-msg'));
      S.unit.suggestion = r.data.suggestion;
      S.unit.serial = r.data.serial;
      S.unit.findings = r.data.findings;
      renderSuggestion();
      updateConfirm();
      return true;
    });
    return S.saving;
  }

  function flush() {
    if (S.timer) return save();
    return S.saving;
  }

  function renderUnit() {
    const u = S.unit, tpl = S.tpl, done = u.status === 'inspected' || u.status === 'voided';
    const box = $('#unit');
    box.hidden = false;
    const head = h('div', { class: 'uhead' },
      h('div', { class: 'big', text: u.name || u.sku }),
      h('div', { class: 'mono dim', text: [u.sku, u.gtin, u.line ? t('inspect.line_n', { n: u.line }) : t('inspect.no_line')].filter(Boolean).join(' · ') }),
      h('div', { class: 'tags' },
        h('span', { class: 'tag', text: tx(tpl.name) }),
        h('span', { class: 'tag ' + (done ? 'good' : 'warn'), text: known('unit.' + u.status, u.status) }),
        (u.findings || []).map((f) => h('span', { class: 'tag bad', text: name('findings', f) }))),
      h('div', { class: 'mono dim small', text: u.id }));
    const cl = h('div', { class: 'checklist', id: 'checklist' }, tpl.questions.map((q) => question(q, done)));
    const serial = h('input', { id: 'serial', class: 'mono', 'data-field': 'serial', value: u.serial || '', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', disabled: done });
    serial.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); save(); RS.focusHome(); } });
    serial.addEventListener('input', () => { updateConfirm(); scheduleSave(500); });
    const notes = h('textarea', { id: 'notes', 'data-field': 'notes', rows: '2', maxlength: '2000', disabled: done }, u.notes || '');
    notes.addEventListener('input', () => scheduleSave(800));
    put(box, head,
      h('h3', {}, t('inspect.checklist'), h('span', { class: 'alt', text: ' ' + ta('inspect.checklist') })),
      done ? null : h('p', { class: 'hint keys', id: 'checklist-keys', text: t('inspect.keys') }), cl,
      h('div', { class: 'field' }, h('label', { for: 'serial' }, t('inspect.serial'), tpl.requires_serial ? h('b', { class: 'req', text: ' *' }) : null, h('span', { class: 'alt', text: ' ' + ta('inspect.serial') })), serial),
      h('div', { class: 'field' }, h('label', { for: 'notes' }, t('inspect.notes'), h('span', { class: 'alt', text: ' ' + ta('inspect.notes') })), notes),
      photos());
    $('.inspect').classList.toggle('has-result', done);
    const side = $('#unit-side');
    side.hidden = false;
    // The suggestion may scroll inside the side panel: it takes the focus
    // for keyboard scrolling (tabindex), never for typing.
    put(side, h('div', { id: 'suggestion', class: 'suggestion', 'aria-live': 'polite', tabindex: '0', role: 'region', 'aria-label': t('inspect.suggested') }), h('div', { id: 'actions', class: 'actions' }));
    // On a handheld the parcel's details fold away once a unit is open.
    const more = $('#parcel-more');
    if (more && window.matchMedia('(max-width: 700px)').matches) more.open = false;
    renderSuggestion();
    renderActions();
  }

  // ---- photos -------------------------------------------------------------

  function photos() {
    const u = S.unit;
    const list = h('div', { class: 'photos', id: 'photos' }, (u.photos || []).map((p) =>
      h('img', { src: '/api/v1/units/' + enc(u.id) + '/photos/' + enc(p.sha256), alt: t('inspect.photo') })));
    const file = h('input', { type: 'file', id: 'photo-file', accept: 'image/*', capture: 'environment', multiple: true, class: 'visually-hidden' });
    file.addEventListener('change', async () => { await upload(Array.from(file.files)); file.value = ''; });
    const cam = navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.isSecureContext
      ? h('button', { type: 'button', class: 'btn big', onclick: webcam }, icon('camera'), t('inspect.webcam')) : null;
    return h('div', { class: 'field' }, h('h3', {}, t('inspect.photos'), h('span', { class: 'alt', text: ' ' + ta('inspect.photos') })),
      h('div', { class: 'row' }, h('label', { for: 'photo-file', class: 'btn big' }, icon('camera'), t('inspect.take_photo')), cam), file, list);
  }

  async function upload(files) {
    const u = S.unit;
    for (const f of files) {
      const fd = new FormData();
      fd.append('photo', f);
      const r = await api('POST', '/api/v1/units/' + enc(u.id) + '/photos', fd);
      if (!r.ok) { showProblem($('#unit-msg'), r.problem); RS.beep('error'); return; }
      if (S.unit && S.unit.id === u.id) S.unit.photos = r.data.photos;
    }
    if (S.unit && S.unit.id === u.id) {
      $('#photos').replaceWith(photos().querySelector('.photos'));
      showMsg($('#unit-msg'), 'good', t('inspect.photo_saved', { n: (S.unit.photos || []).length }));
    }
  }

  async function webcam() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (e) {
      showMsg($('#unit-msg'), 'warn', t('inspect.no_camera'));
      return;
    }
    const v = h('video', { autoplay: true, playsinline: true, muted: true });
    v.srcObject = stream;
    const box = h('div', { class: 'cam' });
    const stop = () => { stream.getTracks().forEach((x) => x.stop()); box.remove(); };
    const take = () => {
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      c.getContext('2d').drawImage(v, 0, 0);
      c.toBlob((b) => { if (b) upload([new File([b], 'webcam.jpg', { type: 'image/jpeg' })]); }, 'image/jpeg', 0.85);
      stop();
    };
    box.append(v, h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn primary big', onclick: take }, icon('camera'), t('inspect.take')), h('button', { type: 'button', class: 'btn big', onclick: stop }, t('cancel'))));
    $('#photos').before(box);
  }

  // ---- suggestion, confirm, override --------------------------------------

  function reasonsList(list) {
    return h('ul', { class: 'reasons' }, (list || []).map((r) => h('li', {}, h('span', { text: r[RS.lang] || r.en }), h('span', { class: 'alt', text: r[RS.alt] || '' }),
      r.basis ? h('div', { class: 'dim small basis', text: r.basis[RS.lang] || r.basis.en }) : null)));
  }

  function refundBlock(rf) {
    if (!rf || !rf.decision) return null;
    return h('div', { class: 'refund refund-' + rf.decision },
      h('div', { class: 'rfh' }, h('span', { text: t('inspect.refund_advice') + ': ' }), h('b', { text: known('refund.' + rf.decision, rf.decision) }),
        rf.amount ? h('b', { class: 'mono', text: ' ' + rf.amount + ' ' + (rf.currency || '') }) : null),
      reasonsList(rf.reasons));
  }

  function gradeBlock(grade, disp, cls) {
    return h('div', { class: 'gradebox ' + (cls || '') },
      h('div', { class: 'grade-big g-' + grade, text: grade }),
      h('div', { class: 'gtext' },
        h('div', { class: 'gname', text: name('grades', grade) }), h('div', { class: 'alt', text: nameAlt('grades', grade) }),
        h('div', { class: 'disp' }, t('inspect.disposition') + ': ', h('b', { text: name('dispositions', disp) }), h('span', { class: 'alt', text: ' ' + nameAlt('dispositions', disp) }))));
  }

  function renderSuggestion() {
    const box = $('#suggestion');
    if (!box) return;
    const u = S.unit;
    if (u.status === 'inspected' && u.result) {
      const res = u.result;
      put(box,
        h('h3', {}, icon('ok'), t('inspect.result'), h('span', { class: 'alt', text: ' ' + ta('inspect.result') })),
        gradeBlock(res.grade, res.disposition, 'final'),
        h('p', { class: 'dim', text: t('inspect.by', { who: who(res.inspector), t: time(res.inspected_at, true) }) }),
        res.override ? h('p', { class: 'msg warn' }, icon('warn'), t('inspect.overridden', { from: (u.suggestion || {}).grade || '?', reason: res.override_reason })) : null,
        refundBlock(res.refund));
      return;
    }
    const s = u.suggestion;
    if (!s) {
      put(box, h('p', { class: 'dim big', text: t('inspect.answer_first') }));
      return;
    }
    const prov = missing().length > 0;
    put(box,
      h('h3', {}, t('inspect.suggested'), h('span', { class: 'alt', text: ' ' + ta('inspect.suggested') }), prov ? h('span', { class: 'tag warn', text: t('inspect.provisional') }) : null),
      gradeBlock(s.grade, s.disposition, prov ? 'prov' : ''),
      (s.findings || []).length ? h('div', { class: 'tags' }, s.findings.map((f) => h('span', { class: 'tag bad', text: name('findings', f) }))) : null,
      reasonsList(s.reasons),
      refundBlock(s.refund));
  }

  function updateConfirm() {
    const b = $('#confirm');
    if (!b) return;
    const miss = missing();
    b.disabled = !S.unit.suggestion || miss.length > 0;
    const hint = $('#missing');
    hint.textContent = miss.length ? t('inspect.missing', { list: RS.list(miss) }) : '';
    hint.hidden = !miss.length;
    put(b, icon('ok'), t('inspect.confirm', { grade: S.unit.suggestion ? S.unit.suggestion.grade : '?' }));
  }

  async function confirm(body) {
    const msg = $('#confirm-msg');
    clearMsg(msg);
    const ok = await flush();
    if (ok === false) return;
    const r = await api('POST', '/api/v1/units/' + enc(S.unit.id) + '/confirm', body || {});
    if (!r.ok) { showProblem(msg, r.problem, $('#unit')); RS.beep('error'); return; }
    RS.beep('ok');
    S.unit = Object.assign(S.unit, r.data);
    renderUnit();
    await loadParcel(S.parcel.id);
    RS.focusHome();
    if (autoPrint.get()) {
      // The network printer when the station has one, else this browser's
      // print dialog.
      if (RS.state.printers === undefined) await RS.refreshStatus();
      if ((RS.state.printers || []).length) await printNetwork();
      else await printLabel();
      RS.focusHome();
    }
  }

  function overrideForm(regrade) {
    const u = S.unit;
    let grade = u.result ? u.result.grade : (u.suggestion || {}).grade || '';
    // Disposition and refund follow the grade unless the supervisor sets them.
    const sel = h('select', { id: 'ov-disp', 'data-field': 'disposition' },
      h('option', { value: '' }, t('inspect.by_rules')),
      (S.rules.dispositions || []).map((d) => h('option', { value: d.code }, tx(d.name))));
    const rsel = h('select', { id: 'ov-refund', 'data-field': 'refund_decision' },
      h('option', { value: '' }, t('inspect.refund_by_grade')),
      ['full', 'partial', 'reject', 'escalate'].map((d) => h('option', { value: d }, known('refund.' + d, d))));
    const amount = h('input', { id: 'ov-amount', 'data-field': 'refund_amount', inputmode: 'decimal', class: 'mono', hidden: true, placeholder: '0.00', 'aria-label': t('inspect.refund_amount') });
    const rreason = h('textarea', { id: 'ov-refund-reason', 'data-field': 'refund_reason', rows: '2', maxlength: '500', hidden: true, 'aria-label': t('inspect.refund_reason') });
    rsel.addEventListener('change', () => { amount.hidden = rsel.value !== 'partial'; rreason.hidden = !rsel.value; });
    const grades = h('div', { class: 'opts grades', 'data-field': 'grade' }, (S.rules.grades || []).map((g) =>
      h('button', {
        type: 'button', class: 'btn opt', 'data-grade': g.code, 'aria-pressed': String(g.code === grade),
        onclick: () => {
          grade = g.code;
          for (const b of grades.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.grade === grade));
        },
      }, h('b', { text: g.code }), h('span', { text: tx(g.name) }))));
    const reason = h('textarea', { id: 'ov-reason', 'data-field': 'override_reason', rows: '2', maxlength: '500' });
    const f = h('form', { class: 'override', id: 'override' },
      h('label', {}, t('inspect.grade')), grades,
      h('label', { for: 'ov-disp' }, t('inspect.disposition')), sel,
      h('label', { for: 'ov-refund' }, t('inspect.refund_advice'), h('span', { class: 'alt', text: ' ' + ta('inspect.refund_advice') })), rsel, amount, rreason,
      h('label', { for: 'ov-reason' }, t('inspect.override_reason'), h('b', { class: 'req', text: ' *' }), h('span', { class: 'alt', text: ' ' + ta('inspect.override_reason') })), reason,
      h('button', { type: 'submit', class: 'btn warn-b big', id: 'override-go' }, icon('warn'), t(regrade ? 'inspect.regrade_go' : 'inspect.override_go')));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!reason.value.trim()) {
        const d = t('inspect.reason_needed');
        showProblem($('#confirm-msg'), { detail: d, errors: [{ field: 'override_reason', detail: d }] }, f);
        reason.focus();
        RS.beep('error');
        return;
      }
      const body = { grade, disposition: sel.value, override_reason: reason.value.trim() };
      if (rsel.value) Object.assign(body, { refund_decision: rsel.value, refund_amount: rsel.value === 'partial' ? amount.value.trim() : '', refund_reason: rreason.value.trim() || reason.value.trim() });
      confirm(body);
    });
    return h('details', { class: 'override-box', id: 'override-box' },
      h('summary', {}, icon('warn'), t(regrade ? 'inspect.regrade' : 'inspect.override'), h('span', { class: 'alt', text: ' ' + ta(regrade ? 'inspect.regrade' : 'inspect.override') })), f);
  }

  function renderActions() {
    const box = $('#actions');
    const u = S.unit;
    const parts = [h('div', { id: 'confirm-msg', class: 'msg', role: 'alert' })];
    if (u.status === 'voided') {
      put(box, h('p', { class: 'msg warn', id: 'voided' }, icon('warn'), t('inspect.voided', { who: who(u.voided_by), t: time(u.voided_at, true), reason: u.void_reason || '' })));
      return;
    }
    if (u.status !== 'inspected') {
      parts.push(h('p', { id: 'missing', class: 'hint', hidden: true }));
      parts.push(h('button', { type: 'button', class: 'btn primary huge', id: 'confirm', onclick: () => confirm({}) }));
      const auto = h('input', { type: 'checkbox', id: 'auto-print', onchange: (e) => autoPrint.set(e.target.checked) });
      auto.checked = autoPrint.get();
      parts.push(h('label', { class: 'check', for: 'auto-print' }, auto, ' ', t('label.auto')));
      parts.push(RS.isSupervisor() ? overrideForm(false) : h('p', { class: 'hint', text: t('inspect.ask_supervisor') }));
    } else {
      const printers = RS.state.printers || [];
      parts.push(h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn primary big', id: 'print-label', onclick: printLabel }, icon('printer'), t('label.print')),
        printers.length > 1 ? h('select', { id: 'printer-sel', 'aria-label': t('status.printers') }, printers.map((p) => h('option', { value: p.name }, p.name))) : null,
        h('button', { type: 'button', class: 'btn big', id: 'print-net', onclick: printNetwork }, icon('printer'), t('label.print_net')),
        h('a', { class: 'btn big', id: 'print-sheet-link', target: '_blank', rel: 'noopener', href: '/api/v1/labels/sheet?code=' + enc('RS1:U:' + u.id) }, t('label.sheet'))));
      parts.push(h('div', { id: 'label-msg', class: 'msg', role: 'status' }));
      parts.push(h('div', { class: 'row' },
        S.parcel && S.parcel.status === 'open' ? h('button', { type: 'button', class: 'btn big', id: 'next-unit', onclick: nextUnit }, t('inspect.next_unit')) : null,
        h('a', { class: 'btn big', href: '/putaway' }, icon('putaway'), t('nav.putaway'))));
      if (RS.isSupervisor()) parts.push(overrideForm(true));
    }
    if (S.parcel && S.parcel.status === 'open' && (u.status !== 'inspected' || RS.isSupervisor())) parts.push(voidBox(u));
    put(box, ...parts);
    updateConfirm();
  }

  // voidBox takes a unit scanned by mistake back out of the parcel, with a
  // reason; a confirmed one needs a supervisor.
  function voidBox(u) {
    const reason = h('input', { id: 'void-reason', 'data-field': 'reason', maxlength: '500', autocomplete: 'off' });
    const msg = h('div', { id: 'void-msg', class: 'msg', role: 'alert' });
    const f = h('form', { class: 'voidform', id: 'void-form' },
      h('label', { for: 'void-reason' }, t('inspect.void_reason'), h('b', { class: 'req', text: ' *' }), h('span', { class: 'alt', text: ' ' + ta('inspect.void_reason') })), reason,
      h('button', { type: 'submit', class: 'btn warn-b', id: 'void-go' }, icon('error'), t('inspect.void_go')), msg);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) {
        const d = t('inspect.void_reason_needed');
        showProblem(msg, { detail: d, errors: [{ field: 'reason', detail: d }] }, f);
        reason.focus();
        RS.beep('error');
        return;
      }
      await flush();
      const r = await api('POST', '/api/v1/units/' + enc(u.id) + '/void', { reason: reason.value.trim() });
      if (!r.ok) { showProblem(msg, r.problem, f); RS.beep('error'); return; }
      RS.beep('ok');
      S.unit = Object.assign(S.unit, r.data);
      renderUnit();
      await loadParcel(S.parcel.id);
      RS.focusHome();
    });
    return h('details', { class: 'void-box', id: 'void-box' },
      h('summary', {}, icon('error'), t(u.status === 'inspected' ? 'inspect.void_confirmed' : 'inspect.void'), h('span', { class: 'alt', text: ' ' + ta('inspect.void') })), f);
  }

  function nextUnit() {
    const inp = $('#unit-scan');
    if ($('#unit-form').hidden) return;
    inp.scrollIntoView({ block: 'center' });
    RS.focusHome();
  }

  // ---- labels -------------------------------------------------------------

  function textLabel() {
    const u = S.unit, res = u.result || {};
    return h('div', { class: 'text-label' },
      h('div', { class: 'tl-grade', text: res.grade || '' }),
      h('div', { class: 'tl-disp', text: name('dispositions', res.disposition) + ' / ' + nameAlt('dispositions', res.disposition) }),
      h('div', { class: 'tl-name', text: u.name || u.sku }),
      h('div', { class: 'tl-line mono', text: [u.sku, u.rma].filter(Boolean).join(' · ') }),
      h('div', { class: 'tl-id mono', text: u.id }),
      h('div', { class: 'tl-line', text: time(res.inspected_at, true) }),
      h('div', { class: 'tl-note', text: both('label.no_qr') }));
  }

  // printLabel fills the label sheet with the unit's label image, or its
  // words when the station renders no images, and opens the print dialog.
  async function printLabel() {
    const u = S.unit, sheet = $('#print-sheet'), msg = $('#label-msg');
    clearMsg(msg);
    let res = null;
    try {
      res = await fetch('/api/v1/units/' + enc(u.id) + '/label.png', { credentials: 'same-origin', cache: 'no-store' });
    } catch (e) { res = null; }
    sheet.replaceChildren();
    if (res && res.ok) {
      const img = h('img', { class: 'label-img', alt: u.id, src: URL.createObjectURL(await res.blob()) });
      sheet.append(img);
      try { await img.decode(); } catch (e) { /* printed as far as it loaded */ }
      sheet.dataset.kind = 'image';
      showMsg(msg, 'good', t('label.sent_to_print'));
    } else {
      sheet.append(textLabel());
      sheet.dataset.kind = 'text';
      showMsg(msg, 'warn', res && RS.notConfigured(res.status) ? both('label.not_configured') : t('label.failed', { status: res ? res.status : 0 }));
    }
    window.print();
  }

  // printNetwork queues the label on a network label printer: the one the
  // station has, or the one chosen when it has several.
  async function printNetwork() {
    const msg = $('#label-msg');
    clearMsg(msg);
    if (RS.state.printers === undefined) await RS.refreshStatus();
    const printers = RS.state.printers;
    if (printers && !printers.length) { showMsg(msg, 'warn', both('label.no_printer')); return; }
    const body = { unit: S.unit.id };
    const sel = $('#printer-sel');
    if (sel && sel.value) body.printer = sel.value;
    else if (printers && printers.length === 1) body.printer = printers[0].name;
    const r = await api('POST', '/api/v1/labels/print', body);
    if (r.ok) {
      const d = r.data || {};
      const j = (d.jobs || [])[0] || {};
      printAnswer(msg, j.printer || body.printer || '', j, d.printer_error);
    } else if (RS.notConfigured(r.status)) {
      showMsg(msg, 'warn', both('label.net_not_configured'));
    } else {
      showProblem(msg, r.problem);
    }
  }

  // printAnswer says what the printer did with job j: printed; refused or
  // unreachable (the station answers after the printer's first answer), with
  // Retry and the print jobs page; or still sending, and then asks again.
  function printAnswer(msg, printer, j, err) {
    if (j.state === 'done') {
      showMsg(msg, 'good', t('label.printed', { printer }));
      return;
    }
    if (err || j.state === 'failed') {
      showMsg(msg, 'bad', t('label.printer_down', { printer, error: err || j.last_error || '' }));
      msg.append(h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn', id: 'print-retry', onclick: () => retryPrinter(printer, j) }, t('printing.retry')),
        h('a', { class: 'btn', href: '/printing' }, icon('printer'), t('label.jobs_link'))));
      RS.beep('error');
      return;
    }
    showMsg(msg, 'warn', t('label.sending', { printer }));
    watchJob(msg, printer, j);
  }

  // watchJob asks for job j every second, for up to 20 s, until it has
  // printed or failed another attempt.
  async function watchJob(msg, printer, j) {
    if (!j.id) return;
    for (let i = 0; i < 20; i++) {
      await new Promise((ok) => setTimeout(ok, 1000));
      if (!msg.isConnected) return;
      const r = await api('GET', '/api/v1/labels/jobs?printer=' + enc(printer) + '&limit=100');
      if (!r.ok) return;
      const now = (r.data.jobs || []).find((x) => x.id === j.id);
      if (!now) return;
      if (now.state === 'done' || now.state === 'failed' || (now.attempts || 0) > (j.attempts || 0)) {
        printAnswer(msg, printer, now, now.state === 'done' ? '' : now.last_error || ' ');
        return;
      }
    }
  }

  async function retryPrinter(printer, j) {
    const msg = $('#label-msg');
    const r = await api('POST', '/api/v1/printers/' + enc(printer) + '/retry', {});
    if (!r.ok) { showProblem(msg, r.problem); return; }
    showMsg(msg, 'warn', t('label.sending', { printer }));
    watchJob(msg, printer, j);
    RS.focusHome();
  }

  // autoPrint is this browser's choice to print each label on confirm.
  const autoPrint = {
    get() { try { return localStorage.getItem('rs.autoprint') === '1'; } catch (e) { return false; } },
    set(on) { try { localStorage.setItem('rs.autoprint', on ? '1' : ''); } catch (e) { /* private mode */ } },
  };

  // ---- focus and keys -----------------------------------------------------

  // homeField is where the next scan goes: the serial while the unit in hand
  // still needs one, else the product field while the parcel is open, else
  // the parcel field.
  function homeField() {
    const serial = $('#serial');
    if (S.unit && S.unit.status === 'inspecting' && S.tpl && S.tpl.requires_serial && serial && !serial.value.trim()) return serial;
    if (S.parcel && S.parcel.status !== 'closed' && !$('#unit-form').hidden) return $('#unit-scan');
    return $('#parcel-scan');
  }

  // moveCur makes question i the one the keys answer.
  function moveCur(i) {
    const qs = S.tpl.questions;
    if (!qs.length) return;
    S.cur = Math.min(Math.max(i, 0), qs.length - 1);
    for (const f of document.querySelectorAll('#checklist .q')) f.classList.toggle('cur', f.dataset.q === qs[S.cur].id);
    const f = document.querySelector('#checklist .q.cur');
    if (f) f.scrollIntoView({ block: 'nearest' });
  }

  // keyAnswer answers the current question with its option i (F2 the first),
  // or, with step, the option before or after the chosen one (← →), then
  // moves on to the next question.
  function keyAnswer(i, step) {
    const q = S.tpl.questions[S.cur];
    const fs = document.querySelector('#checklist .q.cur');
    if (!q || !fs) return;
    const cur = S.answers[q.id];
    if (q.type === 'number') {
      const min = q.min == null ? 0 : q.min;
      const v = step ? Math.max(min, (Number(cur) || 0) + step) : min;
      const inp = fs.querySelector('input');
      if (inp) inp.value = String(v);
      answer(q, v, fs, !!step);
      return;
    }
    if (q.type === 'multi') { // F2 F3 F4 toggle the first, second, third option
      const b = step ? null : fs.querySelectorAll('button[data-m]')[i];
      if (b) b.click();
      return;
    }
    const values = q.type === 'bool' ? [true, false] : (q.options || []).map((o) => o.value);
    let k = i;
    if (step) {
      const at = values.indexOf(cur);
      k = at < 0 ? (step > 0 ? 0 : values.length - 1) : (at + step + values.length) % values.length;
    }
    if (k < values.length) answer(q, values[k], fs, !!step);
  }

  // shortcut: F2 F3 F4 answer the current question with its first, second
  // or third option, ← → step through its options, ↑ ↓ choose the question,
  // F8 confirms, F9 prints the label. Arrows act only while the field with
  // the focus is empty (a scanner never sends them).
  function shortcut(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const u = S.unit;
    if (e.key === 'F9' && u && u.status === 'inspected') {
      e.preventDefault();
      const b = $('#print-net') || $('#print-label');
      if (b) b.click();
      return;
    }
    if (!u || u.status === 'inspected' || !S.tpl) return;
    const a = document.activeElement;
    const free = !RS.typing(a) || ((a.classList.contains('scan') || a.id === 'serial') && !a.value);
    const fkeys = { F2: 0, F3: 1, F4: 2 };
    if (e.key in fkeys) { e.preventDefault(); keyAnswer(fkeys[e.key], 0); }
    else if (e.key === 'F8') { e.preventDefault(); const b = $('#confirm'); if (b && !b.disabled) b.click(); }
    else if (!free) return;
    else if (e.key === 'ArrowDown') { e.preventDefault(); moveCur(S.cur + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); moveCur(S.cur - 1); }
    else if (e.key === 'ArrowRight') { e.preventDefault(); keyAnswer(0, 1); }
    else if (e.key === 'ArrowLeft') { e.preventDefault(); keyAnswer(0, -1); }
  }

  // ---- start --------------------------------------------------------------

  RS.start('inspect').then(async (s) => {
    if (!s) return;
    RS.scanField($('#parcel-scan'), (code) => findParcel(code));
    RS.scanField($('#unit-scan'), (code) => addUnit(code));
    RS.holdFocus(homeField);
    document.addEventListener('keydown', shortcut);
    const r = await api('GET', '/api/v1/rules');
    S.rules = r.ok ? r.data : { grades: [], dispositions: [], findings: [] };
    const q = new URLSearchParams(location.search);
    if (q.get('parcel') && await loadParcel(q.get('parcel'), !q.get('unit')) && q.get('unit')) await openUnit(q.get('unit'));
    RS.focusHome();
    document.body.dataset.ready = 'true';
  });
})();
