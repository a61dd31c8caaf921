"""The answer store: one SQLite file per study or practice.

Every answer is committed in its own transaction the moment it is given (WAL journal,
``synchronous=FULL``), so an interrupted session resumes exactly where it stopped and a
killed process loses no committed answer. The file is created readable and writable by
the owner only (0o600); SQLite gives its ``-wal`` and ``-shm`` files the same mode, and a
writable open gives them back owner write access when a read-only open left them at 0o400.
A database readable by other users gets a :class:`StoreWarning`.

A server opens the store with ``writer=True``: one writer thread then owns the only
writing connection and takes every write from a queue; a request waits for the commit of
its own write (writes waiting together are committed together, each in its own savepoint).
Threads of one process therefore never compete for SQLite's write lock, and a write is
never refused because the lock stayed busy: when another process holds it, the writer waits
and tries again.

The schema lives in :data:`MIGRATIONS` (one SQL script per version); the version is kept
in ``PRAGMA user_version`` and an older file is migrated on open.

A *partner session* is one partner (couple code + role) answering one battery at one
wave. It carries an unguessable token for the web form.

Examples
--------
>>> import tempfile, os
>>> store = AnswerStore(os.path.join(tempfile.mkdtemp(), "answers.db"))
>>> s = store.start_session("c01", "A", wave=1, battery=["felt-dependence"])
>>> store.save_answer(s.id, "felt-dependence", "fd1", 5)
>>> store.answers(s.id)[("felt-dependence", "fd1")]
5
>>> oct(os.stat(store.path).st_mode & 0o777)
'0o600'
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import queue
import re
import secrets
import sqlite3
import stat
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

SCHEMA_VERSION = 3
BUSY_TIMEOUT_S = 15.0
#: Most writes the writer thread commits in one transaction.
MAX_BATCH = 200

#: Migration scripts: ``MIGRATIONS[v]`` moves a file from version ``v`` to ``v + 1``.
MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: couples, partner sessions, answers
    """
    CREATE TABLE couples (
        code     TEXT PRIMARY KEY,
        created  TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id        INTEGER PRIMARY KEY,
        couple    TEXT NOT NULL REFERENCES couples(code),
        role      TEXT NOT NULL,
        person    TEXT NOT NULL,
        wave      INTEGER NOT NULL,
        battery   TEXT NOT NULL,
        lang      TEXT NOT NULL DEFAULT 'en',
        token     TEXT NOT NULL UNIQUE,
        created   TEXT NOT NULL,
        finished  TEXT,
        UNIQUE (couple, role, wave)
    );
    CREATE TABLE answers (
        session_id  INTEGER NOT NULL REFERENCES sessions(id),
        instrument  TEXT NOT NULL,
        item        TEXT NOT NULL,
        value       INTEGER,
        skipped     INTEGER NOT NULL DEFAULT 0,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (session_id, instrument, item)
    );
    """,
    # 1 -> 2: which instrument versions (and scoring keys) a session was given
    """
    CREATE TABLE session_instruments (
        session_id  INTEGER NOT NULL REFERENCES sessions(id),
        position    INTEGER NOT NULL,
        instrument  TEXT NOT NULL,
        version     TEXT NOT NULL,
        key_hash    TEXT NOT NULL,
        PRIMARY KEY (session_id, position)
    );
    """,
    # 2 -> 3: the instrument definitions given (a YAML path works like a shipped id), link
    # expiry, and settings such as the server's signing secret
    """
    ALTER TABLE session_instruments ADD COLUMN definition TEXT;
    ALTER TABLE sessions ADD COLUMN expires TEXT;
    CREATE TABLE settings (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    """,
)
assert len(MIGRATIONS) == SCHEMA_VERSION

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class StoreError(InputError):
    """The answer store cannot be used (read-only, locked, newer schema, not a database)."""


class StoreWarning(UserWarning):
    """The answer store works but something needs the owner's attention (permissions)."""


@contextlib.contextmanager
def console_warnings(stream: Any = None) -> Iterator[None]:
    """Print :class:`StoreWarning` as one ``dyadscore: warning: ...`` line on ``stream``.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> with console_warnings(buf):
    ...     warnings.warn("a.db: readable by other users", StoreWarning)
    >>> print(buf.getvalue(), end="")
    dyadscore: warning: a.db: readable by other users
    """
    stream = stream or sys.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("always", StoreWarning)
        original = warnings.showwarning
        seen: set[str] = set()

        def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
            if issubclass(category, StoreWarning):
                if str(message) in seen:  # the same file opened twice: say it once
                    return
                seen.add(str(message))
                stream.write(f"dyadscore: warning: {message}\n")
                stream.flush()
            else:  # pragma: no cover - other warnings keep their usual route
                original(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def check_code(value: str, what: str = "couple code") -> str:
    """Validate a couple code or role: letters, digits, ``_ . -``; no leading symbol.

    Examples
    --------
    >>> check_code("c01")
    'c01'
    """
    value = str(value)
    if not _CODE_RE.match(value):
        raise InputError(
            f"{what} {value!r}: use 1-64 letters, digits, '_', '.' or '-', starting with a "
            "letter or digit"
        )
    return value


@dataclass(frozen=True)
class PartnerSession:
    """One partner answering one battery at one wave."""

    id: int
    couple: str
    role: str
    person: str
    wave: int
    battery: tuple[str, ...]
    lang: str
    token: str
    finished: str | None
    expires: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.finished is not None

    @property
    def is_expired(self) -> bool:
        """The link's expiry (set by the coach) has passed."""
        return self.expires is not None and self.expires <= _now()


def _create_private(path: Path) -> None:
    """Create an empty file with mode 0o600 unless it exists (race-free)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the answer database: {exc.strerror}") from None
    os.close(fd)


def _is_busy(exc: BaseException) -> bool:
    low = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in low or "busy" in low)


class _Writer:
    """The one thread that writes: jobs from a queue, committed in batches, never refused."""

    def __init__(self, store: AnswerStore) -> None:
        self.store = store
        self.jobs: queue.SimpleQueue[tuple[Callable, Future] | None] = queue.SimpleQueue()
        self.con: sqlite3.Connection | None = None
        self.thread = threading.Thread(target=self._loop, name="dyadscore-writer", daemon=True)
        self.stopped = False
        self.busy_waits = 0  # times another process held the write lock (for tests/logs)
        self.thread.start()

    def submit(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if self.stopped:
            raise StoreError(f"{self.store.path}: the answer database was closed")
        fut: Future = Future()
        self.jobs.put((fn, fut))
        return fut.result()  # no timeout: a write is acknowledged once it is committed

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.jobs.put(None)
            self.thread.join()

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                break
            batch = [job]
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self.jobs.put(None)  # stop after this batch
                    break
                batch.append(nxt)
            self._run(batch)
        if self.con is not None:
            with contextlib.suppress(sqlite3.Error):
                self.con.close()
        while True:  # anything queued after stop() fails instead of hanging
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].set_exception(StoreError(f"{self.store.path}: the server is stopping"))

    def _run(self, batch: list[tuple[Callable, Future]]) -> None:
        while True:
            try:
                if self.con is None:
                    self.con = self.store._open(write=True)
                results = self._transaction(self.con, batch)
            except sqlite3.Error as exc:
                if self.con is not None:
                    if self.con.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            self.con.execute("ROLLBACK")
                    if not _is_busy(exc):
                        with contextlib.suppress(sqlite3.Error):
                            self.con.close()
                        self.con = None
                if _is_busy(exc):  # another process holds the write lock: wait, never refuse
                    self.busy_waits += 1
                    time.sleep(0.02)
                    continue
                for _, fut in batch:  # one exception object per waiting request
                    fut.set_exception(self.store._error(exc))
                return
            except BaseException as exc:  # noqa: BLE001 - the thread must survive
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(StoreError(f"{self.store.given}: {exc!r}"))
                return
            for (_, fut), res in zip(batch, results, strict=True):
                if isinstance(res, _Failed):
                    fut.set_exception(res.exc)
                else:
                    fut.set_result(res)
            return

    def _transaction(self, con: sqlite3.Connection, batch: list) -> list[Any]:
        con.execute("BEGIN IMMEDIATE")
        out: list[Any] = []
        for fn, _ in batch:
            con.execute("SAVEPOINT job")
            try:
                res = fn(con)
                if isinstance(res, sqlite3.Cursor):  # never hand a cursor to another thread
                    res.close()
                    res = None
                out.append(res)
            except sqlite3.IntegrityError as exc:  # this job's own conflict
                con.execute("ROLLBACK TO job")
                out.append(_Failed(self.store._error(exc)))
            except sqlite3.Error:
                raise  # the database itself failed: the whole batch is retried or refused
            except Exception as exc:  # noqa: BLE001 - this job's own error (bad input)
                con.execute("ROLLBACK TO job")
                out.append(_Failed(exc))
            con.execute("RELEASE job")
        con.execute("COMMIT")
        return out


@dataclass
class _Failed:
    exc: BaseException


class AnswerStore:
    """SQLite answer store (see the module docstring).

    Parameters
    ----------
    path
        The database file; created (mode 0o600) when missing unless ``create=False``.
        A symbolic link is followed: the store, its lock and its side files use the real
        path.
    create
        Create a missing file. Export and report open with ``create=False``.
    readonly
        Open without write access (export, report).
    writer
        Route every write through one writer thread (a server with many request threads);
        call :meth:`close` when done.

    Raises
    ------
    StoreError
        Missing (``create=False``), a folder, read-only when writing is needed, not a
        SQLite database, or written by a newer dyadscore.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        create: bool = True,
        readonly: bool = False,
        writer: bool = False,
    ) -> None:
        given = Path(path)
        self.given = given
        self.path = given.resolve() if given.is_symlink() else given
        self.readonly = readonly
        self._writer: _Writer | None = None
        if self.path.is_dir():
            raise StoreError(
                f"{given}: is a folder, not an answer database; give a file name such as "
                f"{given / 'answers.db'}"
            )
        if not self.path.exists():
            if not create or readonly:
                raise StoreError(f"{given}: answer database not found")
            if not self.path.parent.is_dir():
                raise StoreError(f"{given}: folder {self.path.parent} does not exist")
            _create_private(self.path)
            existed = False
        else:
            existed = True
        with self.connect() as con:
            self._migrate(con)
            self.version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if existed:  # warn about its mode only once the file is known to be an answer store
            self._check_mode()
        with self.connect() as con:
            if not readonly:
                mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":  # pragma: no cover - exotic file systems
                    con.execute("PRAGMA journal_mode = DELETE")
        if writer and not readonly:
            self._writer = _Writer(self)

    def close(self) -> None:
        """Stop the writer thread (after the writes already queued)."""
        if self._writer is not None:
            self._writer.stop()

    def _check_mode(self) -> None:
        try:
            st = os.stat(self.path)
        except OSError:  # pragma: no cover - raced away
            return
        if st.st_mode & 0o077:
            warnings.warn(
                f"{self.given}: the answer database is readable by other users (mode "
                f"{stat.S_IMODE(st.st_mode):04o}); make it private with: chmod 600 {self.path}",
                StoreWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------ connections
    def _side_files(self) -> list[Path]:
        return [Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]

    def _repair_side_files(self) -> None:
        """Give -wal/-shm owner write access again when a read-only open left them 0o400."""
        if not os.access(self.path, os.W_OK):
            return
        for side in self._side_files():
            with contextlib.suppress(OSError):
                st = os.stat(side)
                if st.st_uid == os.geteuid() and not st.st_mode & stat.S_IWUSR:
                    os.chmod(side, 0o600)

    def _open(self, write: bool = False) -> sqlite3.Connection:
        if self.readonly:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            con = sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        else:
            self._repair_side_files()
            con = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        con.row_factory = sqlite3.Row
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if not self.readonly:
                con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            con.close()
            raise self._error(exc) from None
        return con

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode; closed on exit."""
        con = self._open()
        try:
            yield con
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None
        finally:
            con.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error)."""
        with self.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (e.g. disk full): keep the first error
                if con.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        con.execute("ROLLBACK")
                raise

    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn(con)`` in a write transaction (through the writer thread if any)."""
        if self._writer is not None:
            return self._writer.submit(fn)
        with self.transaction() as con:
            return fn(con)

    def _read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn(con)`` on a fresh connection; a busy database is waited for, not refused."""
        while True:
            con = self._open()
            try:
                return fn(con)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise self._error(exc) from None
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from None
            finally:
                con.close()
            time.sleep(0.02)  # pragma: no cover - a reader is rarely kept waiting in WAL mode

    def _error(self, exc: sqlite3.Error) -> StoreError:
        msg = str(exc)
        low = msg.lower()
        if "readonly" in low or "read-only" in low or "unable to open" in low:
            files = " ".join(str(p) for p in [self.path, *self._side_files()] if p.exists())
            return StoreError(
                f"{self.given}: the answer database is read-only (or its folder is); answers "
                "already saved are safe, but new answers cannot be saved: make the file and its "
                f"folder writable (chmod u+w {files} {self.path.parent})"
            )
        if "locked" in low or "busy" in low:
            return StoreError(
                f"{self.given}: the answer database stayed locked by another process for "
                f"{BUSY_TIMEOUT_S:.0f} s; try again"
            )
        if "not a database" in low or "malformed" in low:
            return StoreError(f"{self.given}: not a dyadscore answer database ({msg})")
        if "disk" in low or "full" in low:
            return StoreError(
                f"{self.given}: the disk is full or failing ({msg}); answers saved so far are safe"
            )
        return StoreError(f"{self.given}: database error: {msg}")

    def _migrate(self, con: sqlite3.Connection) -> None:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.given}: written by a newer dyadscore (schema {version} > "
                f"{SCHEMA_VERSION}); upgrade dyadscore"
            )
        if version == SCHEMA_VERSION:
            return
        if self.readonly:
            if version >= 2:  # readable as it is (no stored definitions, no expiry)
                return
            raise StoreError(
                f"{self.given}: schema {version} is older than {SCHEMA_VERSION}; open it once "
                "with write access to migrate it"
            )
        con.execute("BEGIN IMMEDIATE")
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]  # re-read under lock
            for v in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[v].split(";"):
                    if stmt.strip():
                        con.execute(stmt)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            if con.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def schema_version(self) -> int:
        """The file's schema version."""
        return self._read(lambda con: int(con.execute("PRAGMA user_version").fetchone()[0]))

    def check_writable(self) -> None:
        """Raise :class:`StoreError` now when the file cannot take new answers."""
        if self.readonly:
            raise StoreError(f"{self.given}: opened read-only")
        self._write(lambda con: con.execute("PRAGMA user_version = " + str(SCHEMA_VERSION)))

    # --------------------------------------------------------------- settings
    def secret(self, name: str = "server_secret") -> bytes:
        """A random 32-byte secret kept in the (owner-only) database; created once.

        The web form signs its cookies with it, so pages opened before a server restart
        keep working after it.
        """

        def get_or_make(con: sqlite3.Connection) -> str:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (name,)).fetchone()
            if row is not None:
                return row["value"]
            value = secrets.token_hex(32)
            con.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (name, value))
            return value

        row = self._one("SELECT value FROM settings WHERE key = ?", (name,))
        if row is not None:
            return bytes.fromhex(row["value"])
        return bytes.fromhex(self._write(get_or_make))

    # --------------------------------------------------------------- sessions
    def start_session(
        self,
        couple: str,
        role: str,
        *,
        wave: int = 1,
        battery: Sequence[Any],
        lang: str = "en",
        person: str | None = None,
    ) -> PartnerSession:
        """Create the partner session, or return the existing one (resume).

        ``battery`` is a list of instrument ids, YAML paths or
        :class:`~dyadscore.instruments.Instrument`; the definitions are stored with the
        session, so a battery given as YAML paths works later wherever the store is read.
        An existing session keeps its own battery; asking for a different one is an error.
        Its language becomes ``lang``.
        """
        from ..instruments import load_instrument

        couple = check_code(couple)
        role = check_code(role, "role")
        wave = int(wave)
        if wave < 1:
            raise InputError(f"wave {wave}: expected a whole number from 1")
        insts = [load_instrument(b) for b in battery]
        ids = tuple(i.id for i in insts)
        existing = self.find_session(couple, role, wave)
        if existing is not None:
            if existing.battery != ids:
                raise InputError(
                    f"couple {couple!r}, partner {role!r}, wave {wave} already has the battery "
                    f"{', '.join(existing.battery)}; use another wave for a different battery"
                )
            if existing.lang != lang:  # the language asked now wins (a coach may switch)
                self._write(
                    lambda con: con.execute(
                        "UPDATE sessions SET lang = ? WHERE id = ?", (lang, existing.id)
                    )
                )
                return self.session(existing.id)
            return existing

        def insert(con: sqlite3.Connection) -> int:
            con.execute(
                "INSERT OR IGNORE INTO couples (code, created) VALUES (?, ?)", (couple, _now())
            )
            cur = con.execute(
                "INSERT INTO sessions (couple, role, person, wave, battery, lang, token, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    couple,
                    role,
                    person or f"{couple}_{role}",
                    wave,
                    ",".join(ids),
                    lang,
                    secrets.token_urlsafe(32),
                    _now(),
                ),
            )
            sid = cur.lastrowid
            con.executemany(
                "INSERT INTO session_instruments"
                " (session_id, position, instrument, version, key_hash, definition)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (sid, i, x.id, x.version, x.key_hash, json.dumps(x.model_dump(mode="json")))
                    for i, x in enumerate(insts)
                ],
            )
            return sid

        return self.session(self._write(insert))

    def set_expiry(self, session_id: int, expires: str | None) -> PartnerSession:
        """Set (ISO time in UTC) or clear (``None``) when a session's link stops working."""
        self._write(
            lambda con: con.execute(
                "UPDATE sessions SET expires = ? WHERE id = ?", (expires, session_id)
            )
        )
        return self.session(session_id)

    @staticmethod
    def _row(row: sqlite3.Row) -> PartnerSession:
        return PartnerSession(
            id=row["id"],
            couple=row["couple"],
            role=row["role"],
            person=row["person"],
            wave=row["wave"],
            battery=tuple(row["battery"].split(",")),
            lang=row["lang"],
            token=row["token"],
            finished=row["finished"],
            expires=row["expires"] if "expires" in row.keys() else None,
        )

    def _one(self, sql: str, args: tuple) -> sqlite3.Row | None:
        return self._read(lambda con: con.execute(sql, args).fetchone())

    def session(self, session_id: int) -> PartnerSession:
        row = self._one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if row is None:
            raise InputError(f"no partner session {session_id}")
        return self._row(row)

    def find_session(self, couple: str, role: str, wave: int = 1) -> PartnerSession | None:
        row = self._one(
            "SELECT * FROM sessions WHERE couple = ? AND role = ? AND wave = ?",
            (couple, role, int(wave)),
        )
        return None if row is None else self._row(row)

    def session_by_token(self, token: str) -> PartnerSession | None:
        """The session a web link's token opens (None when unknown)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        row = self._one("SELECT * FROM sessions WHERE token = ?", (token,))
        if row is None or not secrets.compare_digest(row["token"], token):
            return None
        return self._row(row)

    def sessions(self, couple: str | None = None) -> list[PartnerSession]:
        sql, args = "SELECT * FROM sessions", ()
        if couple is not None:
            sql, args = sql + " WHERE couple = ?", (couple,)
        rows = self._read(
            lambda con: con.execute(sql + " ORDER BY couple, wave, role", args).fetchall()
        )
        return [self._row(r) for r in rows]

    def finish(self, session_id: int) -> None:
        """Mark the session finished (idempotent)."""
        self._write(
            lambda con: con.execute(
                "UPDATE sessions SET finished = COALESCE(finished, ?) WHERE id = ?",
                (_now(), session_id),
            )
        )

    # ---------------------------------------------------------------- answers
    def save_answer(self, session_id: int, instrument: str, item: str, value: int | None) -> None:
        """Commit one answer (``None`` records a skip); a later answer replaces it."""
        self.save_answers(session_id, [(instrument, item, value)])

    def save_answers(self, session_id: int, answers: Sequence[tuple[str, str, int | None]]) -> None:
        """Commit several answers in one transaction (a web page)."""
        now = _now()
        rows = [(session_id, i, it, v, int(v is None), now) for i, it, v in answers]
        self._write(
            lambda con: con.executemany(
                "INSERT INTO answers (session_id, instrument, item, value, skipped, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, instrument, item) DO UPDATE"
                " SET value = excluded.value, skipped = excluded.skipped,"
                " answered_at = excluded.answered_at",
                rows,
            )
        )

    def answers(self, session_id: int) -> dict[tuple[str, str], int | None]:
        """``{(instrument, item): value}`` of one session (``None`` = skipped)."""
        rows = self._read(
            lambda con: con.execute(
                "SELECT instrument, item, value FROM answers WHERE session_id = ?", (session_id,)
            ).fetchall()
        )
        return {(r["instrument"], r["item"]): r["value"] for r in rows}

    def count_answers(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM answers", ())[0])

    def answer_rows(
        self, *, couple: str | None = None, wave: int | None = None, include_skipped: bool = False
    ) -> list[tuple]:
        """Rows ``(person, couple, role, wave, instrument, item, value)`` in battery order."""
        sql = (
            "SELECT s.person, s.couple, s.role, s.wave, a.instrument, a.item, a.value"
            " FROM answers a JOIN sessions s ON s.id = a.session_id"
            " LEFT JOIN session_instruments si"
            "   ON si.session_id = s.id AND si.instrument = a.instrument"
            " WHERE 1 = 1"
        )
        args: list[Any] = []
        if not include_skipped:
            sql += " AND a.skipped = 0"
        if couple is not None:
            sql += " AND s.couple = ?"
            args.append(couple)
        if wave is not None:
            sql += " AND s.wave = ?"
            args.append(int(wave))
        sql += " ORDER BY s.couple, s.wave, s.role, si.position, a.rowid"
        return [tuple(r) for r in self._read(lambda con: con.execute(sql, args).fetchall())]

    def session_instruments(self, session_id: int) -> list[dict[str, Any]]:
        """Instrument id, version and scoring-key hash given in a session."""
        rows = self._read(
            lambda con: con.execute(
                "SELECT instrument, version, key_hash FROM session_instruments"
                " WHERE session_id = ? ORDER BY position",
                (session_id,),
            ).fetchall()
        )
        return [dict(r) for r in rows]

    def battery(self, session: PartnerSession | int) -> list[Any]:
        """The :class:`~dyadscore.instruments.Instrument` objects a session was given.

        Read from the definitions stored with the session, so an instrument given as a
        YAML path needs no file later; sessions stored before definitions were kept fall
        back to the shipped instrument of the same id.
        """
        from ..instruments import Instrument, load_instrument

        ps = session if isinstance(session, PartnerSession) else self.session(session)
        stored: dict[str, str] = {}
        if self.version >= 3:
            rows = self._read(
                lambda con: con.execute(
                    "SELECT instrument, definition FROM session_instruments"
                    " WHERE session_id = ? ORDER BY position",
                    (ps.id,),
                ).fetchall()
            )
            stored = {r["instrument"]: r["definition"] for r in rows if r["definition"]}
        out = []
        for inst_id in ps.battery:
            if inst_id in stored:
                out.append(Instrument.model_validate(json.loads(stored[inst_id])))
            else:
                out.append(load_instrument(inst_id))
        return out
