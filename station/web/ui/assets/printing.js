'use strict';
// Print jobs: each network printer with its queue and last error (retry it
// after fixing paper or power), and the latest jobs with their state
// (reprint any of them).
(() => {
  const { t, h, put, icon, $, api, showProblem, showMsg, clearMsg, known, time } = RS;
  const enc = encodeURIComponent;

  function printers(list) {
    if (!list.length) return h('p', { class: 'hint', text: RS.both('printer.none') });
    return h('table', { class: 'tbl cards-sm' },
      h('thead', {}, h('tr', {}, ['name', 'addr', 'queued', 'state', 'action'].map((k) => h('th', { text: t('printing.col_' + k) })))),
      h('tbody', {}, list.map((p) => h('tr', { 'data-printer': p.name, class: p.last_error ? 'flagged' : '' },
        h('td', { 'data-label': t('printing.col_name') }, h('b', { text: p.name })),
        h('td', { 'data-label': t('printing.col_addr'), class: 'mono', text: p.addr + ' · ' + p.size + ' · ' + p.dpi + ' dpi' }),
        h('td', { 'data-label': t('printing.col_queued'), text: String(p.queued || 0) }),
        h('td', { 'data-label': t('printing.col_state') }, p.last_error
          ? h('span', {}, icon('error'), ' ', p.last_error)
          : h('span', {}, icon('ok'), ' ', t('printer.ok'))),
        h('td', {}, h('button', { type: 'button', class: 'btn retry', onclick: () => retry(p.name) }, t('printing.retry')))))));
  }

  function jobs(list) {
    if (!list.length) return h('p', { class: 'hint', text: t('printing.no_jobs') });
    return h('table', { class: 'tbl cards-sm' },
      h('thead', {}, h('tr', {}, ['time', 'printer', 'label', 'state', 'error', 'action'].map((k) => h('th', { text: t('printing.col_' + k) })))),
      h('tbody', {}, list.map((j) => {
        const c = j.content || {};
        return h('tr', { 'data-job': j.id, 'data-state': j.state, class: j.last_error && j.state !== 'done' ? 'flagged' : '' },
          h('td', { 'data-label': t('printing.col_time'), text: time(j.created_at, true) }),
          h('td', { 'data-label': t('printing.col_printer'), text: j.printer }),
          h('td', { 'data-label': t('printing.col_label') }, h('b', { class: 'mono', text: c.title || '' }), c.name ? ' ' + c.name : ''),
          h('td', { 'data-label': t('printing.col_state'), text: known('job.' + j.state, j.state) + (j.attempts ? ' · ' + t('printing.attempts', { n: j.attempts }) : '') }),
          h('td', { 'data-label': t('printing.col_error'), text: j.state === 'done' ? '' : j.last_error || '' }),
          h('td', {}, h('button', { type: 'button', class: 'btn reprint', onclick: () => reprint(j.id) }, icon('printer'), t('printing.reprint'))));
      })));
  }

  async function load() {
    const box = $('#printing-msg');
    const [p, j] = await Promise.all([api('GET', '/api/v1/printers'), api('GET', '/api/v1/labels/jobs?limit=50')]);
    if (!p.ok || !j.ok) {
      if (RS.notConfigured((p.ok ? j : p).status)) showMsg(box, 'warn', RS.both('label.net_not_configured'));
      else showProblem(box, (p.ok ? j : p).problem);
      return;
    }
    put($('#printers'), printers(p.data.printers || []));
    put($('#jobs'), jobs(j.data.jobs || []));
  }

  async function retry(name) {
    const box = $('#printing-msg');
    clearMsg(box);
    const r = await api('POST', '/api/v1/printers/' + enc(name) + '/retry', {});
    if (!r.ok) { showProblem(box, r.problem); return; }
    showMsg(box, 'good', t('printing.retrying', { printer: name }));
    setTimeout(load, 1500);
  }

  async function reprint(id) {
    const box = $('#printing-msg');
    clearMsg(box);
    const r = await api('POST', '/api/v1/labels/jobs/' + enc(id) + '/reprint', {});
    if (!r.ok) { showProblem(box, r.problem); return; }
    showMsg(box, 'good', t('printing.reprinted', { printer: r.data.printer }));
    setTimeout(load, 1500);
  }

  RS.start('printing').then(async (s) => {
    if (!s) return;
    $('#refresh').addEventListener('click', load);
    await load();
    setInterval(load, 10000);
    document.body.dataset.ready = 'true';
  });
})();
