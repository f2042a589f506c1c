'use strict';
// Sign-in by badge or by user name and PIN; once signed in, the home tiles.
(() => {
  const { t, $, api, showProblem, clearMsg, clearFields } = RS;
  const q = new URLSearchParams(location.search);
  // next must stay on this station: a path, never another site.
  const next = /^\/(?!\/)[\w\-/?=&%.]*$/.test(q.get('next') || '') ? q.get('next') : '';

  function home(s) {
    $('#signin').hidden = true;
    $('#home').hidden = false;
    $('#home-hello').textContent = t('home.hello', { name: s.display_name || s.username });
    for (const a of document.querySelectorAll('#home [data-role=supervisor]')) a.hidden = !RS.isSupervisor();
    for (const a of document.querySelectorAll('#home [data-role=admin]')) a.hidden = !RS.isAdmin();
  }

  function signedIn() {
    if (next) location.replace(next);
    else location.replace('/');
  }

  async function signIn(body, form) {
    const box = $('#signin-msg');
    clearMsg(box);
    clearFields(document);
    const r = await api('POST', '/api/v1/session', body, { noRedirect: true });
    if (r.ok) {
      RS.state.csrf = r.data.csrf_token;
      signedIn();
      return;
    }
    showProblem(box, r.problem, form);
    RS.beep('error');
  }

  RS.start('signin').then((s) => {
    if (s) {
      if (next) location.replace(next);
      else home(s);
      document.body.dataset.ready = 'true';
      return;
    }
    $('#signin').hidden = false;
    const badge = $('#badge');
    // The badge field is this page's scan field: it keeps the focus unless
    // someone is typing a user name and PIN.
    RS.holdFocus(() => badge);
    $('#badge-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const v = badge.value.trim();
      badge.value = '';
      if (v) signIn({ badge: v }, $('#badge-form'));
    });
    const setup = $('#setup-form');
    if (setup) {
      // No account yet: the first admin is made with the setup code from
      // the station's log, then signs in below.
      $('#setup-code').focus();
      setup.addEventListener('submit', async (e) => {
        e.preventDefault();
        const f = e.target;
        const box = $('#signin-msg');
        clearMsg(box);
        clearFields(f);
        const r = await api('POST', '/api/v1/setup', {
          code: f.code.value.trim(), username: f.username.value.trim(),
          display_name: f.display_name.value.trim(), pin: f.pin.value,
        }, { noRedirect: true });
        f.pin.value = '';
        if (!r.ok) {
          showProblem(box, r.problem, f);
          RS.beep('error');
          return;
        }
        $('#first-run').hidden = true;
        RS.showMsg(box, 'good', t('signin.first.done', { name: r.data.username }));
        $('#username').value = r.data.username;
        $('#pin').focus();
      });
    }
    document.body.dataset.ready = 'true';
    $('#pin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const f = e.target;
      signIn({ username: f.username.value.trim(), pin: f.pin.value }, f);
      f.pin.value = '';
    });
  });
})();
