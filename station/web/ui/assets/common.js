'use strict';
// Shared by every page: messages, the API client, the status bar, sounds
// and scan fields. Each page script calls RS.start() first.
const RS = (() => {
  const lang = document.documentElement.dataset.lang === 'en' ? 'en' : 'zh';
  const alt = lang === 'en' ? 'zh' : 'en';
  const locale = lang === 'en' ? 'en-GB' : 'zh-CN';
  const M = window.RS_MESSAGES || {};
  const fill = (s, v) => (v ? s.replace(/\{(\w+)\}/g, (_, k) => (v[k] == null ? '' : String(v[k]))) : s);
  // t is a message in the page's language, ta in the other one.
  const t = (k, v) => fill((M[k] && M[k][lang]) || k, v);
  const ta = (k, v) => fill((M[k] && M[k][alt]) || k, v);
  const both = (k, v) => t(k, v) + ' · ' + ta(k, v);
  // tx picks the page's language from an API text {en, zh}.
  const tx = (o) => (o ? o[lang] || o.en || o.zh || '' : '');
  const txa = (o) => (o ? o[alt] || '' : '');
  // known returns the message for key if there is one, else fallback.
  const known = (k, fallback) => (M[k] ? t(k) : fallback);
  // note shows a station-written note that carries both languages (English,
  // then Chinese: "Damaged in transit · 运输途中破损") with the page's
  // language first and the other smaller; any other text as it is.
  function note(s) {
    s = s || '';
    const i = s.search(/\p{Script=Han}/u);
    if (i <= 0 || /\p{Script=Han}/u.test(s.slice(0, i))) return s;
    const en = s.slice(0, i).replace(/[\s·]+$/, ''), zh = s.slice(i);
    if (!/[A-Za-z]/.test(en)) return s;
    const [p1, p2] = lang === 'zh' ? [zh, en] : [en, zh];
    return h('span', { class: 'note2' }, h('span', { text: p1 }), h('span', { class: 'alt', text: ' ' + p2 }));
  }
  // list joins words as the page's language writes a list.
  const list = (a) => a.filter((x) => x != null && x !== '').join(lang === 'zh' ? '、' : ', ');

  // localize puts a problem from the station into the page's language: the
  // text of its message code (err.CODE), with its blanks filled (a value
  // that has a name of its own, such as a role, by that name), else the
  // station's English detail. The same for each field at fault.
  function localize(p) {
    const args = {};
    for (const [k, v] of Object.entries(p.args || {})) args[k] = known(k + '.' + v, v);
    const text = (code) => (code && M['err.' + code] ? t('err.' + code, args) : '');
    const fields = Array.isArray(p.errors) ? p.errors : [];
    for (const f of fields) {
      const s = text(f.code);
      if (s) { f.server_detail = f.detail; f.detail = s; }
    }
    const main = text(p.code) || (fields.length && fields.every((f) => text(f.code)) ? t('err.check_fields') : '');
    if (main) { p.server_detail = p.detail; p.detail = main; }
    return p;
  }

  // h builds an element. Text is always set as text, never parsed as HTML.
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids.flat(Infinity)) {
      if (c != null && c !== false) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function icon(name, cls) {
    const s = document.createElementNS(SVG, 'svg');
    s.setAttribute('class', cls || 'ic');
    s.setAttribute('aria-hidden', 'true');
    const u = document.createElementNS(SVG, 'use');
    u.setAttribute('href', '#i-' + name);
    s.append(u);
    return s;
  }
  // pair is a text with the other language under it, smaller.
  const pair = (key, v, cls) => h('span', { class: cls || 'pair' }, h('span', { class: 'p1', text: t(key, v) }), h('span', { class: 'alt', text: ta(key, v) }));
  // put replaces the children of el; nulls and falses are skipped and
  // arrays flattened, as in h.
  const put = (el, ...kids) => el.replaceChildren(...kids.flat(Infinity).filter((k) => k != null && k !== false));
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function time(s, withDate) {
    if (!s) return '';
    const d = new Date(s);
    if (isNaN(d)) return '';
    const today = new Date().toDateString() === d.toDateString();
    const o = { hour: '2-digit', minute: '2-digit' };
    if (withDate === 'seconds') o.second = '2-digit';
    if (!today || withDate === true) { o.month = '2-digit'; o.day = '2-digit'; }
    return d.toLocaleString(locale, o);
  }

  const state = { session: null, csrf: '' };
  const isSupervisor = () => !!state.session && (state.session.role === 'supervisor' || state.session.role === 'admin');
  const isAdmin = () => !!state.session && state.session.role === 'admin';

  function toSignIn() {
    location.href = '/?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // api calls the station. It answers {ok, status, data} or {ok:false,
  // status, problem} with the RFC 9457 problem; 0 means no answer at all.
  async function api(method, path, body, opt) {
    opt = opt || {};
    const headers = { Accept: 'application/json' };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = state.csrf;
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      return { ok: false, status: 0, problem: { detail: both('err.network') } };
    }
    let data = null;
    if ((res.headers.get('Content-Type') || '').includes('json')) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    if (res.ok) return { ok: true, status: res.status, data };
    const problem = localize(data && typeof data === 'object' ? data : {});
    if (!problem.detail) problem.detail = t('err.status', { status: res.status });
    if (res.status === 401 && !opt.noRedirect) toSignIn();
    return { ok: false, status: res.status, problem };
  }

  const notConfigured = (s) => s === 501 || s === 404;

  // showProblem writes a problem into box and marks the fields it names
  // inside scope (elements with data-field).
  function showProblem(box, p, scope) {
    clearFields(scope);
    box.className = 'msg bad';
    box.replaceChildren(icon('error'), h('span', { text: p.detail || p.title || '' }));
    for (const f of p.errors || []) {
      const el = scope && scope.querySelector('[data-field="' + CSS.escape(f.field) + '"]');
      if (el) {
        el.classList.add('invalid');
        el.setAttribute('aria-invalid', 'true');
        el.after(h('div', { class: 'field-err', text: f.detail }));
      } else if (f.detail !== p.detail) {
        box.append(h('div', { class: 'field-err', text: f.detail }));
      }
    }
  }
  function showMsg(box, kind, text) {
    box.className = 'msg ' + kind;
    box.replaceChildren(icon(kind === 'good' ? 'ok' : kind === 'bad' ? 'error' : 'warn'), h('span', { text }));
  }
  function clearMsg(box) {
    box.className = 'msg';
    box.replaceChildren();
  }
  function clearFields(scope) {
    if (!scope) return;
    for (const e of scope.querySelectorAll('.field-err')) e.remove();
    for (const e of scope.querySelectorAll('.invalid')) {
      e.classList.remove('invalid');
      e.removeAttribute('aria-invalid');
    }
  }

  // beep plays a short tone: one high for good, two for a repeat, falling
  // for unknown, a low buzz for an error. No sound files are needed.
  let audio = null;
  const tones = {
    ok: [[1046, 0, 0.09]],
    dup: [[784, 0, 0.07], [784, 0.12, 0.07]],
    unknown: [[660, 0, 0.12], [440, 0.15, 0.18]],
    warn: [[660, 0, 0.12], [440, 0.15, 0.18]],
    error: [[196, 0, 0.35]],
  };
  function beep(kind) {
    try {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      audio = audio || new AC();
      if (audio.state === 'suspended') audio.resume().catch(() => {});
      const now = audio.currentTime;
      for (const [f, at, d] of tones[kind] || tones.ok) {
        const o = audio.createOscillator();
        const g = audio.createGain();
        o.type = kind === 'error' ? 'square' : 'sine';
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, now + at);
        g.gain.exponentialRampToValueAtTime(0.25, now + at + 0.01);
        g.gain.exponentialRampToValueAtTime(0.0001, now + at + d);
        o.connect(g).connect(audio.destination);
        o.start(now + at);
        o.stop(now + at + d + 0.02);
      }
    } catch (e) {
      // No audio device: the answer block still says everything.
    }
  }

  // scanField calls onScan(value, t0) when Enter ends a scan, with t0 the
  // performance.now() of the Enter. A keyboard-wedge scanner types fast and
  // then sends Enter, exactly as a person would. With sticky, the field is the
  // page's home field (see holdFocus).
  function scanField(input, onScan, sticky) {
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      const t0 = performance.now();
      const v = input.value;
      input.value = '';
      if (v.trim()) onScan(v, t0);
    });
    // A form around the field must never submit (and reload the page).
    if (input.form) input.form.addEventListener('submit', (e) => e.preventDefault());
    if (sticky) holdFocus(() => input);
  }

  // typing tells whether el is a field a person writes into: while one has
  // the focus, keystrokes are theirs.
  const typing = (el) => !!el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' ||
    (el.tagName === 'INPUT' && !/^(button|submit|reset|checkbox|radio|file|image|range|color)$/.test(el.type)));
  let homeField = null;
  // home is the field that should hold the focus now, if it can.
  function home() {
    const el = homeField && homeField();
    return el && !el.disabled && el.getClientRects().length ? el : null;
  }
  // refocus gives the focus back to the home field unless a person is
  // writing into another field.
  function refocus() {
    const el = home();
    const a = document.activeElement;
    if (!el || a === el || (typing(a) && a.getClientRects().length)) return;
    el.focus({ preventScroll: true });
  }
  // focusHome moves the focus to the home field wherever it is: after a
  // scan that changes what the next scan is for.
  function focusHome() {
    const el = home();
    if (el && document.activeElement !== el) el.focus({ preventScroll: true });
  }
  // holdFocus makes the field that fn names (it may change as the page
  // goes on) hold the focus whenever no other field needs it: at start,
  // after every click on a button or anywhere else, when the focused
  // element disappears, when the window comes back, and when a scan starts
  // while the focus is elsewhere (its first key moves the focus, so no
  // character is lost). A wedge scanner types fast and ends with Enter.
  function holdFocus(fn) {
    const first = !homeField;
    homeField = fn;
    if (first) {
      document.addEventListener('keydown', (e) => {
        const a = document.activeElement;
        if (typing(a) || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
        // Space on a button presses it (a keyboard user's, not a scan's).
        if (e.key === ' ' && a && a.matches('button, summary, a, [role=button]')) return;
        const el = home();
        if (el) el.focus({ preventScroll: true });
      }, true);
      document.addEventListener('click', () => setTimeout(refocus, 0));
      document.addEventListener('focusout', () => setTimeout(() => {
        const a = document.activeElement;
        if (!a || a === document.body || !a.isConnected) refocus();
      }, 0));
      window.addEventListener('focus', () => setTimeout(refocus, 0));
      // An element removed while it had the focus fires no event: look
      // again after each change of the page.
      new MutationObserver(() => {
        const a = document.activeElement;
        if (!a || a === document.body) refocus();
      }).observe(document.body, { childList: true, subtree: true });
    }
    refocus();
  }

  // Status bar: the link to central and the printers, on every page.
  async function refreshStatus() {
    const lv = $('#st-link-v'), pv = $('#st-printers-v');
    const ls = $('#st-link'), ps = $('#st-printers');
    const s = await api('GET', '/api/v1/sync', undefined, { noRedirect: true });
    ls.className = 'st';
    if (s.ok && s.data) {
      const d = s.data;
      const bits = [];
      if (d.configured === false) { bits.push(t('link.none')); ls.classList.add('warn'); }
      else if (d.auth_failed) { bits.push(t('link.refused')); ls.classList.add('bad'); }
      else if (d.online) { bits.push(d.since ? t('link.online_since', { t: time(d.since) }) : t('link.online')); ls.classList.add('good'); }
      else { bits.push(d.since ? t('link.offline_since', { t: time(d.since) }) : t('link.offline')); ls.classList.add('bad'); }
      if (d.halted) bits.push(t('link.halted'));
      bits.push(t('link.backlog', { n: d.backlog || 0 }));
      if (d.parked) bits.push(t('link.parked', { n: d.parked }));
      // After a restore from backup: say what happened to the event log.
      const r = d.restore;
      if (r && r.waiting) {
        bits.push(t('link.restore_waiting', { n: r.backup_last_seq }));
        ls.classList.remove('good'); ls.classList.add('warn');
      } else if (r && r.central_only_to && Date.now() - Date.parse(r.resumed_at) < 7 * 86400e3) {
        bits.push(t('link.restore_central_only', { from: r.central_only_from, to: r.central_only_to }));
      }
      lv.textContent = bits.join(' · ');
    } else if (notConfigured(s.status)) {
      lv.textContent = both('status.not_configured');
      ls.classList.add('muted');
    } else {
      lv.textContent = s.status === 0 ? both('err.station_down') : t('status.unknown');
      ls.classList.add('bad');
    }
    const p = await api('GET', '/api/v1/printers', undefined, { noRedirect: true });
    ps.className = 'st';
    const list = p.ok && p.data ? (Array.isArray(p.data) ? p.data : p.data.printers || []) : null;
    if (list && list.length) {
      state.printers = list;
      pv.textContent = list.map((x) => {
        const bits = [];
        if (x.queued) bits.push(t('printer.queued_n', { n: x.queued }));
        if (x.last_error) bits.push(t('printer.error'));
        return (x.name || '?') + (bits.length ? ' (' + bits.join(lang === 'zh' ? '、' : ', ') + ')' : ' ' + t('printer.ok'));
      }).join(' · ');
      ps.classList.add(list.some((x) => x.last_error) ? 'warn' : 'good');
      ps.title = list.filter((x) => x.last_error).map((x) => x.name + ': ' + x.last_error).join('\n');
    } else if (list) {
      state.printers = [];
      pv.textContent = both('printer.none');
      ps.classList.add('muted');
    } else {
      state.printers = null;
      pv.textContent = p.status === 403 ? t('printer.hidden') : both('status.not_configured');
      ps.classList.add('muted');
    }
  }

  function tick() {
    const c = $('#st-clock');
    if (c) c.textContent = new Date().toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  }

  function setLang(l) {
    document.cookie = 'lang=' + l + '; path=/; max-age=31536000; samesite=lax';
    try { localStorage.setItem('rs.lang', l); } catch (e) { /* private mode */ }
    location.reload();
  }

  // start checks the session and fills the header. Pages other than the
  // sign-in page go to it when nobody is signed in.
  async function start(page) {
    for (const b of $$('[data-set-lang]')) {
      b.setAttribute('aria-pressed', String(b.dataset.setLang === lang));
      b.addEventListener('click', () => setLang(b.dataset.setLang));
    }
    // A language chosen on this device wins over a stale cookie.
    try {
      const saved = localStorage.getItem('rs.lang');
      if ((saved === 'en' || saved === 'zh') && saved !== lang && !document.cookie.includes('lang=')) setLang(saved);
    } catch (e) { /* private mode */ }
    tick();
    setInterval(tick, 15000);
    const r = await api('GET', '/api/v1/session', undefined, { noRedirect: page === 'signin' });
    if (r.ok && !r.data.signed_in && page !== 'signin') {
      toSignIn();
      return null;
    }
    if (!r.ok || !r.data.signed_in) {
      if (page === 'signin') {
        $('#st-link-v').textContent = t('status.signin');
        $('#st-printers-v').textContent = t('status.signin');
        document.body.classList.remove('loading');
      }
      return null;
    }
    state.session = r.data;
    state.csrf = r.data.csrf_token || '';
    const who = $('#who');
    put($('#who-name'), h('b', { text: r.data.display_name || r.data.username }), h('span', { class: 'role', text: ' · ' + known('role.' + r.data.role, r.data.role) }));
    who.hidden = false;
    $('#nav').hidden = false;
    for (const a of $$('[data-role=supervisor]')) a.hidden = !isSupervisor();
    for (const a of $$('[data-role=admin]')) a.hidden = !isAdmin();
    for (const a of $$('[data-nav]')) if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    $('#signout').addEventListener('click', async () => {
      await api('DELETE', '/api/v1/session', undefined, { noRedirect: true });
      location.href = '/';
    });
    document.body.classList.remove('loading');
    refreshStatus();
    setInterval(refreshStatus, 30000);
    return r.data;
  }

  // store keeps small page state across reloads (a language switch) in
  // this tab only.
  const store = {
    get(k, d) { try { return JSON.parse(sessionStorage.getItem(k)) || d; } catch (e) { return d; } },
    set(k, v) { try { sessionStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* full or private */ } },
  };

  return { lang, alt, t, ta, both, tx, txa, known, list, localize, note, h, put, icon, pair, $, $$, time, api, notConfigured, showProblem, showMsg, clearMsg, clearFields, beep, scanField, holdFocus, refocus, focusHome, typing, start, state, isSupervisor, isAdmin, store, refreshStatus };
})();

// RS.shipments draws where each return shipment is by its carrier: the
// latest normalised status with its time and place, then the history, most
// recent first. It returns null for no shipments.
RS.shipments = (list) => {
  const { h, t, ta, known, time } = RS;
  if (!list || !list.length) return null;
  const tone = (s) => ({ delivered: 'good', available_for_pickup: 'good', return_to_sender: 'bad', cancelled: 'bad', delivery_failed: 'warn', exception: 'warn' }[s] || '');
  return h('section', { class: 'ships' },
    h('h3', {}, t('track.title'), ' ', h('span', { class: 'alt', text: ta('track.title') })),
    list.map((s) => {
      const steps = (s.history || []).map((st) => h('li', {},
        h('time', { text: time(st.occurred_at, true) }), ' ', h('b', { text: known('track.' + st.status, st.status) }),
        st.location ? ' · ' + st.location : '', st.description ? ' — ' + st.description : ''));
      return h('div', { class: 'ship', 'data-tracking': s.tracking, 'data-status': s.status || '' },
        h('p', { class: 'ship-now' }, h('span', { class: 'mono', text: s.tracking + (s.carrier ? ' · ' + s.carrier : '') }), ' ',
          h('span', { class: 'tag ' + tone(s.status), text: s.status ? known('track.' + s.status, s.status) : t('track.none') }),
          s.status ? ' ' + time(s.status_at, true) : '', s.location ? ' · ' + s.location : ''),
        steps.length ? h('details', { class: 'ship-hist' }, h('summary', { text: t('track.history', { n: steps.length }) }), h('ol', {}, steps)) : null);
    }));
};
