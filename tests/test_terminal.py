"""Terminal administration driven as a person would: pexpect types into a real pty."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from dyadscore.administer.store import AnswerStore

pexpect = pytest.importorskip("pexpect", reason="terminal tests drive a pty with pexpect")

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TERM": "dumb"}
FD = "felt-dependence"

NO_SKIP = """\
id: no-skip-demo
version: 1.0.0
title: {en: Demo without skipping, nl: Demo zonder overslaan}
construct: demo
allow_skip: false
response_scale:
  min: 1
  max: 5
  labels:
    en: {1: Never, 5: Always}
    nl: {1: Nooit, 5: Altijd}
subscales:
  demo: {items: [d1, d2], method: mean}
items:
  - id: d1
    text: {en: First demo statement, nl: Eerste demo-uitspraak}
  - id: d2
    text: {en: Second demo statement, nl: Tweede demo-uitspraak}
provenance: {authors: tests, licence: CC0}
"""


def spawn(db: Path, *extra: str, battery: str = FD) -> pexpect.spawn:
    args = [
        "-m",
        "dyadscore",
        "administer",
        "--db",
        str(db),
        "--couple",
        "c01",
        "--battery",
        battery,
        *extra,
    ]
    return pexpect.spawn(sys.executable, args, env=ENV, encoding="utf-8", timeout=20)


def answers(db: Path, role: str = "A") -> dict:
    store = AnswerStore(db)
    return {k[1]: v for k, v in store.answers(store.find_session("c01", role).id).items()}


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_answer_back_skip_interrupt_and_resume(tmp_path: Path):
    db = tmp_path / "a.db"
    child = spawn(db, "--partner", "A")
    child.expect_exact("item 1 of 6")
    child.expect_exact("1 = Strongly disagree")
    child.expect_exact("Your answer (1-7, b = back, s = skip")
    child.sendline("5")
    child.expect_exact("item 2 of 6")
    child.sendline("b")  # back to item 1: the earlier answer is shown
    child.expect_exact("item 1 of 6")
    child.expect_exact("Your answer so far: 5 (press Enter to keep it)")
    child.sendline("")  # keep it
    child.expect_exact("item 2 of 6")
    child.sendline("9")  # out of range
    child.expect_exact("Please type a number from 1 to 7")
    child.sendline("seven")
    child.expect_exact("Please type a number from 1 to 7")
    child.sendline("s")  # skip
    child.expect_exact("item 3 of 6")
    child.sendline("2")
    child.expect_exact("item 4 of 6")
    child.expect_exact("Your answer")
    child.sendintr()  # Ctrl-C
    child.expect_exact(
        "Stopped. All answers given so far are saved (3 in this session). Run the same"
    )
    assert finish(child) == 130
    assert answers(db) == {"fd1": 5, "fd2": None, "fd3": 2}

    child = spawn(db, "--partner", "A")  # resumes exactly where it stopped
    child.expect_exact("Welcome back: 3 answers were saved. Continuing at item 4 of 6.")
    child.expect_exact("item 4 of 6")
    for v in "712":
        child.sendline(v)
    child.expect_exact("Thank you, partner A: all your answers are saved.")
    assert finish(child) == 0
    assert answers(db) == {"fd1": 5, "fd2": None, "fd3": 2, "fd4": 7, "fd5": 1, "fd6": 2}
    assert AnswerStore(db).find_session("c01", "A").is_finished

    child = spawn(db, "--partner", "A")
    child.expect_exact("Partner A of couple c01 has already finished wave 1.")
    assert finish(child) == 0


def test_dutch_and_both_partners_in_turn(tmp_path: Path):
    db = tmp_path / "a.db"
    child = spawn(db, "--lang", "nl", battery=FD)
    child.expect_exact("vraag 1 van 6")
    child.expect_exact("1 = Helemaal mee oneens")
    for v in "123456":
        child.expect_exact("Uw antwoord (1-7, b = terug, s = overslaan")
        child.sendline(v)
    child.expect_exact("Dank u wel, partner A")
    child.expect_exact("Geef het toetsenbord aan partner B")
    child.sendline("")
    child.expect_exact("vraag 1 van 6")
    for _ in range(6):
        child.sendline("4")
    child.expect_exact("Dank u wel, partner B")
    assert finish(child) == 0
    assert list(answers(db, "A").values()) == [1, 2, 3, 4, 5, 6]
    assert set(answers(db, "B").values()) == {4}


def test_no_skip_instrument_and_quit(tmp_path: Path):
    path = tmp_path / "no-skip-demo.yaml"
    path.write_text(NO_SKIP)
    db = tmp_path / "a.db"
    child = spawn(db, "--partner", "B", battery=str(path))
    child.expect_exact("item 1 of 2")
    child.expect_exact("Your answer (1-5, b = back, q = save and stop)")
    child.sendline("s")
    child.expect_exact("This questionnaire asks for an answer to every statement.")
    child.sendline("b")
    child.expect_exact("This is the first item.")
    child.sendline("6")
    child.expect_exact("Please type a number from 1 to 5, or b to go back.")
    child.sendline("5")
    child.expect_exact("item 2 of 2")
    child.sendline("q")
    child.expect_exact("Stopped. All answers given so far are saved (1 in this session).")
    assert finish(child) == 0
    assert answers(db, "B") == {"d1": 5}


def test_killed_mid_session_resumes_after_last_committed_answer(tmp_path: Path):
    db = tmp_path / "a.db"
    child = spawn(db, "--partner", "A")
    for i, v in enumerate("345", start=1):
        child.expect_exact(f"item {i} of 6")
        child.sendline(v)
    child.expect_exact("item 4 of 6")  # shown only after answer 3 was committed
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    assert answers(db) == {"fd1": 3, "fd2": 4, "fd3": 5}
    child = spawn(db, "--partner", "A")
    child.expect_exact("Continuing at item 4 of 6.")
    child.sendintr()
    assert finish(child) == 130


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "dyadscore", "administer", "--db", str(tmp_path / "a.db"), "--couple", "=x"],
        env=ENV,
        encoding="utf-8",
        timeout=20,
    )
    child.expect_exact("dyadscore: error: couple code '=x'")
    assert finish(child) == 2
    assert "Traceback" not in (child.before or "")


@pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX pty")
def test_end_of_input_saves_and_stops(tmp_path: Path):
    db = tmp_path / "a.db"
    child = spawn(db, "--partner", "A")
    child.expect_exact("item 1 of 6")
    child.sendline("6")
    child.expect_exact("item 2 of 6")
    child.sendeof()
    child.expect_exact("Stopped. All answers given so far are saved (1 in this session).")
    assert finish(child) == 130
