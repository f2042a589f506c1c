'use strict';
// Audit (supervisors): who did what, when and why, from the event log,
// newest first. Read-only: nothing on this page writes to the station.
(() => {
  const { t, ta, tx, h, put, icon, $, $$, api, showProblem, showMsg, clearMsg, known, time } = RS;
  const fields = ['user', 'parcel', 'unit', 'rma', 'type', 'from', 'to'];
  // Event type prefixes offered in the type filter; any other prefix from an
  // address is added as it is.
  const types = ['returns.parcel.', 'returns.parcel.received', 'returns.unit.', 'returns.unit.inspected', 'returns.unit.regraded',
    'returns.unit.moved', 'returns.unit.voided', 'returns.exception.resolved', 'returns.parcel.exception', 'returns.label.printed', 'returns.rma.',
    'returns.tracking.', 'returns.rules.', 'returns.admin.'];
  const hlIcon = { override: 'warn', regrade: 'warn', exception_resolved: 'ok', admin: 'admin' };
  let rules = { grades: [], dispositions: [] };
  let query = {};
  let limit = 0;
  let next = 0;
  let shown = 0;

  const who = (a) => (a || '').replace(/^user:/, '');
  const quote = (s) => (s ? '“' + s + '”' : '');
  const disp = (c) => {
    const d = (rules.dispositions || []).find((x) => x.code === c);
    return d ? tx(d.name) : c || '';
  };
  const refund = (r) => (r ? [known('refund.' + r.decision, r.decision), r.amount ? r.amount + ' ' + (r.currency || '') : ''].filter(Boolean).join(' ') : '');
  const role = (r) => known('role.' + r, r);
  function changes(d) {
    const out = [];
    if (d.display_name != null) out.push(t('audit.c.name', { name: d.display_name }));
    if (d.role) out.push(t('audit.c.role', { role: role(d.role) }));
    if (d.pin) out.push(t('audit.c.pin'));
    if (d.badge) out.push(t(d.badge === 'removed' ? 'audit.c.badge_removed' : 'audit.c.badge'));
    if (d.disabled === true) out.push(t('audit.c.disabled'));
    if (d.disabled === false) out.push(t('audit.c.enabled'));
    return out.length ? RS.list(out) : t('audit.c.nothing');
  }

  // One line per event type, in the page's language.
  const summaries = {
    'returns.parcel.received': (d) => [t('audit.s.received', { tracking: d.tracking || '?' }), d.carrier,
      d.rma ? 'RMA ' + d.rma : t('audit.s.no_rma'), d.packaging && d.packaging !== 'intact' ? known('pack.' + d.packaging, d.packaging) : ''],
    'returns.parcel.matched': (d) => [t('audit.s.matched', { rma: d.rma })],
    'returns.parcel.exception': (d) => [t('audit.s.exception', { code: known('ex.' + d.code, d.code) }), d.note],
    'returns.parcel.closed': (d) => [t('audit.s.closed', { n: d.units || 0 }), d.complete === false ? t('audit.s.incomplete') : ''],
    'returns.unit.started': (d) => [t('audit.s.started', { sku: d.sku || '?' }), d.rma ? 'RMA ' + d.rma : ''],
    'returns.unit.inspected': (d) => [t('audit.s.inspected', { grade: d.grade, disp: disp(d.disposition) }), refund(d.refund),
      d.override_reason ? t('audit.s.overridden', { from: d.suggested_grade || '?' }) + ' ' + quote(d.override_reason) : ''],
    'returns.unit.regraded': (d) => [t('audit.s.regraded', { from: d.previous_grade || '?', to: d.grade }), disp(d.disposition), refund(d.refund), quote(d.override_reason)],
    'returns.unit.moved': (d) => [t('audit.s.moved', { to: d.to })],
    'returns.unit.photo_added': () => [t('audit.s.photo')],
    'returns.unit.voided': (d) => [t('audit.s.voided', { sku: d.sku || '?' }), d.grade ? t('audit.s.voided_grade', { grade: d.grade }) : '', quote(d.reason)],
    'returns.tote.closed': (d) => [t('audit.s.tote_closed', { tote: d.tote_id, n: (d.units || []).length }), disp(d.disposition)],
    'returns.parcel.photo_added': (d) => [t('audit.s.parcel_photo', { tracking: d.tracking || '?' }), d.packaging ? known('pack.' + d.packaging, d.packaging) : ''],
    'returns.exception.resolved': (d) => [t('audit.s.resolved', { code: known('ex.' + d.code, d.code), action: known('act.' + d.action, d.action) }), quote(d.note)],
    'returns.rma.upserted': (d) => [t('audit.s.rma', { rma: d.rma, version: d.version }), known('rma.' + d.status, d.status)],
    'returns.rules.replaced': (d) => [t('audit.s.rules', { version: d.version })],
    'returns.label.printed': (d) => [t('audit.s.printed', { code: d.code, printer: d.printer })],
    'returns.tracking.updated': (d) => [t('audit.s.tracking', { tracking: d.tracking, status: known('track.' + d.status, d.status) }), d.location],
    'returns.admin.user_added': (d) => [t('audit.s.user_added', { user: d.username, role: role(d.role) }), d.badge ? t('audit.s.with_badge') : ''],
    'returns.admin.user_changed': (d) => [t('audit.s.user_changed', { user: d.username }) + ' ' + changes(d)],
    'returns.admin.token_created': (d) => [t('audit.s.token_created', { name: d.name, role: role(d.role) })],
    'returns.admin.token_revoked': (d) => [t('audit.s.token_revoked', { name: d.name })],
    'returns.admin.printer_saved': (d) => [t('audit.s.printer_saved', { name: d.name, addr: d.addr }), d.dpi ? d.dpi + ' dpi' : '', d.size],
    'returns.admin.printer_removed': (d) => [t('audit.s.printer_removed', { name: d.name })],
  };
  const typeName = (typ) => known('ev.' + typ.replace(/^returns\./, ''), typ);

  function summary(e) {
    const f = summaries[e.type];
    const d = e.data && typeof e.data === 'object' ? e.data : {};
    if (!f) return e.subject || '';
    try {
      return f(d).filter(Boolean).join(' · ');
    } catch (err) {
      return e.subject || '';
    }
  }

  function entry(e) {
    const d = e.data && typeof e.data === 'object' ? e.data : {};
    const li = h('li', { class: 'aentry' + (e.highlight ? ' hl hl-' + e.highlight : ''), 'data-seq': String(e.seq), 'data-type': e.type, 'data-highlight': e.highlight || null });
    const parcel = d.parcel_id || (/^parcel\//.test(e.subject || '') ? e.subject.slice(7) : '');
    const unit = d.unit_id || (/^unit\//.test(e.subject || '') ? e.subject.slice(5) : '');
    const links = [];
    if (parcel) {
      links.push(h('a', { href: '/inspect?parcel=' + encodeURIComponent(parcel) + (unit ? '&unit=' + encodeURIComponent(unit) : '') }, icon('inspect'), t('audit.open_parcel')));
      if (query.parcel !== parcel) links.push(h('a', { href: '/audit?parcel=' + encodeURIComponent(parcel) }, icon('audit'), t('audit.parcel_history')));
    }
    if (unit && query.unit !== unit) links.push(h('a', { href: '/audit?unit=' + encodeURIComponent(unit) }, icon('audit'), t('audit.unit_history')));
    const raw = { seq: e.seq, id: e.id, type: e.type, subject: e.subject, time: e.time, actor: e.actor, data: e.data };
    put(li,
      h('div', { class: 'ahead' },
        h('time', { datetime: e.time, text: time(e.time, 'seconds') }),
        h('b', { class: 'atype', text: typeName(e.type) }),
        e.highlight ? h('span', { class: 'hlbadge' }, icon(hlIcon[e.highlight] || 'warn'), h('span', { text: known('audit.hl.' + e.highlight, e.highlight) }), h('span', { class: 'alt', text: ta('audit.hl.' + e.highlight) })) : null,
        h('span', { class: 'actor' }, t('audit.by') + ' ', h('b', { text: who(e.actor) || '?' }))),
      h('p', { class: 'asum', text: summary(e) }),
      links.length ? h('div', { class: 'meta' }, links) : null,
      h('details', { class: 'raw' }, h('summary', {}, t('audit.raw'), h('span', { class: 'dim', text: ' #' + e.seq + ' · ' + e.type })),
        h('pre', { class: 'mono', text: JSON.stringify(raw, null, 2) })));
    return li;
  }

  // local turns an RFC 3339 time into a datetime-local value, and rfc3339
  // the other way, with the browser's offset.
  const pad = (n) => String(n).padStart(2, '0');
  function local(s) {
    const d = new Date(s);
    if (!s || isNaN(d)) return '';
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function rfc3339(v) {
    if (!v) return '';
    const d = new Date(v);
    if (isNaN(d)) return '';
    const off = -d.getTimezoneOffset();
    const a = Math.abs(off);
    return local(v) + (off >= 0 ? '+' : '-') + pad(Math.floor(a / 60)) + ':' + pad(a % 60);
  }

  function fillForm() {
    const f = $('#audit-form');
    const sel = f.type;
    if (query.type && !types.includes(query.type)) types.push(query.type);
    put(sel, h('option', { value: '', text: t('audit.all_types') }), types.map((x) => h('option', { value: x, text: x.endsWith('.') ? t('audit.type_prefix', { what: typeName(x.slice(0, -1)) }) : typeName(x) })));
    for (const k of fields) {
      if (k === 'from' || k === 'to') f[k].value = local(query[k]);
      else f[k].value = query[k] || '';
    }
  }

  function readForm() {
    const f = $('#audit-form');
    const q = {};
    for (const k of fields) {
      const v = (k === 'from' || k === 'to') ? rfc3339(f[k].value) : f[k].value.trim();
      if (v) q[k] = v;
    }
    return q;
  }

  function params(before) {
    const p = new URLSearchParams();
    for (const k of fields) if (query[k]) p.set(k, query[k]);
    if (limit) p.set('limit', String(limit));
    if (before) p.set('before', String(before));
    return p;
  }

  async function load(more) {
    const box = $('#audit-msg'), list = $('#audit-list'), btn = $('#audit-more');
    clearMsg(box);
    btn.disabled = true;
    const r = await api('GET', '/api/v1/audit?' + params(more ? next : 0).toString());
    btn.disabled = false;
    if (!r.ok) {
      if (!more) { list.replaceChildren(); shown = 0; }
      btn.hidden = true;
      if (r.status === 403) showMsg(box, 'warn', t('audit.supervisors_only') + ' · ' + ta('audit.supervisors_only'));
      else showProblem(box, r.problem, $('#audit-form'));
      count();
      return;
    }
    const es = r.data.entries || [];
    if (more) list.append(...es.map(entry));
    else list.replaceChildren(...es.map(entry));
    shown = list.children.length;
    next = r.data.next_before || 0;
    btn.hidden = !next;
    if (!shown) showMsg(box, 'good', t('audit.none'));
    count();
  }

  function count() {
    const hl = $$('#audit-list .aentry.hl').length;
    $('#audit-count').textContent = shown ? t('audit.count', { n: shown, hl }) + (next ? ' · ' + t('audit.more_exist') : '') : '';
  }

  function search(q) {
    query = q;
    const p = params(0).toString();
    history.replaceState(null, '', '/audit' + (p ? '?' + p : ''));
    return load(false);
  }

  RS.start('audit').then(async (s) => {
    if (!s) return;
    const u = new URLSearchParams(location.search);
    for (const k of fields) if (u.get(k)) query[k] = u.get(k);
    limit = Math.max(0, Math.min(1000, parseInt(u.get('limit') || '0', 10) || 0));
    fillForm();
    if (!RS.isSupervisor()) {
      $('#audit-form').hidden = true;
      showMsg($('#audit-msg'), 'warn', t('audit.supervisors_only') + ' · ' + ta('audit.supervisors_only'));
      document.body.dataset.ready = 'true';
      return;
    }
    const rr = await api('GET', '/api/v1/rules');
    if (rr.ok && rr.data) rules = rr.data;
    $('#audit-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      RS.clearFields($('#audit-form'));
      search(readForm());
    });
    $('#audit-clear').addEventListener('click', () => {
      query = {};
      fillForm();
      search({});
    });
    $('#refresh').addEventListener('click', () => load(false));
    $('#audit-more').addEventListener('click', () => load(true));
    await load(false);
    document.body.dataset.ready = 'true';
  });
})();
