"""Answer store, batteries and export: durability, permissions, migrations, shapes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dyadscore.administer.batteries import BATTERIES, battery_steps, resolve_battery
from dyadscore.administer.export import export_answers
from dyadscore.administer.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    AnswerStore,
    StoreError,
    check_code,
)
from dyadscore.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def store(tmp_path: Path) -> AnswerStore:
    return AnswerStore(tmp_path / "answers.db")


# ------------------------------------------------------------------ batteries
def test_named_batteries_resolve_to_shipped_instruments():
    intake = [i.id for i in resolve_battery("intake")]
    assert intake == list(BATTERIES["intake"])
    followup = [i.id for i in resolve_battery("followup")]
    assert followup[-1] == "goal-progress" and set(intake) < set(followup)
    steps = battery_steps(resolve_battery("intake"))
    assert [s.index for s in steps] == list(range(len(steps)))
    n_items = sum(len(i.item_ids) for i in resolve_battery("intake"))
    assert len(steps) == n_items


def test_battery_errors():
    with pytest.raises(InputError, match="unknown instrument id 'nope'"):
        resolve_battery("nope")
    with pytest.raises(InputError, match="listed twice"):
        resolve_battery("felt-dependence,felt-dependence")


# -------------------------------------------------------------- permissions
def test_db_and_wal_files_are_owner_only(tmp_path: Path):
    old = os.umask(0o022)
    try:
        st_ = AnswerStore(tmp_path / "a.db")
        s = st_.start_session("c01", "A", battery=["felt-dependence"])
        with st_.connect() as con:  # keep a connection open so -wal/-shm exist
            con.execute("SELECT 1")
            st_.save_answer(s.id, "felt-dependence", "fd1", 4)
            files = [p for p in tmp_path.iterdir() if p.name.startswith("a.db")]
            assert {p.name for p in files} >= {"a.db", "a.db-wal", "a.db-shm"}
            for p in files:
                assert mode(p) == 0o600, p
    finally:
        os.umask(old)


def test_export_file_is_owner_only(tmp_path: Path, store: AnswerStore):
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    store.save_answer(s.id, "felt-dependence", "fd1", 4)
    out = tmp_path / "long.csv"
    old = os.umask(0o022)
    try:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "dyadscore",
                "export",
                "--db",
                str(store.path),
                "--shape",
                "long",
                "--out",
                str(out),
            ],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    assert mode(out) == 0o600
    back = pd.read_csv(out)
    assert back.iloc[0].to_dict() == {
        "person": "c01_A",
        "couple": "c01",
        "role": "A",
        "wave": 1,
        "item": "fd1",
        "value": 4,
    }
    assert len(back) == 6 and back["value"].isna().sum() == 5


# ------------------------------------------------------------ schema/migrate
def test_schema_version_and_wal(store: AnswerStore):
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    with store.connect() as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrates_a_version_1_file(tmp_path: Path):
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    con.execute("INSERT INTO couples VALUES ('c9', 'then')")
    con.execute(
        "INSERT INTO sessions (couple, role, person, wave, battery, lang, token, created) "
        "VALUES ('c9', 'A', 'c9_A', 1, 'felt-dependence', 'en', 'tok', 'then')"
    )
    con.execute("INSERT INTO answers VALUES (1, 'felt-dependence', 'fd1', 3, 0, 'then')")
    con.commit()
    con.close()
    os.chmod(db, 0o600)
    store = AnswerStore(db)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.answers(1) == {("felt-dependence", "fd1"): 3}
    assert store.session_instruments(1) == []


def test_newer_schema_is_refused(tmp_path: Path):
    db = tmp_path / "new.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    os.chmod(db, 0o600)
    with pytest.raises(StoreError, match="newer dyadscore"):
        AnswerStore(db)


def test_not_a_database(tmp_path: Path):
    db = tmp_path / "x.db"
    db.write_bytes(b"this is not sqlite" * 100)
    os.chmod(db, 0o600)
    with pytest.raises(StoreError, match="not a dyadscore answer database"):
        AnswerStore(db)


def test_missing_db_for_export(tmp_path: Path):
    with pytest.raises(StoreError, match="not found"):
        export_answers(tmp_path / "none.db")


# ---------------------------------------------------------------- sessions
def test_sessions_resume_and_tokens(store: AnswerStore):
    a = store.start_session("c01", "A", battery=["felt-dependence"])
    b = store.start_session("c01", "B", battery=["felt-dependence"])
    assert store.start_session("c01", "A", battery=["felt-dependence"]) == a
    assert a.token != b.token and len(a.token) >= 43
    assert store.session_by_token(a.token) == a
    assert store.session_by_token(a.token[:-1] + ("x" if a.token[-1] != "x" else "y")) is None
    assert store.session_by_token("short") is None
    with pytest.raises(InputError, match="already has the battery"):
        store.start_session("c01", "A", battery=["attachment-short"])
    rec = store.session_instruments(a.id)
    assert rec[0]["instrument"] == "felt-dependence" and len(rec[0]["key_hash"]) == 16


def test_resume_takes_the_language_asked_now(store: AnswerStore):
    """A coach who restarts 'serve --lang nl' on an English session gets Dutch pages."""
    a = store.start_session("c01", "A", battery=["felt-dependence"], lang="en")
    b = store.start_session("c01", "A", battery=["felt-dependence"], lang="nl")
    assert b.lang == "nl" and b.token == a.token and b.id == a.id
    assert store.session_by_token(a.token).lang == "nl"


def test_codes_are_checked(store: AnswerStore):
    assert check_code("c-01.x_2") == "c-01.x_2"
    for bad in ["=cmd", "", "a b", "-1", "x" * 65]:
        with pytest.raises(InputError, match="letters, digits"):
            store.start_session(bad, "A", battery=["felt-dependence"])


def test_answers_replace_and_skip(store: AnswerStore):
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    store.save_answer(s.id, "felt-dependence", "fd1", 2)
    store.save_answer(s.id, "felt-dependence", "fd1", 6)
    store.save_answer(s.id, "felt-dependence", "fd2", None)
    assert store.answers(s.id) == {("felt-dependence", "fd1"): 6, ("felt-dependence", "fd2"): None}
    store.finish(s.id)
    assert store.session(s.id).is_finished


# ------------------------------------------------------------------ export
def _fill(store: AnswerStore) -> None:
    a = store.start_session("c01", "A", battery=["felt-dependence"])
    b = store.start_session("c01", "B", battery=["felt-dependence"])
    a2 = store.start_session("c01", "A", wave=2, battery=["felt-dependence"])
    store.save_answers(a.id, [("felt-dependence", f"fd{i}", i) for i in range(1, 7)])
    store.save_answers(b.id, [("felt-dependence", f"fd{i}", 7) for i in range(1, 7)])
    store.save_answers(a2.id, [("felt-dependence", "fd1", 1), ("felt-dependence", "fd2", None)])


def test_export_long_and_wide(store: AnswerStore):
    _fill(store)
    long = export_answers(store.path, "long")
    assert list(long.columns) == ["person", "couple", "role", "wave", "item", "value"]
    assert len(long) == 3 * 6  # every item of the battery per person-wave
    assert long["value"].notna().sum() == 6 + 6 + 1  # the skip is not an answer
    assert long["item"].tolist()[:6] == [f"fd{i}" for i in range(1, 7)]
    assert long["person"].tolist()[::6] == ["c01_A", "c01_B", "c01_A"]
    assert len(export_answers(store.path, "long", answered_only=True)) == 13
    assert (
        long.dropna().merge(export_answers(store.path, "long", answered_only=True)).shape[0] == 13
    )
    wide = export_answers(store.path, "wide")
    assert list(wide.columns) == ["person", "couple", "role", "wave"] + [
        f"fd{i}" for i in range(1, 7)
    ]
    assert wide[["person", "wave"]].values.tolist() == [["c01_A", 1], ["c01_B", 1], ["c01_A", 2]]
    assert wide.iloc[0, 4:].tolist() == [1, 2, 3, 4, 5, 6]
    assert wide.iloc[2, 4:].isna().tolist() == [False] + [True] * 5
    assert len(export_answers(store.path, "wide", wave=2)) == 1
    with pytest.raises(InputError, match="shape 'tall'"):
        export_answers(store.path, "tall")


def test_exports_score_like_hand_computation(store: AnswerStore):
    """ds.score reads both shapes; scores equal hand-keyed means (fd4, fd6 reverse: 8 - x)."""
    from dyadscore import load_instrument, score

    _fill(store)
    inst = load_instrument("felt-dependence")
    rev = set(inst.reverse_items)
    wave1 = {p: v for p, v in [("c01_A", [1, 2, 3, 4, 5, 6]), ("c01_B", [7] * 6)]}
    expected = {
        p: sum((8 - x) if f"fd{i + 1}" in rev else x for i, x in enumerate(v)) / 6
        for p, v in wave1.items()
    }
    for shape in ("long", "wide"):
        data = export_answers(store.path, shape)
        partial = score(data, "felt-dependence").set_index(["person", "wave"])
        assert partial.loc[("c01_A", 2), "felt_dependence_flag"] == "missing"  # 1 of 6 items
        data = export_answers(store.path, shape, wave=1)
        out = score(data, "felt-dependence").set_index("person")
        for p, e in expected.items():
            assert out.loc[p, "felt_dependence"] == pytest.approx(e)
            assert out.loc[p, "felt_dependence_flag"] == "ok"
        assert {"couple", "role", "wave"} <= set(out.columns)


def test_cli_export_then_score_without_naming_instruments(store: AnswerStore, tmp_path, capsys):
    """'dyadscore export' feeds 'dyadscore score' directly; .sav is SPSS; unknown couple: 2."""
    from dyadscore.cli import main

    _fill(store)
    for shape in ("long", "wide"):
        out = tmp_path / f"{shape}.csv"
        assert main(["export", "--db", str(store.path), "--shape", shape, "--out", str(out)]) == 0
        assert main(["score", str(out), "--out", str(tmp_path / f"s_{shape}.csv")]) == 0
        scores = pd.read_csv(tmp_path / f"s_{shape}.csv").set_index(["person", "wave"])
        assert scores.loc[("c01_B", 1), "felt_dependence"] == pytest.approx(
            (4 * 7 + 2 * (8 - 7)) / 6
        )  # fd4, fd6 reversed
    import pyreadstat

    assert (
        main(["export", "--db", str(store.path), "--shape", "wide", "-o", str(tmp_path / "w.sav")])
        == 0
    )
    back, _ = pyreadstat.read_sav(tmp_path / "w.sav")  # SPSS, not CSV under a .sav name
    assert back.loc[0, [f"fd{i}" for i in range(1, 7)]].tolist() == [1, 2, 3, 4, 5, 6]
    assert mode(tmp_path / "w.sav") == 0o600
    capsys.readouterr()
    bad = tmp_path / "none.csv"
    assert main(["export", "--db", str(store.path), "--couple", "c99", "--out", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "no couple 'c99'" in err and err.count("\n") == 1 and not bad.exists()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(1, 6), st.one_of(st.none(), st.integers(1, 7))), max_size=20))
def test_export_holds_the_last_answer_per_item(tmp_path_factory, answers):
    store = AnswerStore(tmp_path_factory.mktemp("h") / "a.db")
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    last: dict[str, int | None] = {}
    for i, v in answers:
        store.save_answer(s.id, "felt-dependence", f"fd{i}", v)
        last[f"fd{i}"] = v
    long = export_answers(store.path, "long", answered_only=True)
    assert dict(zip(long["item"], long["value"], strict=True)) == {
        k: v for k, v in last.items() if v is not None
    }


# ------------------------------------------------------------ concurrency
def test_concurrent_writers_lose_nothing(store: AnswerStore):
    sessions = [
        store.start_session(f"c{k:02d}", "A", battery=["independent-functioning"]) for k in range(8)
    ]
    items = resolve_battery("independent-functioning")[0].item_ids
    errors: list[BaseException] = []

    def work(sid: int) -> None:
        try:
            for it in items:
                store.save_answer(sid, "independent-functioning", it, 4)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s.id,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.count_answers() == len(sessions) * len(items)


# ----------------------------------------------------------------- faults
WRITER = textwrap.dedent(
    """
    import sys
    from dyadscore.administer.store import AnswerStore
    store = AnswerStore(sys.argv[1])
    s = store.start_session("c01", "A", battery=["independent-functioning"])
    n = 0
    while True:
        n += 1
        store.save_answer(s.id, "independent-functioning", f"x{n}", n % 7 + 1)
        print(n, flush=True)   # reported only after the commit returned
    """
)


def test_killed_writer_loses_no_committed_answer(tmp_path: Path):
    db = tmp_path / "a.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], env=ENV, stdout=subprocess.PIPE, text=True
    )
    last = 0
    deadline = time.monotonic() + 30
    while last < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        last = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    assert last >= 40
    store = AnswerStore(db)
    got = store.answers(store.find_session("c01", "A").id)
    # every answer reported as committed is there (one more may have committed unreported)
    assert all(("independent-functioning", f"x{n}") in got for n in range(1, last + 1))
    assert len(got) in (last, last + 1)
    assert store.count_answers() == len(got)


def _make_readonly(path: Path) -> None:
    if os.geteuid() != 0:
        os.chmod(path, 0o400)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root and 'chattr +i' is unavailable: cannot make a file read-only")


def _undo_readonly(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    os.chmod(path, 0o600)


def test_readonly_database_gives_clear_error_and_keeps_answers(tmp_path: Path):
    db = tmp_path / "a.db"
    store = AnswerStore(db)
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    store.save_answers(s.id, [("felt-dependence", "fd1", 3), ("felt-dependence", "fd2", 5)])
    _make_readonly(db)
    try:
        with pytest.raises(StoreError, match="read-only"):
            AnswerStore(db).check_writable()
        with pytest.raises(StoreError, match="read-only"):
            store.save_answer(s.id, "felt-dependence", "fd3", 1)
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "dyadscore",
                "administer",
                "--db",
                str(db),
                "--couple",
                "c01",
                "--partner",
                "A",
                "--battery",
                "felt-dependence",
            ],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
            input="",
        )
        assert r.returncode == 2
        assert "read-only" in r.stderr and "Traceback" not in r.stderr
        assert export_answers(db, "long", answered_only=True)["value"].tolist() == [3, 5]
    finally:
        _undo_readonly(db)
    assert AnswerStore(db).answers(s.id) == {
        ("felt-dependence", "fd1"): 3,
        ("felt-dependence", "fd2"): 5,
    }


class _TinyDiskStore(AnswerStore):
    """A store whose database may not grow: simulates a full disk (SQLITE_FULL)."""

    def _open(self):
        con = super()._open()
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {pages}")
        return con


def test_full_disk_gives_clear_error_and_keeps_answers(tmp_path: Path):
    db = tmp_path / "a.db"
    store = AnswerStore(db)
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    store.save_answer(s.id, "felt-dependence", "fd1", 2)
    with store.connect() as con:  # fold the WAL into the file so its size is final
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = _TinyDiskStore(db)
    with pytest.raises(StoreError, match="disk is full"):
        for k in range(5000):  # bounded: fills the remaining free pages
            full.save_answer(s.id, "felt-dependence", f"x{k:04d}" + "y" * 200, 3)
    assert AnswerStore(db).answers(s.id)[("felt-dependence", "fd1")] == 2


# ------------------------------------------------- issue 9: the coach's path
def _cli(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI in this process (quick); a traceback would fail the test."""
    import contextlib
    import io

    from dyadscore.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_a_folder_given_as_db_is_one_clear_line(tmp_path: Path):
    """A directory as --db gave a sqlite3.OperationalError traceback."""
    folder = tmp_path / "study"
    folder.mkdir()
    with pytest.raises(StoreError, match="is a folder, not an answer database"):
        AnswerStore(folder)
    out = tmp_path / "x.csv"
    for args in (
        ["export", "--db", str(folder), "-o", str(out)],
        ["report", "c01", "--db", str(folder), "-o", str(out)],
        ["administer", "--db", str(folder), "--couple", "c01", "--battery", "felt-dependence"],
        ["serve", "--db", str(folder), "--couple", "c01", "--port", "0"],
    ):
        r = _cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and "is a folder" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and not out.exists()
    assert list(folder.iterdir()) == []


def test_export_of_an_absent_wave_is_an_error_like_an_absent_couple(store: AnswerStore, tmp_path):
    """`export --wave 9` wrote a header-only file while `--couple c99` was an error."""
    _fill(store)
    with pytest.raises(InputError, match="no wave 9 in this answer database; waves present: 1, 2"):
        export_answers(store.path, "wide", wave=9)
    with pytest.raises(InputError, match="no wave 2 for couple 'c02'"):
        s = store.start_session("c02", "A", battery=["felt-dependence"])
        assert s.wave == 1
        export_answers(store.path, "long", couple="c02", wave=2)
    out = tmp_path / "w.csv"
    r = _cli("export", "--db", str(store.path), "--wave", "9", "-o", str(out))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no wave 9" in r.stderr
    assert not out.exists()
    assert len(export_answers(store.path, "wide", wave=2)) == 1  # a present wave still works


def test_readonly_open_does_not_leave_side_files_unwritable(tmp_path: Path):
    """A read-only open left -wal/-shm at 0400, so the advised chmod of the file did not help."""
    db = tmp_path / "a.db"
    store = AnswerStore(db)
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    store.save_answer(s.id, "felt-dependence", "fd1", 3)
    for side in ("a.db-wal", "a.db-shm"):
        (tmp_path / side).unlink(missing_ok=True)
    os.chmod(db, 0o400)
    assert len(export_answers(db, "long")) == 6  # a read-only open (export) ...
    reader = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)  # ... still open (a report)
    reader.execute("SELECT COUNT(*) FROM answers").fetchone()
    made = [tmp_path / "a.db-wal", tmp_path / "a.db-shm"]
    assert all(p.exists() and mode(p) == 0o400 for p in made)  # what SQLite does
    try:
        os.chmod(db, 0o600)  # the advice given
        store = AnswerStore(db)
        assert [mode(p) for p in made] == [0o600, 0o600]
        store.save_answer(s.id, "felt-dependence", "fd2", 4)
        assert store.answers(s.id)[("felt-dependence", "fd2")] == 4
    finally:
        reader.close()


def test_read_only_message_names_the_side_files(tmp_path: Path):
    store = AnswerStore(tmp_path / "a.db")
    msg = str(store._error(sqlite3.OperationalError("attempt to write a readonly database")))
    assert "chmod u+w" in msg and "a.db" in msg


def test_world_readable_database_gets_a_warning(tmp_path: Path):
    db = tmp_path / "a.db"
    store = AnswerStore(db)
    store.start_session("c01", "A", battery=["felt-dependence"])
    os.chmod(db, 0o644)
    with pytest.warns(Warning, match="readable by other users .mode 0644.; make it private"):
        AnswerStore(db)
    r = _cli("export", "--db", str(db), "-o", str(tmp_path / "e.csv"))
    assert r.returncode == 0
    assert r.stderr.startswith("dyadscore: warning: ") and "chmod 600" in r.stderr
    assert r.stderr.count("\n") == 1
    os.chmod(db, 0o600)
    r = _cli("export", "--db", str(db), "-o", str(tmp_path / "f.csv"))
    assert r.returncode == 0 and r.stderr == ""


def test_writer_waits_for_another_process_instead_of_refusing(tmp_path: Path, monkeypatch):
    """Our own server answered 503 'stayed locked' when the lock stayed busy; now it waits."""
    import dyadscore.administer.store as store_mod

    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.05)
    db = tmp_path / "a.db"
    store = AnswerStore(db, writer=True)
    s = store.start_session("c01", "A", battery=["felt-dependence"])
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock ...
    done = threading.Event()
    errors: list[BaseException] = []

    def answer() -> None:
        try:
            store.save_answer(s.id, "felt-dependence", "fd1", 6)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        done.set()

    threading.Thread(target=answer).start()
    assert not done.wait(1.0)  # ... far longer than the busy timeout: still waiting, no refusal
    other.execute("COMMIT")
    other.close()
    assert done.wait(10) and not errors
    assert store.answers(s.id) == {("felt-dependence", "fd1"): 6}
    assert store._writer.busy_waits > 0
    store.close()


def test_writer_thread_serves_many_threads_and_keeps_errors_apart(tmp_path: Path):
    store = AnswerStore(tmp_path / "a.db", writer=True)
    sessions = [
        store.start_session(f"c{k:02d}", "A", battery=["independent-functioning"])
        for k in range(20)
    ]
    items = resolve_battery("independent-functioning")[0].item_ids
    errors: list[BaseException] = []

    def work(sid: int) -> None:
        try:
            for it in items:
                store.save_answer(sid, "independent-functioning", it, 4)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s.id,)) for s in sessions]
    for t in threads:
        t.start()
    bad = []
    for _ in range(5):  # a job that fails (bad session) fails alone, the others commit
        try:
            store.save_answer(99_999, "independent-functioning", items[0], 1)
        except InputError as exc:
            bad.append(exc)
    for t in threads:
        t.join()
    assert not errors and len(bad) == 5
    assert store.count_answers() == len(sessions) * len(items)
    store.close()


def test_yaml_battery_is_stored_with_the_session(tmp_path: Path):
    own = tmp_path / "own.yaml"
    own.write_text(
        textwrap.dedent(
            """\
            id: own-scale
            version: 1.0.0
            title: {en: Own, nl: Eigen}
            construct: demo
            response_scale: {min: 1, max: 4, labels: {en: {1: Never, 4: Always}, nl: {1: Nooit, 4: Altijd}}}
            subscales:
              own: {items: [w1, w2], method: mean}
            items:
              - {id: w1, text: {en: One, nl: Een}}
              - {id: w2, text: {en: Two, nl: Twee}}
            provenance: {authors: tests, licence: CC0}
            """
        )
    )
    store = AnswerStore(tmp_path / "a.db")
    s = store.start_session("c01", "A", battery=[str(own), "felt-dependence"])
    assert s.battery == ("own-scale", "felt-dependence")
    store.save_answer(s.id, "own-scale", "w2", 3)
    own.unlink()
    insts = AnswerStore(store.path, readonly=True, create=False).battery(s)
    assert [i.id for i in insts] == ["own-scale", "felt-dependence"]
    assert insts[0].scale_max == 4 and insts[0].item_ids == ["w1", "w2"]
    wide = export_answers(store.path, "wide")
    assert list(wide.columns)[4:6] == ["w1", "w2"] and wide.loc[0, "w2"] == 3


def test_migrates_a_version_2_file_and_reads_it_read_only(tmp_path: Path):
    db = tmp_path / "v2.db"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[0] + MIGRATIONS[1] + "PRAGMA user_version = 2;")
    con.execute("INSERT INTO couples VALUES ('c9', 'then')")
    con.execute(
        "INSERT INTO sessions (couple, role, person, wave, battery, lang, token, created) "
        "VALUES ('c9', 'A', 'c9_A', 1, 'felt-dependence', 'en', 'tok', 'then')"
    )
    con.execute("INSERT INTO answers VALUES (1, 'felt-dependence', 'fd1', 3, 0, 'then')")
    con.commit()
    con.close()
    os.chmod(db, 0o600)
    ro = AnswerStore(db, readonly=True, create=False)  # report/export on an old file
    assert ro.schema_version() == 2 and ro.session(1).expires is None
    assert [i.id for i in ro.battery(1)] == ["felt-dependence"]
    store = AnswerStore(db)
    assert store.schema_version() == SCHEMA_VERSION == 3
    assert store.answers(1) == {("felt-dependence", "fd1"): 3}
    assert len(store.secret()) == 32 and store.secret() == AnswerStore(db).secret()
