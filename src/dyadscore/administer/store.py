"""The answer store: one SQLite file per study or practice.

Every answer is committed in its own transaction the moment it is given (WAL journal,
``synchronous=FULL``, a busy timeout so concurrent writers wait instead of failing), so
an interrupted session resumes exactly where it stopped and a killed process loses no
committed answer. The file is created readable and writable by the owner only (0o600);
SQLite gives its ``-wal`` and ``-shm`` files the same mode.

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
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 15.0

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
)
assert len(MIGRATIONS) == SCHEMA_VERSION

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class StoreError(InputError):
    """The answer store cannot be used (read-only, locked, newer schema, not a database)."""


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

    @property
    def is_finished(self) -> bool:
        return self.finished is not None


def _create_private(path: Path) -> None:
    """Create an empty file with mode 0o600 unless it exists (race-free)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the answer database: {exc.strerror}") from None
    os.close(fd)


class AnswerStore:
    """SQLite answer store (see the module docstring).

    Parameters
    ----------
    path
        The database file; created (mode 0o600) when missing unless ``create=False``.
    create
        Create a missing file. Export and report open with ``create=False``.
    readonly
        Open without write access (export, report).

    Raises
    ------
    StoreError
        Missing (``create=False``), read-only when writing is needed, not a SQLite
        database, or written by a newer dyadscore.
    """

    def __init__(
        self, path: str | os.PathLike, *, create: bool = True, readonly: bool = False
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if not self.path.exists():
            if not create or readonly:
                raise StoreError(f"{self.path}: answer database not found")
            if not self.path.parent.is_dir():
                raise StoreError(f"{self.path}: folder {self.path.parent} does not exist")
            _create_private(self.path)
        with self.connect() as con:
            self._migrate(con)

    # ------------------------------------------------------------ connections
    def _open(self) -> sqlite3.Connection:
        if self.readonly:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        else:
            con = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        con.row_factory = sqlite3.Row
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if not self.readonly:
                mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":  # pragma: no cover - exotic file systems
                    con.execute("PRAGMA journal_mode = DELETE")
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

    def _error(self, exc: sqlite3.DatabaseError) -> StoreError:
        msg = str(exc)
        low = msg.lower()
        if "readonly" in low or "read-only" in low or "unable to open" in low:
            return StoreError(
                f"{self.path}: the answer database is read-only (or its folder is); answers "
                "already saved are safe, but new answers cannot be saved: make the file and its "
                "folder writable"
            )
        if "locked" in low or "busy" in low:
            return StoreError(
                f"{self.path}: the answer database stayed locked by another process for "
                f"{BUSY_TIMEOUT_S:.0f} s; try again"
            )
        if "not a database" in low or "malformed" in low:
            return StoreError(f"{self.path}: not a dyadscore answer database ({msg})")
        if "disk" in low or "full" in low:
            return StoreError(
                f"{self.path}: the disk is full or failing ({msg}); answers saved so far are safe"
            )
        return StoreError(f"{self.path}: database error: {msg}")

    def _migrate(self, con: sqlite3.Connection) -> None:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer dyadscore (schema {version} > "
                f"{SCHEMA_VERSION}); upgrade dyadscore"
            )
        if version == SCHEMA_VERSION:
            return
        if self.readonly:
            raise StoreError(
                f"{self.path}: schema {version} is older than {SCHEMA_VERSION}; open it once "
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
        with self.connect() as con:
            return int(con.execute("PRAGMA user_version").fetchone()[0])

    def check_writable(self) -> None:
        """Raise :class:`StoreError` now when the file cannot take new answers."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        with self.transaction() as con:
            con.execute("PRAGMA user_version = " + str(SCHEMA_VERSION))

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

        ``battery`` is a list of instrument ids or :class:`~dyadscore.instruments.Instrument`.
        An existing session keeps its own battery; asking for a different one is an error.
        Its language becomes ``lang``.
        """
        couple = check_code(couple)
        role = check_code(role, "role")
        wave = int(wave)
        if wave < 1:
            raise InputError(f"wave {wave}: expected a whole number from 1")
        ids = tuple(getattr(b, "id", b) for b in battery)
        existing = self.find_session(couple, role, wave)
        if existing is not None:
            if existing.battery != ids:
                raise InputError(
                    f"couple {couple!r}, partner {role!r}, wave {wave} already has the battery "
                    f"{', '.join(existing.battery)}; use another wave for a different battery"
                )
            if existing.lang != lang:  # the language asked now wins (a coach may switch)
                with self.transaction() as con:
                    con.execute("UPDATE sessions SET lang = ? WHERE id = ?", (lang, existing.id))
                return self.session(existing.id)
            return existing
        from ..instruments import load_instrument

        insts = [load_instrument(b) for b in battery]
        with self.transaction() as con:
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
                "INSERT INTO session_instruments VALUES (?, ?, ?, ?, ?)",
                [(sid, i, x.id, x.version, x.key_hash) for i, x in enumerate(insts)],
            )
        return self.session(sid)

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
        )

    def session(self, session_id: int) -> PartnerSession:
        with self.connect() as con:
            row = con.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise InputError(f"no partner session {session_id}")
        return self._row(row)

    def find_session(self, couple: str, role: str, wave: int = 1) -> PartnerSession | None:
        with self.connect() as con:
            row = con.execute(
                "SELECT * FROM sessions WHERE couple = ? AND role = ? AND wave = ?",
                (couple, role, int(wave)),
            ).fetchone()
        return None if row is None else self._row(row)

    def session_by_token(self, token: str) -> PartnerSession | None:
        """The session a web link's token opens (None when unknown)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        with self.connect() as con:
            row = con.execute("SELECT * FROM sessions WHERE token = ?", (token,)).fetchone()
        if row is None or not secrets.compare_digest(row["token"], token):
            return None
        return self._row(row)

    def sessions(self, couple: str | None = None) -> list[PartnerSession]:
        sql, args = "SELECT * FROM sessions", ()
        if couple is not None:
            sql, args = sql + " WHERE couple = ?", (couple,)
        with self.connect() as con:
            rows = con.execute(sql + " ORDER BY couple, wave, role", args).fetchall()
        return [self._row(r) for r in rows]

    def finish(self, session_id: int) -> None:
        """Mark the session finished (idempotent)."""
        with self.transaction() as con:
            con.execute(
                "UPDATE sessions SET finished = COALESCE(finished, ?) WHERE id = ?",
                (_now(), session_id),
            )

    # ---------------------------------------------------------------- answers
    def save_answer(self, session_id: int, instrument: str, item: str, value: int | None) -> None:
        """Commit one answer (``None`` records a skip); a later answer replaces it."""
        self.save_answers(session_id, [(instrument, item, value)])

    def save_answers(self, session_id: int, answers: Sequence[tuple[str, str, int | None]]) -> None:
        """Commit several answers in one transaction (a web page)."""
        now = _now()
        rows = [(session_id, i, it, v, int(v is None), now) for i, it, v in answers]
        with self.transaction() as con:
            con.executemany(
                "INSERT INTO answers (session_id, instrument, item, value, skipped, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, instrument, item) DO UPDATE"
                " SET value = excluded.value, skipped = excluded.skipped,"
                " answered_at = excluded.answered_at",
                rows,
            )

    def answers(self, session_id: int) -> dict[tuple[str, str], int | None]:
        """``{(instrument, item): value}`` of one session (``None`` = skipped)."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT instrument, item, value FROM answers WHERE session_id = ?", (session_id,)
            ).fetchall()
        return {(r["instrument"], r["item"]): r["value"] for r in rows}

    def count_answers(self) -> int:
        with self.connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

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
        with self.connect() as con:
            return [tuple(r) for r in con.execute(sql, args).fetchall()]

    def session_instruments(self, session_id: int) -> list[dict[str, Any]]:
        """Instrument id, version and scoring-key hash given in a session."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT instrument, version, key_hash FROM session_instruments"
                " WHERE session_id = ? ORDER BY position",
                (session_id,),
            ).fetchall()
        return [dict(r) for r in rows]
