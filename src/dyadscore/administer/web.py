"""Local web form: a small Flask app a coach runs on their own computer.

The server binds to the loopback address only and refuses requests for any other host
name (DNS rebinding). Each partner gets a link with an unguessable token
(``secrets.token_urlsafe(32)``); the link opens only that partner's own pages, one page
per instrument. A page is a plain HTML form (labels, fieldset/legend, radio buttons,
works with the keyboard and without JavaScript); a small script from the same server
additionally saves each answer the moment a radio button is chosen. Every post is
checked on the server: CSRF token, known items of that page only, whole numbers on the
instrument's scale; anything else is a 400 with a clear message. Responses carry a strict
Content-Security-Policy (``default-src 'self'``), no referrer (the token is in the URL)
and ``no-store`` caching. Nothing is loaded from the internet.

Examples
--------
>>> import tempfile, os
>>> app = create_app(os.path.join(tempfile.mkdtemp(), "a.db"))
>>> app.test_client().get("/").status_code
404
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import ipaddress
import os
import secrets
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from flask import Flask, Response, abort, jsonify, redirect, render_template_string, request
from flask import session as cookie
from werkzeug.exceptions import HTTPException

from ..errors import InputError
from ..instruments import Instrument, load_instrument
from .batteries import resolve_battery
from .messages import LANGS, check_lang, t
from .store import AnswerStore, PartnerSession, StoreError, check_code

MAX_CONTENT_LENGTH = 64 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

CSS = """
:root { --fg:#1b1b1b; --bg:#fdfdfb; --accent:#1f5f8b; --muted:#555; --line:#c9c9c9; }
* { box-sizing: border-box; }
body { margin:0; font: 1.05rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.35rem; margin: .5rem 0; }
.meta { color: var(--muted); font-size: .95rem; }
progress { width: 100%; height: .6rem; }
.instructions { background: #eef3f7; padding: .75rem 1rem; border-radius: .4rem; }
fieldset { border: 1px solid var(--line); border-radius: .5rem; margin: 1rem 0; padding: .75rem 1rem; }
fieldset.missing { border-color: #b00020; border-width: 2px; }
legend { font-weight: 600; padding: 0 .3rem; }
.scale { display: grid; grid-template-columns: 1fr; gap: .35rem; margin-top: .5rem; }
.scale label { display: flex; align-items: center; gap: .6rem; padding: .45rem .6rem;
               border: 1px solid var(--line); border-radius: .4rem; cursor: pointer; min-height: 2.75rem; }
.scale input { width: 1.3rem; height: 1.3rem; margin: 0; accent-color: var(--accent); }
.scale label:has(input:checked) { border-color: var(--accent); background: #e3eef6; }
.scale input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.v { font-weight: 700; min-width: 1.2rem; }
@media (min-width: 40rem) {
  .scale { grid-template-columns: repeat(7, 1fr); }
%(columns)s
  .scale label { flex-direction: column; text-align: center; font-size: .85rem; gap: .25rem; }
}
.nav { display: flex; gap: .75rem; justify-content: space-between; margin: 1.5rem 0 3rem; }
button { font: inherit; padding: .7rem 1.2rem; border-radius: .4rem; border: 2px solid var(--accent);
         background: var(--accent); color: #fff; cursor: pointer; min-height: 2.75rem; }
button.secondary { background: #fff; color: var(--accent); }
button:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.error { background: #fde8ea; border: 1px solid #b00020; padding: .75rem 1rem; border-radius: .4rem; }
.status { min-height: 1.5rem; color: var(--muted); font-size: .9rem; }
""".replace(
    "%(columns)s",
    "\n".join(
        f"  .scale.n{n} {{ grid-template-columns: repeat({n}, 1fr); }}" for n in range(2, 12)
    ),
)

JS = """
(function () {
  var form = document.querySelector('form[data-answer-url]');
  if (!form || !window.fetch) { return; }
  var status = document.getElementById('status');
  form.addEventListener('change', function (ev) {
    var el = ev.target;
    if (!el || el.type !== 'radio') { return; }
    var body = new URLSearchParams();
    body.set('csrf_token', form.querySelector('input[name=csrf_token]').value);
    body.set('item', el.name);
    body.set('value', el.value);
    fetch(form.getAttribute('data-answer-url'), {method: 'POST', body: body,
          credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
      .then(function (res) {
        if (status) { status.textContent = res[0] ? form.getAttribute('data-saved') : res[1].error; }
      })
      .catch(function () { /* the page's own submit still saves */ });
  });
})();
"""

BASE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{ title }}</title>
<link rel="stylesheet" href="/static/form.css">
</head>
<body><main>
{{ body | safe }}
</main></body></html>
"""

PAGE = """
<p class="meta">{{ part }}</p>
<progress value="{{ page }}" max="{{ n_pages }}" aria-label="{{ part }}">{{ part }}</progress>
<h1>{{ inst.title[lang] }}</h1>
{% if inst.instructions %}<p class="instructions">{{ inst.instructions[lang] }}</p>{% endif %}
{% if inst.allow_skip %}<p class="meta">{{ skip_note }}</p>{% endif %}
{% if error %}<p class="error" role="alert" id="error">{{ error }}</p>{% endif %}
<form method="post" action="{{ action }}" data-answer-url="{{ answer_url }}" data-saved="{{ saved }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
{% for it in items %}
<fieldset id="f-{{ it.id }}"{% if it.id in missing %} class="missing"{% endif %}>
<legend>{{ it.number }}. {{ it.text }}</legend>
<div class="scale n{{ points|length }}">
{% for p in points %}
<label for="{{ it.id }}-{{ p.value }}">
<input type="radio" id="{{ it.id }}-{{ p.value }}" name="{{ it.id }}" value="{{ p.value }}"{% if it.value == p.value %} checked{% endif %}{% if not inst.allow_skip %} required{% endif %}>
<span class="v">{{ p.value }}</span><span class="a">{{ p.label }}</span>
</label>
{% endfor %}
</div>
</fieldset>
{% endfor %}
<p class="status" id="status" role="status" aria-live="polite"></p>
<div class="nav">
{% if page > 1 %}<button type="submit" name="nav" value="back" class="secondary" formnovalidate>{{ back }}</button>{% else %}<span></span>{% endif %}
<button type="submit" name="nav" value="next">{{ next_label }}</button>
</div>
</form>
<script src="/static/form.js"></script>
"""

MESSAGE = """
<h1>{{ heading }}</h1>
<p{% if role %} role="{{ role }}"{% endif %}>{{ text }}</p>
"""


# ------------------------------------------------------------------ helpers
def _render(lang: str, title: str, body_tpl: str, status: int = 200, **ctx: Any) -> Response:
    body = render_template_string(body_tpl, lang=lang, **ctx)
    html = render_template_string(BASE, lang=lang, title=title, body=body)
    return Response(html, status=status, mimetype="text/html")


def _bad(message: str, status: int = 400) -> None:
    abort(status, description=message)


class _Battery:
    """Instruments of a session, cached per battery string."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.instruments: list[Instrument] = [load_instrument(i) for i in ids]
        self.offsets: list[int] = []
        n = 0
        for inst in self.instruments:
            self.offsets.append(n)
            n += len(inst.item_ids)
        self.n_items = n
        self.item_owner = {it: inst for inst in self.instruments for it in inst.item_ids}


def check_loopback(host: str) -> str:
    """Refuse any address but this computer's loopback.

    Examples
    --------
    >>> check_loopback("127.0.0.1")
    '127.0.0.1'
    """
    ok = host in LOOPBACK_NAMES
    if not ok:
        with contextlib.suppress(ValueError):
            ok = ipaddress.ip_address(host).is_loopback
    if not ok:
        raise InputError(
            f"--host {host!r}: the form server only listens on this computer "
            "(127.0.0.1); share links with partners on this computer or via a secure tunnel"
        )
    return host


# ---------------------------------------------------------------------- app
def create_app(
    db: str | os.PathLike,
    *,
    max_content_length: int = MAX_CONTENT_LENGTH,
    secret_key: bytes | None = None,
) -> Flask:
    """Build the Flask app serving the partner forms of an answer database.

    Parameters
    ----------
    db
        The answer database (created when missing).
    max_content_length
        Largest request body accepted, in bytes (larger: 413).
    secret_key
        Key signing the session cookie that holds the CSRF token (random by default,
        so a restart asks each open page to reload).

    Returns
    -------
    flask.Flask
    """
    store = AnswerStore(db)
    app = Flask(__name__, static_folder=None, template_folder=None)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_bytes(32),
        MAX_CONTENT_LENGTH=max_content_length,
        MAX_FORM_PARTS=200,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="dyadscore",
    )
    app.extensions["dyadscore_store"] = store
    batteries: dict[tuple[str, ...], _Battery] = {}

    def battery_of(ps: PartnerSession) -> _Battery:
        if ps.battery not in batteries:
            batteries[ps.battery] = _Battery(ps.battery)
        return batteries[ps.battery]

    def partner(token: str) -> PartnerSession:
        ps = store.session_by_token(token)
        if ps is None:
            _bad(t("bad_link", "en") + " / " + t("bad_link", "nl"), 404)
        return ps

    def csrf_token() -> str:
        if "csrf" not in cookie:
            cookie["csrf"] = secrets.token_urlsafe(32)
        return cookie["csrf"]

    def check_csrf() -> None:
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        have = cookie.get("csrf", "")
        if not have or not hmac.compare_digest(str(sent), str(have)):
            _bad(
                "The form could not be checked (CSRF token missing or wrong): reload the page and "
                "try again. / Het formulier kon niet worden gecontroleerd: laad de pagina opnieuw."
            )

    def parse_value(inst: Instrument, item: str, raw: str) -> int:
        lo, hi = inst.scale_min, inst.scale_max
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and lo <= int(raw) <= hi):
            _bad(f"item {item!r}: value {raw[:20]!r} is not a whole number from {lo} to {hi}")
        return int(raw)

    def first_open_page(ps: PartnerSession, bat: _Battery) -> int:
        have = store.answers(ps.id)
        for k, inst in enumerate(bat.instruments, start=1):
            if any((inst.id, it) not in have for it in inst.item_ids):
                return k
        return len(bat.instruments)

    @app.before_request
    def _host_guard() -> None:
        host = (
            request.host.rsplit(":", 1)[0]
            if not request.host.startswith("[")
            else (request.host.split("]")[0] + "]")
        )
        if host not in LOOPBACK_NAMES:
            _bad(f"unexpected Host header {request.host[:60]!r}; open the link as printed")

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        desc = exc.description or exc.name
        if exc.code == 413:
            desc = f"The request is too large (over {max_content_length} bytes)."
        if request.path.endswith("/answer") or request.accept_mimetypes.best == "application/json":
            resp = jsonify(error=desc)
            resp.status_code = exc.code or 400
            return resp
        return _render(
            "en", exc.name, MESSAGE, exc.code or 400, heading=exc.name, text=desc, role="alert"
        )

    @app.errorhandler(StoreError)
    def _store_error(exc: StoreError) -> Response:
        if request.path.endswith("/answer"):
            resp = jsonify(error=str(exc))
            resp.status_code = 503
            return resp
        return _render(
            "en",
            "Error",
            MESSAGE,
            503,
            heading="Answers cannot be saved",
            text=str(exc),
            role="alert",
        )

    @app.get("/static/form.css")
    def _css() -> Response:
        return Response(CSS, mimetype="text/css")

    @app.get("/static/form.js")
    def _js() -> Response:
        return Response(JS, mimetype="text/javascript")

    @app.get("/")
    def _root() -> Response:
        _bad(t("bad_link", "en") + " / " + t("bad_link", "nl"), 404)

    @app.get("/p/<token>")
    def start(token: str) -> Response:
        ps = partner(token)
        if ps.is_finished:
            return redirect(f"/p/{token}/done", 303)
        return redirect(f"/p/{token}/{first_open_page(ps, battery_of(ps))}", 303)

    def render_page(
        ps: PartnerSession, page: int, *, error: str = "", missing=(), status: int = 200
    ) -> Response:
        bat, lang = battery_of(ps), ps.lang
        inst = bat.instruments[page - 1]
        have = store.answers(ps.id)
        offset = bat.offsets[page - 1]
        items = [
            {
                "id": it.id,
                "text": it.text[lang],
                "number": offset + k + 1,
                "value": have.get((inst.id, it.id)),
            }
            for k, it in enumerate(inst.items)
        ]
        points = [
            {"value": v, "label": inst.response_scale.label(v, lang)}
            for v in range(inst.scale_min, inst.scale_max + 1)
        ]
        n_pages = len(bat.instruments)
        first, last = offset + 1, offset + len(inst.items)
        part = (
            t("page_of", lang, i=page, n=n_pages)
            + f" · {t('progress', lang, i=f'{first}–{last}', n=bat.n_items)}"
        )
        return _render(
            lang,
            f"{inst.title[lang]} ({page}/{n_pages})",
            PAGE,
            status,
            inst=inst,
            items=items,
            points=points,
            page=page,
            n_pages=n_pages,
            part=part,
            csrf=csrf_token(),
            action=f"/p/{ps.token}/{page}",
            answer_url=f"/p/{ps.token}/answer",
            saved=t("saved_live", lang),
            back=t("back", lang),
            skip_note=t("skip_note", lang),
            error=error,
            missing=set(missing),
            next_label=t("save_finish" if page == n_pages else "save_next", lang),
        )

    def page_or_404(ps: PartnerSession, page: int) -> int:
        if not 1 <= page <= len(battery_of(ps).instruments):
            _bad(f"page {page} does not exist", 404)
        return page

    @app.get("/p/<token>/<int:page>")
    def show(token: str, page: int) -> Response:
        ps = partner(token)
        if ps.is_finished:
            return redirect(f"/p/{token}/done", 303)
        return render_page(ps, page_or_404(ps, page))

    @app.post("/p/<token>/<int:page>")
    def submit(token: str, page: int) -> Response:
        ps = partner(token)
        check_csrf()
        if ps.is_finished:
            _bad("These answers are already complete and can no longer be changed.", 409)
        bat = battery_of(ps)
        inst = bat.instruments[page_or_404(ps, page) - 1]
        nav = request.form.get("nav", "next")
        if nav not in ("next", "back"):
            _bad(f"field 'nav': unexpected value {nav[:20]!r}")
        known = set(inst.item_ids)
        given: list[tuple[str, str, int | None]] = []
        for key in request.form:
            if key in ("csrf_token", "nav"):
                continue
            if key not in known:
                _bad(f"unknown field {key[:40]!r}: not an item of {inst.id!r}")
            values = request.form.getlist(key)
            if len(values) != 1:
                _bad(f"item {key!r}: expected one answer, got {len(values)}")
            given.append((inst.id, key, parse_value(inst, key, values[0])))
        have = store.answers(ps.id)
        answered = {k for _, k, _ in given} | {it for (i, it), v in have.items() if i == inst.id}
        open_items = [it for it in inst.item_ids if it not in answered]
        if nav == "next" and open_items and not inst.allow_skip:
            if given:
                store.save_answers(ps.id, given)
            numbers = [str(bat.offsets[page - 1] + inst.item_ids.index(i) + 1) for i in open_items]
            return render_page(
                ps,
                page,
                error=t("answer_required", ps.lang, items=", ".join(numbers)),
                missing=open_items,
                status=422,
            )
        if nav == "next":
            given += [(inst.id, it, None) for it in open_items]  # explicit skips
        if given:
            store.save_answers(ps.id, given)
        if nav == "back":
            return redirect(f"/p/{token}/{max(page - 1, 1)}", 303)
        if page < len(bat.instruments):
            return redirect(f"/p/{token}/{page + 1}", 303)
        have = store.answers(ps.id)
        remaining = [
            k
            for k, i in enumerate(bat.instruments, start=1)
            if any((i.id, it) not in have for it in i.item_ids)
        ]
        if remaining:
            return redirect(f"/p/{token}/{remaining[0]}", 303)
        store.finish(ps.id)
        return redirect(f"/p/{token}/done", 303)

    @app.post("/p/<token>/answer")
    def answer(token: str) -> Response:
        ps = partner(token)
        check_csrf()
        if ps.is_finished:
            _bad("These answers are already complete and can no longer be changed.", 409)
        extra = set(request.form) - {"csrf_token", "item", "value"}
        if extra:
            _bad(f"unknown field {sorted(extra)[0][:40]!r}")
        for key in ("item", "value"):
            if len(request.form.getlist(key)) > 1:
                _bad(f"field {key!r}: expected one, got {len(request.form.getlist(key))}")
        item = request.form.get("item", "")
        inst = battery_of(ps).item_owner.get(item)
        if inst is None:
            _bad(f"unknown item {item[:40]!r}")
        value = parse_value(inst, item, request.form.get("value", ""))
        store.save_answer(ps.id, inst.id, item, value)
        return jsonify(ok=True, item=item, value=value)

    @app.get("/p/<token>/done")
    def done(token: str) -> Response:
        ps = partner(token)
        if not ps.is_finished:
            return redirect(f"/p/{token}", 303)
        return _render(
            ps.lang,
            t("thanks_title", ps.lang),
            MESSAGE,
            heading=t("thanks_title", ps.lang),
            text=t("thanks_body", ps.lang),
            role="status",
        )

    return app


# ------------------------------------------------------------------ server
@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt (even if SIGINT was inherited ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = {sig: signal.signal(sig, _raise) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def server_lock(db: str | os.PathLike) -> Iterator[Path]:
    """Hold ``<db>.lock`` so that a second server on the same database stops with a clear error.

    The lock is an advisory ``flock`` released by the kernel when the process ends, so a
    killed server leaves no stale lock behind.
    """
    path = Path(str(db) + ".lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the server lock file: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"{db}: another 'dyadscore serve' is already using this answer database "
                f"(lock {path}); stop it first or use its links"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)


def _quiet_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        """Logs no request lines: the URLs carry the partners' tokens."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    return Quiet


def serve(
    db: str | os.PathLike,
    couples: Sequence[str],
    *,
    battery: str | Sequence[str] = "intake",
    wave: int = 1,
    lang: str = "en",
    roles: Sequence[str] = ("A", "B"),
    host: str = "127.0.0.1",
    port: int = 8765,
    out: TextIO | None = None,
) -> int:
    """Start the local form server and print one link per partner.

    Parameters
    ----------
    db
        Answer database (created, owner-only, when missing).
    couples
        Couple codes; each gets a link per role (existing sessions keep their link).
    battery, wave, lang, roles
        What is asked, at which wave, in which language, of which partners.
    host, port
        Loopback address only; ``port=0`` picks a free port.

    Returns
    -------
    int
        0 after Ctrl-C (answers are saved as they are given).
    """
    from werkzeug.serving import make_server

    _QuietHandler = _quiet_handler()  # noqa: N806
    out = out or sys.stdout
    host = check_loopback(host)
    lang = check_lang(lang)
    if lang not in LANGS:  # pragma: no cover - check_lang raised
        raise InputError(lang)
    couples = [check_code(c) for c in couples]
    if not couples:
        raise InputError("name at least one couple (--couple c01)")
    instruments = resolve_battery(battery)
    store = AnswerStore(db)
    store.check_writable()
    with server_lock(db):
        sessions = [
            store.start_session(c, check_code(r, "role"), wave=wave, battery=instruments, lang=lang)
            for c in couples
            for r in roles
        ]
        app = create_app(db)
        try:
            server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        except OSError as exc:
            raise InputError(
                f"port {port} on {host} cannot be used ({exc.strerror}); choose another with --port"
            ) from None
        base = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_port}"
        out.write(
            f"Serving the form for {len(sessions)} partner(s) on {base} (this computer "
            "only). Send each partner their own link:\n"
        )
        for s in sessions:
            state = "finished" if s.is_finished else "open"
            out.write(
                f"  couple {s.couple} partner {s.role} (wave {s.wave}, {state}): "
                f"{base}/p/{s.token}\n"
            )
        out.write("Press Ctrl-C to stop; every answer is saved as soon as it is given.\n")
        out.flush()
        try:
            with interrupt_on_signals():
                server.serve_forever()  # werkzeug returns on KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        out.write("Stopped. All answers are saved.\n")
        out.flush()
    return 0
