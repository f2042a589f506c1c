'use strict';
// Receive: one scan field that always has the focus. Each scan answers with a
// large block (icon, words in both languages, a tone) and joins the last 20.
(() => {
  const { t, ta, h, icon, $, api, beep, time, known } = RS;
  const KEY = 'rs.receive';
  const saved = RS.store.get(KEY, { history: [], last: null });
  let packaging = 'intact';
  // weight is the grams typed by a USB scale (digits and Enter, as a
  // keyboard) or by hand, sent with the next scan; null when not weighed.
  let weight = null;
  // freight is what the clerk paid the carrier for the next parcel
  // (freight collect, 到付), as a decimal string; "" when none was paid.
  let freight = '';
  const queue = [];
  let busy = false;
  // Scan-to-answer times in ms (Enter to the answer's frame), newest last.
  RS.timings = [];

  function setPack(p) {
    packaging = p;
    for (const b of document.querySelectorAll('[data-pack]')) b.setAttribute('aria-pressed', String(b.dataset.pack === p));
  }

  // grams reads a scale's or a person's weight: whole grams ("1234",
  // "1234 g") or kilograms with a decimal point ("1.234 kg", "1.234"); null
  // when it is not a weight.
  function grams(v) {
    const m = /^\s*(\d{1,7})(?:[.,](\d{1,3}))?\s*(g|kg)?\s*$/i.exec(v);
    if (!m) return null;
    const kg = (m[3] || '').toLowerCase() === 'kg' || (m[2] !== undefined && (m[3] || '').toLowerCase() !== 'g');
    const n = kg ? Math.round(parseFloat(m[1] + '.' + (m[2] || '0')) * 1000) : parseInt(m[1], 10);
    return n >= 0 && n <= 1000000 && (kg || m[2] === undefined) ? n : null;
  }

  function setFreight(v) {
    freight = v;
    const input = $('#freight');
    input.value = v;
    input.removeAttribute('aria-invalid');
  }

  function setWeight(g) {
    weight = g;
    const input = $('#weight');
    input.value = g === null ? '' : String(g);
    input.removeAttribute('aria-invalid');
  }

  // classify turns an API answer into what the clerk must know first.
  function classify(r) {
    if (!r.ok) return 'error';
    const d = r.data;
    if (d.duplicate) return 'dup';
    if (!d.matched) return 'unknown';
    if ((d.exceptions || []).length) return 'warn';
    return 'ok';
  }
  const heads = { ok: 'receive.matched', dup: 'receive.duplicate', unknown: 'receive.unknown', warn: 'receive.check', error: 'receive.error' };
  const icons = { ok: 'ok', dup: 'dup', unknown: 'unknown', warn: 'warn', error: 'error' };

  function details(kind, r, code) {
    const out = [];
    if (kind === 'error') {
      const words = refusal(r.problem, code);
      if (words) out.push(words);
      else {
        out.push(h('p', { class: 'rd big', text: r.problem.detail }));
        for (const f of r.problem.errors || []) if (f.detail !== r.problem.detail) out.push(h('p', { class: 'rd', text: f.detail }));
      }
      out.push(h('p', { class: 'rd mono', text: code }));
      return out;
    }
    const d = r.data, p = d.parcel || {}, rma = d.rma;
    out.push(h('p', { class: 'rd mono big', text: p.tracking + (p.carrier ? ' · ' + p.carrier : '') }));
    if (kind !== 'dup' && typeof p.weight_g === 'number') out.push(h('p', { class: 'rd', 'data-weight': String(p.weight_g), text: t('receive.weighed', { g: p.weight_g }) }));
    if (kind === 'dup' && (d.matched_by === 'rma' || d.matched_by === 'order')) out.push(h('p', { class: 'rd big', text: t('receive.by_' + d.matched_by) }));
    if (kind === 'dup') out.push(h('p', { class: 'rd', text: t('receive.received_at', { t: time(p.received_at, true), who: (p.received_by || '').replace(/^user:|^token:/, '') }) }));
    if (kind === 'unknown') {
      out.push(h('p', { class: 'rd big', text: t('receive.unknown_do') }));
      out.push(h('p', { class: 'rd alt', text: ta('receive.unknown_do') }));
    }
    if (rma) {
      out.push(h('p', { class: 'rd big' }, h('b', { text: 'RMA ' + rma.rma }), rma.order_id ? ' · ' + t('receive.order') + ' ' + rma.order_id : ''));
      const reason = rma.reason || {};
      out.push(h('p', { class: 'rd' }, h('b', { text: t('receive.reason') + ': ' }), known('reason.' + reason.code, reason.code || ''), reason.text ? ' — “' + reason.text + '”' : ''));
      const lines = h('ul', { class: 'lines' });
      for (const l of rma.lines || []) lines.append(h('li', {}, h('b', { text: l.qty + ' × ' }), l.name || l.sku, h('span', { class: 'mono dim', text: ' ' + l.sku })));
      out.push(lines);
    }
    if (p.id && p.packaging === 'damaged') out.push(damagePhoto(p.id, (p.photos || []).length));
    for (const e of d.exceptions || []) {
      if (e.code === 'unmatched') continue;
      out.push(h('p', { class: 'rd exc' }, icon('warn'), h('b', { text: known('ex.' + e.code, e.code) + ': ' }), RS.note(e.note)));
    }
    if (p.id) {
      out.push(h('p', { class: 'rd act' }, h('a', { class: 'btn', href: '/inspect?parcel=' + encodeURIComponent(p.id) }, icon('inspect'), t('receive.inspect_it'), ' ', h('kbd', { text: 'F9' })),
        rma ? ' ' : null, rma ? addBoxButton(p.id) : null));
    }
    return out;
  }

  // refusal words a refused scan in the page's language (what it was, what
  // to scan instead); a code that is merely unlikely can be kept on purpose.
  const softReasons = ['too_short', 'too_long', 'no_digits'];
  function refusal(p, code) {
    const key = 'err.' + p.code;
    if (!/^scan_/.test(p.code || '') || known(key, null) === null) return null;
    return [h('p', { class: 'rd big', text: t(key) }), h('p', { class: 'rd alt', text: ta(key) }),
      softReasons.includes(p.code.slice(5)) ? h('p', { class: 'rd act' }, h('button', { type: 'button', class: 'btn', id: 'keep', onclick: () => keep(code) }, icon('warn'), t('receive.keep_anyway'))) : null];
  }

  // damagePhoto photographs a box damaged in transit, for the carrier claim:
  // the camera on a handheld, a picture file on a desk.
  function damagePhoto(parcelId, n) {
    const file = h('input', { type: 'file', id: 'damage-photo', accept: 'image/*', capture: 'environment', multiple: true, class: 'visually-hidden' });
    const msg = h('span', { id: 'damage-photo-msg', class: 'dim', role: 'status', text: n ? t('receive.photos_n', { n }) : '' });
    file.addEventListener('change', async () => {
      let count = n;
      for (const f of Array.from(file.files)) {
        const fd = new FormData();
        fd.append('photo', f);
        const r = await api('POST', '/api/v1/parcels/' + encodeURIComponent(parcelId) + '/photos', fd);
        if (!r.ok) { msg.textContent = r.problem.detail; beep('error'); return; }
        count = (r.data.photos || []).length;
      }
      file.value = '';
      msg.textContent = t('receive.photos_n', { n: count });
      beep('ok');
      $('#scan').focus();
    });
    return h('p', { class: 'rd act' }, h('label', { for: 'damage-photo', class: 'btn' }, icon('camera'), t('receive.photo_damage')), file, ' ', msg);
  }

  // keep sends the same code again, kept as an unknown parcel on purpose.
  function keep(code) {
    queue.push([code, performance.now(), true, weight, freight]);
    setWeight(null);
    setFreight('');
    pump();
  }

  // addBoxButton opens a small form for another box of the same return:
  // the clerk scans the new box's own waybill into it.
  function addBoxButton(parcelId) {
    return h('button', { type: 'button', class: 'btn', id: 'add-box', onclick: (e) => e.currentTarget.replaceWith(boxForm(parcelId)) }, icon('receive'), t('receive.add_box'));
  }

  function boxForm(parcelId) {
    const input = h('input', { id: 'box-code', class: 'boxcode mono', 'data-field': 'code', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'go' });
    const msg = h('div', { class: 'msg', id: 'box-msg', role: 'status' });
    const form = h('form', { class: 'boxform', id: 'box-form' },
      h('label', { for: 'box-code', text: t('receive.box_code') }), input,
      h('button', { type: 'submit', class: 'btn primary', text: t('receive.add_box_go') }), msg);
    const back = () => $('#scan').focus();
    input.addEventListener('keydown', (e) => { if (e.key === 'Escape') { form.remove(); back(); } });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const code = input.value.trim();
      if (!code) return;
      const t0 = performance.now();
      const r = await api('POST', '/api/v1/parcels/' + encodeURIComponent(parcelId) + '/boxes', { code, packaging });
      if (!r.ok) {
        RS.showProblem(msg, r.problem, form);
        beep('error');
        input.select();
        return;
      }
      answer(code, r, t0);
      back();
    });
    setTimeout(() => input.focus(), 0);
    return form;
  }

  function brief(r) {
    if (!r.ok) {
      // The station's own words and codes, so that a reload in the other
      // language shows the answer in that language.
      const p = r.problem;
      return { ok: false, problem: { code: p.code, args: p.args, detail: p.server_detail || p.detail,
        errors: (p.errors || []).map((f) => ({ field: f.field, code: f.code, detail: f.server_detail || f.detail })) } };
    }
    const d = r.data, p = d.parcel || {}, rma = d.rma;
    return { ok: true, data: {
      duplicate: d.duplicate, matched: d.matched, matched_by: d.matched_by,
      parcel: { id: p.id, tracking: p.tracking, carrier: p.carrier, received_at: p.received_at, received_by: p.received_by, packaging: p.packaging, photos: p.photos, weight_g: p.weight_g },
      rma: rma ? { rma: rma.rma, order_id: rma.order_id, reason: rma.reason, lines: (rma.lines || []).map((l) => ({ qty: l.qty, name: l.name, sku: l.sku })) } : null,
      exceptions: (d.exceptions || []).map((e) => ({ code: e.code, note: e.note })),
    } };
  }

  function render(entry, r) {
    const box = $('#result');
    box.className = 'result ' + entry.kind;
    box.dataset.seq = String(entry.seq);
    box.replaceChildren(
      icon(icons[entry.kind], 'ri'),
      h('div', { class: 'rbody' },
        h('div', { class: 'rh', text: t(heads[entry.kind]) }),
        h('div', { class: 'ra', text: ta(heads[entry.kind]) }),
        details(entry.kind, r, entry.code)));
  }

  function renderHistory() {
    const ol = $('#history');
    ol.replaceChildren(...saved.history.map((e) => {
      const body = [icon(icons[e.kind]), h('span', { class: 'hk', text: t(heads[e.kind] + '_short') }), h('span', { class: 'hc mono', text: e.code }),
        h('span', { class: 'hr', text: e.rma || '' }), h('time', { text: time(e.at, 'seconds') })];
      return h('li', { class: 'h-' + e.kind }, e.parcel ? h('a', { href: '/inspect?parcel=' + encodeURIComponent(e.parcel) }, body) : body);
    }));
  }

  async function run(code, t0, force, g, fr) {
    const r = await api('POST', '/api/v1/parcels/receive', { code, packaging, force: force || undefined, weight_g: g === null || g === undefined ? undefined : g, freight: fr || undefined });
    // A refused scan gives its freight back for the next try.
    if (!r.ok && fr && !freight) setFreight(fr);
    // A refused scan gives its weight back for the next try, unless the
    // scale has weighed another parcel since.
    if (!r.ok && typeof g === 'number' && weight === null) setWeight(g);
    answer(code, r, t0);
  }

  // answer shows a receive answer, sounds it and adds it to the history.
  function answer(code, r, t0) {
    setPack('intact');
    const kind = classify(r);
    const p = r.ok ? r.data.parcel : null;
    const entry = { seq: (saved.seq = (saved.seq || 0) + 1), kind, at: new Date().toISOString(), code: p ? p.tracking : code.trim(),
      rma: r.ok && r.data.rma ? r.data.rma.rma : '', parcel: p ? p.id : '' };
    render(entry, r);
    beep(kind);
    requestAnimationFrame(() => {
      const ms = performance.now() - t0;
      RS.timings.push(ms);
      if (RS.timings.length > 500) RS.timings.shift();
      $('#result').dataset.ms = ms.toFixed(1);
    });
    if (p && p.id) whereIs(entry.seq, p.id);
    saved.history.unshift(entry);
    saved.history.length = Math.min(saved.history.length, 20);
    // The last answer is kept, in short, so that a reload (a language
    // switch) shows it again in the new language.
    saved.last = Object.assign({ r: brief(r) }, entry);
    RS.store.set(KEY, saved);
    renderHistory();
  }

  // whereIs adds, under the answer to scan seq, where the parcel's shipment
  // is by its carrier (status, time, place, history), once the station has
  // said so; the answer itself never waits for it.
  async function whereIs(seq, parcelId) {
    const r = await api('GET', '/api/v1/parcels/' + encodeURIComponent(parcelId));
    const box = $('#result');
    if (!r.ok || box.dataset.seq !== String(seq)) return;
    const ships = RS.shipments(r.data.shipments);
    if (ships) $('.rbody', box).append(ships);
  }

  async function pump() {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const [code, t0, force, g, fr] = queue.shift();
      await run(code, t0, force, g, fr);
    }
    busy = false;
  }

  RS.start('receive').then((s) => {
    if (!s) return;
    const input = $('#scan');
    // A scale types its digits and Enter into whichever field has the
    // focus: in the scan field, a weight (3 to 6 digits of grams, or with a
    // unit or a decimal point; no waybill is that short) becomes the weight
    // of the next scan instead of a scan. "12" stays a scan to refuse.
    const scaleTyped = (v) => /^\s*(?:\d{3,6}|\d{1,6}(?:[.,]\d{1,3}\s*(?:kg)?|\s*k?g))\s*$/i.test(v);
    const weighed = (g) => {
      setWeight(g);
      const box = $('#result');
      box.className = 'result idle';
      delete box.dataset.seq;
      box.replaceChildren(icon('scan', 'ri'), h('div', { class: 'rbody' },
        h('div', { class: 'rh', 'data-weight-set': String(g), text: t('receive.weight_set', { g }) }),
        h('div', { class: 'ra', text: ta('receive.weight_set', { g }) })));
    };
    RS.scanField(input, (code, t0) => {
      const g = scaleTyped(code) ? grams(code) : null;
      if (g !== null) { weighed(g); return; }
      queue.push([code, t0, false, weight, freight]); // the weight and freight belong to this scan only
      setWeight(null);
      setFreight('');
      pump();
    }, true);
    const wf = $('#weight');
    wf.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      const v = wf.value.trim();
      const g = v === '' ? null : grams(v);
      if (v !== '' && g === null) { wf.setAttribute('aria-invalid', 'true'); return; }
      if (g === null) setWeight(null); else weighed(g);
      input.focus();
    });
    wf.addEventListener('input', () => wf.removeAttribute('aria-invalid'));
    // Freight paid at the dock: a decimal amount, Enter goes back to the scan.
    const ff = $('#freight');
    const takeFreight = () => {
      const v = ff.value.trim().replace(',', '.');
      if (v !== '' && !/^\d{1,7}(\.\d{1,2})?$/.test(v)) { freight = ''; ff.setAttribute('aria-invalid', 'true'); return false; }
      freight = v;
      return true;
    };
    ff.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      if (takeFreight()) input.focus();
    });
    ff.addEventListener('input', () => { ff.removeAttribute('aria-invalid'); takeFreight(); });
    for (const b of document.querySelectorAll('[data-pack]')) b.addEventListener('click', () => setPack(b.dataset.pack));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'F6') { e.preventDefault(); $('#weight').focus(); $('#weight').select(); return; }
      const keys = { F2: 'intact', F3: 'opened', F4: 'damaged' };
      if (keys[e.key]) { e.preventDefault(); setPack(keys[e.key]); }
      if (e.key === 'F9' && saved.last && saved.last.parcel) { e.preventDefault(); location.href = '/inspect?parcel=' + encodeURIComponent(saved.last.parcel); }
    });
    if (saved.last && saved.last.r) {
      if (!saved.last.r.ok) RS.localize(saved.last.r.problem);
      render(saved.last, saved.last.r);
    }
    renderHistory();
    document.body.dataset.ready = 'true';
  });
})();
