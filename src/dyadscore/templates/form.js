// The partner form's script, served as /static/form.js: saves each answer as it is chosen.
(function () {
  // A page restored from the browser's history is loaded again, so the server decides what it
  // shows (a finished or expired link shows its own page, never an editable form).
  window.addEventListener('pageshow', function (ev) {
    if (ev.persisted) { window.location.reload(); }
  });
  var form = document.querySelector('form[data-answer-url]');
  if (!form) { return; }
  // Enter never submits the form (not 'save and continue', not 'back'): only a click does.
  form.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !(ev.target && ev.target.tagName === 'BUTTON')) {
      ev.preventDefault();
    }
  });
  if (!window.fetch || !window.URLSearchParams) { return; }
  var status = document.getElementById('status');
  var pending = {};   // item -> value chosen but not yet acknowledged by the server
  var order = [];
  var busy = false;
  var delay = 1000;
  function say(key, text) {
    if (!status) { return; }
    status.textContent = text || form.getAttribute('data-' + key);
    status.setAttribute('data-state', key);
  }
  function later() {
    setTimeout(pump, delay);
    delay = Math.min(delay * 2, 10000);
  }
  function pump() {
    if (busy) { return; }
    order = order.filter(function (k) { return pending.hasOwnProperty(k); });
    if (!order.length) { delay = 1000; say('saved'); return; }
    var item = order[0];
    var value = pending[item];
    var body = new URLSearchParams();
    body.set('csrf_token', form.querySelector('input[name=csrf_token]').value);
    body.set('item', item);
    body.set('value', value);
    busy = true;
    say('saving');
    fetch(form.getAttribute('data-answer-url'), {method: 'POST', body: body,
          credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return [r.status, j]; });
      })
      .then(function (res) {
        busy = false;
        var code = res[0];
        if (code === 200) {
          if (pending[item] === value) { delete pending[item]; }
          delay = 1000;
          pump();
        } else if (code === 409 || code === 410) {
          window.location.reload();          // finished or expired: the server's page
        } else if (code >= 500 || code === 429) {
          say('retrying');                    // the server answered but did not save: again
          later();
        } else {                              // refused (e.g. an out-of-date page): say why
          if (pending[item] === value) { delete pending[item]; }
          say('failed', res[1].error);
        }
      }, function () {
        busy = false;
        say('offline');                       // no connection: keep the answer, send again
        later();
      });
  }
  form.addEventListener('change', function (ev) {
    var el = ev.target;
    if (!el || el.type !== 'radio') { return; }
    pending[el.name] = el.value;
    order.push(el.name);
    pump();
  });
})();
