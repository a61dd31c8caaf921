"""Local web form: a small Flask app a coach runs on their own computer.

The server binds to a loopback address only and refuses requests for any other host
name (DNS rebinding). Each partner gets a link with an unguessable token
(``secrets.token_urlsafe(32)``); the link opens only that partner's own pages, one page
per instrument, built from the instrument definitions stored with the session (so a
battery given as YAML paths works like shipped ids). A page is a plain HTML form (labels,
fieldset/legend, radio buttons, works with the keyboard and without JavaScript; Enter
never submits it, the first button of the form is a disabled guard); a small script from
the same server additionally saves each answer the moment a radio button is chosen, says
truthfully whether it is saved, and sends it again until the server acknowledges it.

Every post is checked on the server: CSRF token, known items of that page only, whole
numbers on the instrument's scale. The CSRF cookie is signed with a secret kept in the
(owner-only) database, so pages opened before a server restart keep working; a page that
is out of date is shown again with its answers still marked and a message in the
partner's language. Writes go through the store's single writer thread: a request waits
for its own commit and is never refused because SQLite's lock stayed busy. A finished
link shows a "finished" page (never an editable form, also from the browser's history:
``no-store`` caching and a reload of pages restored from the back-forward cache); a link
past the expiry the coach set shows an "expired" page. Logs never contain partner links.
Responses carry a strict Content-Security-Policy (``default-src 'self'``) and no
referrer (the token is in the URL). Nothing is loaded from the internet.

The routes are the Flask Blueprint :data:`form`, registered by :func:`create_app`; the pages
are the autoescaped Jinja2 templates ``templates/form_*.html`` (with ``form.css`` and
``form.js``), their text ``strings/administer.yaml`` in :mod:`dyadscore.catalogue`.

Examples
--------
>>> import tempfile, os
>>> app = create_app(os.path.join(tempfile.mkdtemp(), "a.db"))
>>> app.test_client().get("/").status_code
404
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import hmac
import ipaddress
import logging
import os
import re
import secrets
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, TextIO

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask import session as cookie
from werkzeug.exceptions import HTTPException

from .. import catalogue
from ..errors import InputError
from ..instruments import Instrument
from .batteries import resolve_battery
from .store import AnswerStore, PartnerSession, StoreError, check_code

MAX_CONTENT_LENGTH = 64 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

#: Partner tokens and the paths that carry them, hidden from every log line.
_TOKEN_RE = re.compile(r"(/p/)[^/\s?#'\"<>]+|\b[A-Za-z0-9_-]{40,100}\b")


def redact(text: str) -> str:
    """Hide partner links and tokens in a log text.

    Examples
    --------
    >>> redact("Exception on /p/" + "x" * 43 + "/1 [GET]")
    'Exception on /p/<link hidden>/1 [GET]'
    >>> redact(redact("/p/abc/answer"))  # idempotent
    '/p/<link hidden>/answer'
    """
    return _TOKEN_RE.sub(lambda m: (m.group(1) or "") + "<link hidden>", text)


class _RedactFilter(logging.Filter):
    """Rewrites a log record (message and traceback) without partner tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _install_redaction(*loggers: logging.Logger) -> None:
    for lg in loggers:
        if not any(isinstance(f, _RedactFilter) for f in lg.filters):
            lg.addFilter(_RedactFilter())
        for h in lg.handlers:
            if not any(isinstance(f, _RedactFilter) for f in h.filters):
                h.addFilter(_RedactFilter())


# ------------------------------------------------------------------ helpers
def _t(key: str, lang: str, **fmt: Any) -> str:
    """The form's text ``key`` (``strings/administer.yaml``) in ``lang``."""
    return catalogue.text(f"administer.{key}", lang, **fmt)


def _both(key: str, **fmt: Any) -> str:
    """``key`` in every language, for pages where the partner's language is unknown."""
    return " / ".join(_t(key, lang, **fmt) for lang in catalogue.LANGS)


def _render(template: str, lang: str, title: str, status: int = 200, **ctx: Any) -> Response:
    html = render_template(template, lang=lang, title=title, **ctx)
    return Response(html, status=status, mimetype="text/html")


@cache
def _asset(name: str) -> str:
    """A static file of the form (``form.css``, ``form.js``) from ``dyadscore/templates``."""
    return resources.files("dyadscore").joinpath("templates", name).read_text("utf-8")


class _Refused(HTTPException):
    """A request refused with a message already in the partner's language."""

    def __init__(self, code: int, message: str, title: str | None = None) -> None:
        super().__init__(description=message)
        self.code = code
        self.title = title


def _bad(message: str, status: int = 400, title: str | None = None) -> NoReturn:
    raise _Refused(status, message, title)


class _Battery:
    """Instruments of a session (as stored with it), with item offsets."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self.instruments: list[Instrument] = list(instruments)
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


def _host_of(header: str) -> str:
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0]


class _Form:
    """What the form's routes share in one app: the store, the accepted hosts, the batteries."""

    def __init__(
        self, store: AnswerStore, hosts: set[str], max_content_length: int, console: TextIO | None
    ) -> None:
        self.store = store
        self.hosts = hosts
        self.max_content_length = max_content_length
        self.console = console
        self.batteries: dict[int, _Battery] = {}
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        """Tell the coach (on the console), without partner links."""
        stream = self.console or sys.stderr
        with contextlib.suppress(OSError, ValueError):
            stream.write(redact(text) + "\n")
            stream.flush()

    def battery_of(self, ps: PartnerSession) -> _Battery:
        with self.lock:
            if ps.id not in self.batteries:
                self.batteries[ps.id] = _Battery(self.store.battery(ps))
            return self.batteries[ps.id]


def _form() -> _Form:
    return current_app.extensions["dyadscore_form"]


# ---------------------------------------------------------------------- app
def create_app(
    db: str | os.PathLike,
    *,
    max_content_length: int = MAX_CONTENT_LENGTH,
    secret_key: bytes | None = None,
    hosts: Sequence[str] = (),
    console: TextIO | None = None,
) -> Flask:
    """Build the Flask app serving the partner forms of an answer database.

    The routes are the blueprint :data:`form` (pages in ``dyadscore/templates``).

    Parameters
    ----------
    db
        The answer database (created when missing). Writes go through one writer
        thread (see :class:`~dyadscore.administer.store.AnswerStore`).
    max_content_length
        Largest request body accepted, in bytes (larger: 413).
    secret_key
        Key signing the session cookie that holds the CSRF token. By default a random
        secret kept in the database, so pages opened before a restart keep working.
    hosts
        Loopback host names accepted besides 127.0.0.1, localhost and [::1] (the
        address the server listens on).
    console
        Where a failed save is reported to the coach (default: standard error).

    Returns
    -------
    flask.Flask
    """
    store = AnswerStore(db, writer=True)
    app = Flask(__name__, static_folder=None, template_folder=None)
    app.config.update(
        SECRET_KEY=secret_key or store.secret(),
        MAX_CONTENT_LENGTH=max_content_length,
        MAX_FORM_PARTS=200,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="dyadscore",
    )
    app.extensions["dyadscore_store"] = store
    allowed = set(LOOPBACK_NAMES) | {h if ":" not in h else f"[{h}]" for h in hosts}
    app.extensions["dyadscore_form"] = _Form(store, allowed, max_content_length, console)
    _install_redaction(app.logger, logging.getLogger("werkzeug"))
    app.register_blueprint(form)
    return app


#: The partner form's routes, error pages and headers (registered by :func:`create_app`).
form = Blueprint("form", __name__, template_folder="../templates")


def _token_session() -> PartnerSession | None:
    token = (request.view_args or {}).get("token")
    if not token:
        return None
    with contextlib.suppress(Exception):
        return _form().store.session_by_token(token)
    return None


def _partner(token: str) -> PartnerSession:
    ps = _form().store.session_by_token(token)
    if ps is None:
        _bad(_both("bad_link"), 404, _both("bad_link_title"))
    if ps.is_expired:
        _bad(_t("expired_body", ps.lang), 410, _t("expired_title", ps.lang))
    return ps


def _csrf_token() -> str:
    if "csrf" not in cookie:
        cookie["csrf"] = secrets.token_urlsafe(32)
    return cookie["csrf"]


def _csrf_ok() -> bool:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    have = cookie.get("csrf", "")
    return bool(have) and hmac.compare_digest(str(sent), str(have))


def _parse_value(inst: Instrument, item: str, raw: str) -> int:
    lo, hi = inst.scale_min, inst.scale_max
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and lo <= int(raw) <= hi):
        _bad(f"item {item!r}: value {raw[:20]!r} is not a whole number from {lo} to {hi}")
    return int(raw)


def _first_open_page(ps: PartnerSession, bat: _Battery) -> int:
    have = _form().store.answers(ps.id)
    for k, inst in enumerate(bat.instruments, start=1):
        if any((inst.id, it) not in have for it in inst.item_ids):
            return k
    return len(bat.instruments)


def _wants_json() -> bool:
    return request.path.endswith("/answer") or (request.accept_mimetypes.best == "application/json")


@form.before_app_request
def _host_guard() -> None:
    if _host_of(request.host) not in _form().hosts:
        _bad(
            f"unexpected Host header {request.host[:60]!r}; open the link as printed",
            400,
            _both("error_title"),
        )


@form.after_app_request
def _headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    resp.headers["Expires"] = "0"
    resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return resp


def _error_page(code: int, text: str, title: str | None, lang: str | None) -> Response:
    if _wants_json():
        resp = jsonify(error=text)
        resp.status_code = code
        return resp
    heading = title or (_t("error_title", lang) if lang else _both("error_title"))
    return _render(
        "form_message.html", lang or "en", heading, code, heading=heading, text=text, role="alert"
    )


@form.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    ps = _token_session()
    lang = ps.lang if ps else None
    code = exc.code or 400
    title = getattr(exc, "title", None)
    if isinstance(exc, _Refused):
        text = exc.description or ""
    elif code == 413:
        n = _form().max_content_length
        text = _t("too_large", lang, n=n) if lang else _both("too_large", n=n)
    elif code == 404:
        text = _t("page_missing", lang) if lang else _both("bad_link")
    else:
        text = (_t("error_title", lang) if lang else _both("error_title")) + f" ({code})"
    return _error_page(code, text, title, lang)


@form.app_errorhandler(StoreError)
def _store_error(exc: StoreError) -> Response:
    ps = _token_session()
    lang = ps.lang if ps else "en"
    _form().say(_t("serve_store_error", lang, detail=str(exc)))
    return _error_page(503, _t("store_failed", lang, detail=str(exc)), None, lang)


@form.app_errorhandler(Exception)
def _crash(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):  # pragma: no cover - handled above
        return _http_error(exc)
    ps = _token_session()
    lang = ps.lang if ps else "en"
    _form().say(_t("serve_error", lang))
    current_app.logger.error("%s on %s", type(exc).__name__, request.path, exc_info=exc)
    return _error_page(500, _t("server_error", lang), None, lang)


@form.get("/static/form.css")
def _css() -> Response:
    return Response(_asset("form.css"), mimetype="text/css")


@form.get("/static/form.js")
def _js() -> Response:
    return Response(_asset("form.js"), mimetype="text/javascript")


@form.get("/")
def _root() -> Response:
    _bad(_both("bad_link"), 404, _both("bad_link_title"))


@form.get("/p/<token>")
def start(token: str) -> Response:
    ps = _partner(token)
    if ps.is_finished:
        return redirect(f"/p/{token}/done", 303)
    return redirect(f"/p/{token}/{_first_open_page(ps, _form().battery_of(ps))}", 303)


def _render_page(
    ps: PartnerSession,
    page: int,
    *,
    error: str = "",
    missing: Sequence[str] = (),
    status: int = 200,
    shown: dict[str, int] | None = None,
) -> Response:
    bat, lang = _form().battery_of(ps), ps.lang
    inst = bat.instruments[page - 1]
    have = _form().store.answers(ps.id)
    shown = shown or {}
    offset = bat.offsets[page - 1]
    items = [
        {
            "id": it.id,
            "text": it.text[lang],
            "number": offset + k + 1,
            "value": shown.get(it.id, have.get((inst.id, it.id))),
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
        _t("page_of", lang, i=page, n=n_pages)
        + f" · {_t('progress', lang, i=f'{first}–{last}', n=bat.n_items)}"
    )
    status_keys = {
        "saved": "saved_live",
        "saving": "saving",
        "retrying": "retrying",
        "offline": "offline",
        "failed": "csrf_live",
    }
    return _render(
        "form_page.html",
        lang,
        f"{inst.title[lang]} ({page}/{n_pages})",
        status,
        inst=inst,
        items=items,
        points=points,
        page=page,
        n_pages=n_pages,
        part=part,
        csrf=_csrf_token(),
        action=f"/p/{ps.token}/{page}",
        answer_url=f"/p/{ps.token}/answer",
        status_text={k: _t(key, lang) for k, key in status_keys.items()},
        promise=_t("promise", lang) if page == 1 else "",
        back=_t("back", lang),
        skip_note=_t("skip_note", lang),
        error=error,
        missing=set(missing),
        next_label=_t("save_finish" if page == n_pages else "save_next", lang),
    )


def _page_or_404(ps: PartnerSession, page: int) -> int:
    if not 1 <= page <= len(_form().battery_of(ps).instruments):
        _bad(_t("page_missing", ps.lang), 404)
    return page


@form.get("/p/<token>/<int:page>")
def show(token: str, page: int) -> Response:
    ps = _partner(token)
    if ps.is_finished:
        return redirect(f"/p/{token}/done", 303)
    return _render_page(ps, _page_or_404(ps, page))


@form.post("/p/<token>/<int:page>")
def submit(token: str, page: int) -> Response:
    ps = _partner(token)
    if ps.is_finished:
        _bad(_t("finished_conflict", ps.lang), 409)
    store, bat = _form().store, _form().battery_of(ps)
    inst = bat.instruments[_page_or_404(ps, page) - 1]
    nav = request.form.get("nav", "stay")
    if nav not in ("next", "back", "stay"):
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
        given.append((inst.id, key, _parse_value(inst, key, values[0])))
    if not _csrf_ok():  # an out-of-date page: show it again, answers marked, nothing saved
        return _render_page(
            ps,
            page,
            error=_t("csrf", ps.lang),
            status=400,
            shown={k: v for _, k, v in given if v is not None},
        )
    have = store.answers(ps.id)
    answered = {k for _, k, _ in given} | {it for (i, it), v in have.items() if i == inst.id}
    open_items = [it for it in inst.item_ids if it not in answered]
    if nav == "stay":  # Enter or a form without a button value: save, skip nothing
        if given:
            store.save_answers(ps.id, given)
        return redirect(f"/p/{token}/{page}", 303)
    if nav == "next" and open_items and not inst.allow_skip:
        if given:
            store.save_answers(ps.id, given)
        numbers = [str(bat.offsets[page - 1] + inst.item_ids.index(i) + 1) for i in open_items]
        return _render_page(
            ps,
            page,
            error=_t("answer_required", ps.lang, items=", ".join(numbers)),
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


@form.post("/p/<token>/answer")
def answer(token: str) -> Response:
    ps = _partner(token)
    if ps.is_finished:
        _bad(_t("finished_conflict", ps.lang), 409)
    if not _csrf_ok():
        _bad(_t("csrf_live", ps.lang))
    extra = set(request.form) - {"csrf_token", "item", "value"}
    if extra:
        _bad(f"unknown field {sorted(extra)[0][:40]!r}")
    for key in ("item", "value"):
        if len(request.form.getlist(key)) > 1:
            _bad(f"field {key!r}: expected one, got {len(request.form.getlist(key))}")
    item = request.form.get("item", "")
    inst = _form().battery_of(ps).item_owner.get(item)
    if inst is None:
        _bad(f"unknown item {item[:40]!r}")
    value = _parse_value(inst, item, request.form.get("value", ""))
    _form().store.save_answer(ps.id, inst.id, item, value)
    return jsonify(ok=True, item=item, value=value)


@form.get("/p/<token>/done")
def done(token: str) -> Response:
    ps = _partner(token)
    if not ps.is_finished:
        return redirect(f"/p/{token}", 303)
    title = _t("thanks_title", ps.lang)
    return _render(
        "form_message.html",
        ps.lang,
        title,
        heading=title,
        text=_t("thanks_body", ps.lang),
        extra=_t("promise", ps.lang),
        role="status",
    )


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


def lock_path(db: str | os.PathLike) -> Path:
    """The server lock of a database: beside its real file (a symbolic link is followed).

    Examples
    --------
    >>> lock_path("/tmp/study.db").name
    'study.db.lock'
    """
    return Path(str(Path(db).resolve()) + ".lock")


@contextlib.contextmanager
def server_lock(db: str | os.PathLike) -> Iterator[Path]:
    """Hold ``<db>.lock`` so that a second server on the same database stops with a clear error.

    The lock sits beside the database's real path, so a second server given a symbolic
    link to the same file is refused too. It is an advisory ``flock`` released by the
    kernel when the process ends, so a killed server leaves no stale lock behind.
    """
    path = lock_path(db)
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


_DURATION_RE = re.compile(r"^\s*(\d{1,5})\s*(d|h|m|days?|hours?|minutes?)\s*$", re.IGNORECASE)


def parse_expiry(value: str | None) -> _dt.timedelta | None:
    """A link lifetime such as ``14d``, ``12h`` or ``90m``; ``never`` (or None) for none.

    Examples
    --------
    >>> parse_expiry("14d")
    datetime.timedelta(days=14)
    >>> parse_expiry("never") is None
    True
    """
    if value is None or str(value).strip().lower() in ("never", "none", ""):
        return None
    m = _DURATION_RE.match(str(value))
    if not m or int(m.group(1)) == 0:
        raise InputError(
            f"--expires {value!r}: expected a positive number of days, hours or minutes "
            "such as 14d, 12h or 90m, or never"
        )
    n, unit = int(m.group(1)), m.group(2)[0].lower()
    return {"d": _dt.timedelta(days=n), "h": _dt.timedelta(hours=n), "m": _dt.timedelta(minutes=n)}[
        unit
    ]


def _quiet_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        """Logs no request lines: the URLs carry the partners' tokens."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

        def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
            self.log("error", redact(format % args) if args else redact(format))

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
    expires: str | _dt.timedelta | None = None,
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
        What is asked (a battery name, instrument ids or YAML paths), at which wave, in
        which language (also of this console text), of which partners.
    host, port
        A loopback address only (127.0.0.1, ::1 or another 127.x.y.z); ``port=0`` picks
        a free port.
    expires
        How long the printed links work, from now (``"14d"``, ``"12h"``, ``"90m"``);
        ``None`` or ``"never"``: no expiry. An expired link shows a page saying so.

    Returns
    -------
    int
        0 after Ctrl-C (answers are saved as they are given).
    """
    from werkzeug.serving import make_server

    _QuietHandler = _quiet_handler()  # noqa: N806
    out = out or sys.stdout
    host = check_loopback(host)
    lang = catalogue.check_lang(lang)
    lifetime = expires if isinstance(expires, _dt.timedelta) else parse_expiry(expires)
    couples = [check_code(c) for c in couples]
    if not couples:
        raise InputError("name at least one couple (--couple c01)")
    roles = [check_code(r, "role") for r in roles]
    instruments = resolve_battery(battery)
    for inst in instruments:  # partners read the items in `lang`: every text must be there
        inst.require_language(lang)
    store = AnswerStore(db)
    store.check_writable()
    with server_lock(db):
        until = None
        if lifetime is not None:
            until = (_dt.datetime.now(_dt.UTC) + lifetime).isoformat(timespec="milliseconds")
        sessions = []
        for c in couples:
            for r in roles:
                s = store.start_session(c, r, wave=wave, battery=instruments, lang=lang)
                sessions.append(store.set_expiry(s.id, until))
        name = "localhost" if host == "localhost" else host
        app = create_app(db, hosts=(name,), console=sys.stderr)
        try:
            server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        except OSError as exc:
            app.extensions["dyadscore_store"].close()
            raise InputError(
                f"port {port} on {host} cannot be used ({exc.strerror}); choose another with --port"
            ) from None
        base = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_port}"
        out.write(_t("serve_head", lang, n=len(sessions), base=base) + "\n")
        for s in sessions:
            state = _t("state_finished" if s.is_finished else "state_open", lang)
            out.write(
                _t(
                    "serve_link",
                    lang,
                    couple=s.couple,
                    role=s.role,
                    wave=s.wave,
                    state=state,
                    link=f"{base}/p/{s.token}",
                )
                + "\n"
            )
        if until is not None:
            out.write(_t("serve_expires", lang, when=until[:16].replace("T", " ")) + "\n")
        out.write(_t("serve_stop", lang) + "\n")
        out.flush()
        try:
            with interrupt_on_signals():
                server.serve_forever()  # werkzeug returns on KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            app.extensions["dyadscore_store"].close()  # the queued writes are committed first
        out.write(_t("serve_stopped", lang) + "\n")
        out.flush()
    return 0
