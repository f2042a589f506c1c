'use strict';
// Admin: staff accounts, machine tokens and label printers. A token's
// secret is shown once, right after it is made, and never again; revoking,
// rotating, disabling and removing ask for a second click.
(() => {
  const { t, ta, h, put, icon, $, api, showProblem, showMsg, clearMsg, known, time } = RS;
  const enc = encodeURIComponent;
  const role = (r) => known('role.' + r, r);
  let me = '';

  // twice is a button that acts on its second click within five seconds;
  // the first one says what the second will do.
  function twice(label, armedLabel, attrs, action) {
    let timer = 0;
    const b = h('button', Object.assign({ type: 'button', class: 'btn small' }, attrs), h('span', { text: label }));
    const reset = () => {
      clearTimeout(timer);
      b.classList.remove('armed');
      b.removeAttribute('data-armed');
      put(b, h('span', { text: label }));
    };
    b.addEventListener('click', async () => {
      if (!b.dataset.armed) {
        b.dataset.armed = 'true';
        b.classList.add('armed');
        put(b, icon('warn'), h('span', { text: armedLabel }));
        timer = setTimeout(reset, 5000);
        return;
      }
      reset();
      b.disabled = true;
      await action();
      b.disabled = false;
    });
    return b;
  }

  const cell = (label, ...kids) => h('td', { 'data-label': label }, ...kids);
  const head = (...cols) => h('thead', {}, h('tr', {}, cols.map((c) => h('th', { text: c }))));

  // ---- users --------------------------------------------------------------

  async function loadUsers() {
    const r = await api('GET', '/api/v1/users');
    const box = $('#users-msg');
    clearMsg(box);
    if (!r.ok) { showProblem(box, r.problem); return r; }
    const users = (r.data.users || []).slice().sort((a, b) => (!!a.disabled_at - !!b.disabled_at) || a.username.localeCompare(b.username));
    const tb = h('tbody');
    for (const u of users) tb.append(...userRows(u));
    put($('#users-list'), head(t('admin.username'), t('admin.display_name'), t('admin.role'), t('admin.created'), t('admin.state'), ''), tb);
    return r;
  }

  function userRows(u) {
    const off = !!u.disabled_at;
    const msg = h('div', { class: 'msg', role: 'alert' });
    const edit = h('tr', { class: 'editrow', hidden: true });
    const acts = [h('button', { type: 'button', class: 'btn small', 'data-act': 'edit', onclick: () => { edit.hidden = !edit.hidden; if (!edit.hidden) edit.querySelector('input').focus(); } }, t('admin.change'))];
    if (u.username !== me) {
      acts.push(off
        ? h('button', { type: 'button', class: 'btn small', 'data-act': 'enable', onclick: () => patch(u.username, { disabled: false }, msg) }, t('admin.enable'))
        : twice(t('admin.disable'), t('admin.disable_q'), { 'data-act': 'disable', class: 'btn small danger' }, () => patch(u.username, { disabled: true }, msg)));
    }
    const row = h('tr', { 'data-user': u.username, class: off ? 'off' : '' },
      cell(t('admin.username'), h('b', { class: 'mono', text: u.username })),
      cell(t('admin.display_name'), u.display_name || ''),
      cell(t('admin.role'), role(u.role)),
      cell(t('admin.created'), time(u.created_at, true)),
      cell(t('admin.state'), off
        ? h('span', { class: 'tag bad' }, icon('error'), t('admin.disabled_since', { t: time(u.disabled_at, true) }))
        : h('span', { class: 'tag good' }, icon('ok'), t('admin.active'))),
      cell('', h('div', { class: 'acts' }, acts), msg));
    const f = h('form', { class: 'fgrid', autocomplete: 'off' },
      h('div', {}, h('label', { for: 'e-display-' + u.username }, t('admin.display_name')), h('input', { id: 'e-display-' + u.username, name: 'display_name', 'data-field': 'display_name', value: u.display_name || '' })),
      h('div', {}, h('label', { for: 'e-role-' + u.username }, t('admin.role')), h('select', { id: 'e-role-' + u.username, name: 'role', 'data-field': 'role' },
        ['operator', 'supervisor', 'admin'].map((x) => h('option', { value: x, selected: x === u.role, text: role(x) })))),
      h('div', {}, h('label', { for: 'e-pin-' + u.username }, t('admin.new_pin')), h('input', { id: 'e-pin-' + u.username, name: 'pin', 'data-field': 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'new-password' })),
      h('div', {}, h('label', { for: 'e-badge-' + u.username }, t('admin.new_badge')), h('input', { id: 'e-badge-' + u.username, name: 'badge', 'data-field': 'badge', type: 'password', autocomplete: 'off' })),
      h('div', { class: 'fend' }, h('button', { type: 'submit', class: 'btn primary' }, icon('ok'), t('admin.save'))));
    const emsg = h('div', { class: 'msg', role: 'alert' });
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const ch = {};
      if (f.display_name.value !== (u.display_name || '')) ch.display_name = f.display_name.value;
      if (f.role.value !== u.role) ch.role = f.role.value;
      if (f.pin.value) ch.pin = f.pin.value;
      if (f.badge.value) ch.badge = f.badge.value;
      if (!Object.keys(ch).length) { showMsg(emsg, 'warn', t('admin.nothing_changed')); return; }
      patch(u.username, ch, emsg, f);
    });
    edit.append(h('td', { colspan: '6' }, f, emsg));
    return [row, edit];
  }

  async function patch(name, ch, msg, form) {
    const r = await api('PATCH', '/api/v1/users/' + enc(name), ch);
    if (!r.ok) { showProblem(msg, r.problem, form); return; }
    await loadUsers();
    showMsg($('#users-msg'), 'good', t('admin.user_saved', { user: name }));
  }

  async function addUser(ev) {
    ev.preventDefault();
    const f = $('#user-form'), msg = $('#user-msg');
    clearMsg(msg);
    const body = { username: f.username.value.trim(), display_name: f.display_name.value.trim(), role: f.role.value, pin: f.pin.value, badge: f.badge.value.trim() };
    const r = await api('POST', '/api/v1/users', body);
    if (!r.ok) { showProblem(msg, r.problem, f); return; }
    RS.clearFields(f);
    f.reset();
    await loadUsers();
    showMsg($('#users-msg'), 'good', t('admin.user_added', { user: r.data.username }));
  }

  // ---- tokens -------------------------------------------------------------

  async function loadTokens() {
    const r = await api('GET', '/api/v1/tokens');
    const box = $('#tokens-msg');
    if (!r.ok) { showProblem(box, r.problem); return r; }
    const toks = (r.data.tokens || []).slice().sort((a, b) => (!!a.revoked_at - !!b.revoked_at) || a.name.localeCompare(b.name) || String(b.created_at).localeCompare(String(a.created_at)));
    const tb = h('tbody');
    for (const k of toks) {
      const live = !k.revoked_at;
      const msg = h('div', { class: 'msg', role: 'alert' });
      tb.append(h('tr', { 'data-token': k.name, 'data-live': String(live), class: live ? '' : 'off' },
        cell(t('admin.token_name'), h('b', { class: 'mono', text: k.name })),
        cell(t('admin.role'), role(k.role)),
        cell(t('admin.created'), time(k.created_at, true)),
        cell(t('admin.last_used'), k.last_used_at ? time(k.last_used_at, true) : h('span', { class: 'dim', text: t('admin.never') })),
        cell(t('admin.state'), live
          ? h('span', { class: 'tag good' }, icon('ok'), t('admin.live'))
          : h('span', { class: 'tag bad' }, icon('error'), t('admin.revoked_by', { t: time(k.revoked_at, true), who: (k.revoked_by || '').replace(/^user:/, '') }))),
        cell('', live ? h('div', { class: 'acts' },
          twice(t('admin.rotate'), t('admin.rotate_q'), { 'data-act': 'rotate' }, () => rotate(k.name, msg)),
          twice(t('admin.revoke'), t('admin.revoke_q'), { 'data-act': 'revoke', class: 'btn small danger' }, () => revoke(k.name, msg))) : null, msg)));
    }
    put($('#tokens-list'), head(t('admin.token_name'), t('admin.role'), t('admin.created'), t('admin.last_used'), t('admin.state'), ''), tb);
    return r;
  }

  function hideSecret() {
    const box = $('#secret');
    box.hidden = true;
    box.replaceChildren();
  }

  // showSecret shows a new token's secret this once: it is in no list, and
  // leaves the page when the box is closed or the page reloads.
  function showSecret(tok) {
    const box = $('#secret');
    const code = h('code', { id: 'secret-value', class: 'mono', text: tok.secret });
    const said = h('span', { class: 'copied', id: 'secret-copied', role: 'status' });
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(tok.secret);
        said.textContent = t('admin.copied');
        return;
      } catch (e) { /* no clipboard permission: select the text instead */ }
      const range = document.createRange();
      range.selectNodeContents(code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      let ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      said.textContent = ok ? t('admin.copied') : t('admin.copy_by_hand');
    };
    put(box,
      h('h3', {}, icon('warn'), h('span', { text: t('admin.secret_title', { name: tok.name }) }), h('span', { class: 'alt', text: ta('admin.secret_title', { name: tok.name }) })),
      h('p', { class: 'swarn' }, h('b', { text: t('admin.secret_once') }), h('span', { class: 'alt', text: ta('admin.secret_once') })),
      h('div', { class: 'srow' }, code, h('button', { type: 'button', class: 'btn', id: 'secret-copy', onclick: copy }, icon('copy'), t('admin.copy'))),
      said,
      h('p', {}, h('button', { type: 'button', class: 'btn', id: 'secret-done', onclick: hideSecret }, icon('ok'), t('admin.secret_done'))));
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest' });
  }

  async function addToken(ev) {
    ev.preventDefault();
    const f = $('#token-form'), msg = $('#tokens-msg');
    clearMsg(msg);
    hideSecret();
    const r = await api('POST', '/api/v1/tokens', { name: f.name.value.trim(), role: f.role.value });
    if (!r.ok) { showProblem(msg, r.problem, f); return; }
    RS.clearFields(f);
    f.reset();
    await loadTokens();
    showSecret(r.data);
  }

  async function rotate(name, msg) {
    hideSecret();
    const r = await api('POST', '/api/v1/tokens/' + enc(name) + '/rotate');
    if (!r.ok) { showProblem(msg, r.problem); return; }
    await loadTokens();
    showSecret(r.data);
  }

  async function revoke(name, msg) {
    hideSecret();
    const r = await api('DELETE', '/api/v1/tokens/' + enc(name));
    if (!r.ok) { showProblem(msg, r.problem); return; }
    await loadTokens();
    showMsg($('#tokens-msg'), 'good', t('admin.token_revoked', { name }));
  }

  // ---- printers -----------------------------------------------------------

  async function loadPrinters() {
    const r = await api('GET', '/api/v1/printers');
    const box = $('#printers-msg');
    if (!r.ok) {
      if (RS.notConfigured(r.status)) { showMsg(box, 'warn', RS.both('status.not_configured')); $('#printer-form').hidden = true; }
      else showProblem(box, r.problem);
      return r;
    }
    const list = r.data.printers || [];
    if (!list.length) { put($('#printers-list')); showMsg(box, 'warn', t('admin.no_printers')); return r; }
    const tb = h('tbody');
    for (const p of list) {
      const msg = h('div', { class: 'msg', role: 'alert' });
      tb.append(h('tr', { 'data-printer': p.name },
        cell(t('admin.printer_name'), h('b', { class: 'mono', text: p.name })),
        cell(t('admin.printer_addr'), h('span', { class: 'mono', text: p.addr })),
        cell(t('admin.printer_label'), p.size + ' · ' + p.dpi + ' dpi' + (p.font ? ' · ' + p.font : '')),
        cell(t('admin.state'), p.last_error
          ? h('span', { class: 'tag warn', title: p.last_error }, icon('warn'), t('admin.printer_error', { n: p.queued || 0 }))
          : h('span', { class: 'tag good' }, icon('ok'), p.queued ? t('printer.queued_n', { n: p.queued }) : t('printer.ok'))),
        cell('', h('div', { class: 'acts' },
          h('button', { type: 'button', class: 'btn small', 'data-act': 'edit', onclick: () => editPrinter(p) }, t('admin.change')),
          twice(t('admin.remove'), t('admin.remove_q'), { 'data-act': 'remove', class: 'btn small danger' }, () => removePrinter(p.name, msg))), msg)));
    }
    put($('#printers-list'), head(t('admin.printer_name'), t('admin.printer_addr'), t('admin.printer_label'), t('admin.state'), ''), tb);
    return r;
  }

  function editPrinter(p) {
    const f = $('#printer-form');
    f.name.value = p.name;
    f.addr.value = p.addr;
    f.dpi.value = String(p.dpi);
    f.size.value = p.size;
    f.font.value = p.font || '';
    f.addr.focus();
  }

  async function savePrinter(ev) {
    ev.preventDefault();
    const f = $('#printer-form'), msg = $('#printers-msg');
    clearMsg(msg);
    const name = f.name.value.trim();
    if (!name) { showProblem(msg, { detail: t('admin.printer_name_needed'), errors: [{ field: 'name', detail: t('admin.printer_name_needed') }] }, f); return; }
    const r = await api('PUT', '/api/v1/printers/' + enc(name), { name, addr: f.addr.value.trim(), dpi: parseInt(f.dpi.value, 10), size: f.size.value, font: f.font.value.trim() });
    if (!r.ok) { showProblem(msg, r.problem, f); return; }
    RS.clearFields(f);
    f.reset();
    await loadPrinters();
    showMsg(msg, 'good', t('admin.printer_saved', { name }));
    RS.refreshStatus();
  }

  async function removePrinter(name, msg) {
    const r = await api('DELETE', '/api/v1/printers/' + enc(name));
    if (!r.ok) { showProblem(msg, r.problem); return; }
    clearMsg($('#printers-msg'));
    await loadPrinters();
    RS.refreshStatus();
  }

  function refused() {
    $('#admin-body').hidden = true;
    $('#refresh').hidden = true;
    showMsg($('#admin-msg'), 'warn', t('admin.admins_only') + ' · ' + ta('admin.admins_only'));
  }

  async function load() {
    clearMsg($('#admin-msg'));
    const u = await loadUsers();
    if (u.status === 403) { refused(); return; }
    $('#admin-body').hidden = false;
    await Promise.all([loadTokens(), loadPrinters()]);
  }

  RS.start('admin').then(async (s) => {
    if (!s) return;
    me = s.username;
    if (!RS.isAdmin()) {
      refused();
      document.body.dataset.ready = 'true';
      return;
    }
    $('#user-form').addEventListener('submit', addUser);
    $('#token-form').addEventListener('submit', addToken);
    $('#printer-form').addEventListener('submit', savePrinter);
    $('#refresh').addEventListener('click', () => { hideSecret(); load(); });
    await load();
    document.body.dataset.ready = 'true';
  });
})();
