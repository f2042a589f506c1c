'use strict';
// Find: one box for any code a clerk has in hand (tracking, RMA, order,
// phone tail, serial, label, tote), and the work queue of parcels received
// but not yet inspected, oldest first.
(() => {
  const { t, h, icon, $, api, showProblem, showMsg, clearMsg, known, time } = RS;
  const enc = encodeURIComponent;

  // age says how long a parcel has waited, in the page's language.
  function age(s) {
    const m = Math.floor(s / 60);
    if (m < 60) return t('find.age_min', { n: m });
    const hrs = Math.floor(m / 60);
    if (hrs < 48) return t('find.age_h', { n: hrs, m: m % 60 });
    return t('find.age_d', { n: Math.floor(hrs / 24), h: hrs % 24 });
  }

  function parcelLine(p, extra) {
    return h('a', { class: 'hit', href: '/inspect?parcel=' + enc(p.id) },
      icon('receive'), h('b', { class: 'mono', text: p.tracking || p.id }),
      p.rma ? h('span', { text: ' · RMA ' + p.rma }) : h('span', { class: 'tag warn', text: t('inspect.no_rma') }),
      h('span', { class: 'tag ' + (p.status === 'closed' ? 'muted' : 'good'), text: known('parcel.' + p.status, p.status) }),
      extra || null);
  }

  // hit draws one search result as a link to where its work is done.
  function hit(x) {
    const by = h('span', { class: 'by dim', text: known('find.by_' + x.matched_by, x.matched_by) });
    switch (x.kind) {
      case 'parcel':
        return parcelLine(x.parcel, [by, h('time', { text: time(x.parcel.received_at, true) })]);
      case 'unit': {
        const u = x.unit;
        return h('a', { class: 'hit', href: '/inspect?parcel=' + enc(u.parcel_id) + '&unit=' + enc(u.id) },
          icon('inspect'), h('b', { text: u.name || u.sku }), h('span', { class: 'mono dim', text: ' ' + u.id }),
          h('span', { class: 'tag', text: known('unit.' + u.status, u.status) }), u.location ? h('span', { class: 'tag', text: u.location }) : null, by);
      }
      case 'rma': {
        const r = x.rma;
        return h('div', { class: 'hit' }, icon('audit'), h('b', { text: 'RMA ' + r.rma }),
          h('span', { text: ' · ' + t('receive.order') + ' ' + r.order_id }),
          r.customer && r.customer.phone_tail ? h('span', { class: 'dim', text: ' ···' + r.customer.phone_tail }) : null,
          h('span', { class: 'tag', text: known('rma.' + r.status, r.status) }), by);
      }
      case 'tote': {
        const v = x.tote;
        return h('a', { class: 'hit', href: '/api/v1/totes/' + enc(v.id) + '/list', target: '_blank', rel: 'noopener' },
          icon('putaway'), h('b', { class: 'mono', text: v.id }), h('span', { text: ' ' + t('putaway.tote_holds', { n: (v.unit_list || []).length, disp: v.disposition || '—' }) }), by);
      }
      default:
        return h('div', { class: 'hit' }, icon('putaway'), h('b', { class: 'mono', text: x.location }), by);
    }
  }

  async function find(q) {
    const box = $('#find-msg');
    clearMsg(box);
    const r = await api('GET', '/api/v1/search?q=' + enc(q));
    if (!r.ok) { showProblem(box, r.problem, $('#find-form')); RS.beep('error'); return; }
    const hits = r.data.hits || [];
    $('#hits').replaceChildren(...hits.map((x) => h('li', { 'data-kind': x.kind }, hit(x))));
    if (!hits.length) { showMsg(box, 'warn', t('find.none', { q: q.trim() })); RS.beep('warn'); return; }
    showMsg(box, 'good', t('find.found', { n: hits.length, q: q.trim() }));
    RS.beep('ok');
  }

  async function loadQueue() {
    const r = await api('GET', '/api/v1/queue?limit=100');
    if (!r.ok) { showProblem($('#queue-msg'), r.problem); return; }
    const ps = r.data.parcels || [];
    $('#queue').replaceChildren(...ps.map((p) => h('li', { class: p.age_seconds > 86400 ? 'late' : '' },
      parcelLine(p, [h('span', { class: 'age', text: age(p.age_seconds) }), p.units ? h('span', { class: 'dim', text: ' · ' + t('inspect.units', { n: p.units }) }) : null]))));
    if (!ps.length) showMsg($('#queue-msg'), 'good', t('find.queue_empty'));
    else clearMsg($('#queue-msg'));
  }

  RS.start('find').then((s) => {
    if (!s) return;
    RS.scanField($('#scan'), find, true);
    loadQueue();
    setInterval(loadQueue, 60000);
    document.body.dataset.ready = 'true';
  });
})();
