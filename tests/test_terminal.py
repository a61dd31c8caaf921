"""Terminal administration driven as a person would: pexpect types into a real pty."""

from __future__ import annotations

import io
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dyadscore.administer.store import AnswerStore

pexpect = pytest.importorskip("pexpect", reason="terminal tests drive a pty with pexpect")
termios = pytest.importorskip("termios", reason="POSIX terminals only")

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


def command(db: Path, *extra: str, battery: str = FD, line: bool = True) -> list[str]:
    args = ["-m", "dyadscore", "administer", "--db", str(db), "--couple", "c01"]
    return [*args, "--battery", battery, *extra, *(["--line-input"] if line else [])]


def spawn(db: Path, *extra: str, battery: str = FD, line: bool = True) -> pexpect.spawn:
    """The command in a pty; ``line=False`` uses the single-key mode."""
    args = command(db, *extra, battery=battery, line=line)
    child = pexpect.spawn(sys.executable, args, env=ENV, encoding="utf-8", timeout=20)
    child.delaybeforesend = None  # every send follows an expect on the prompt anyway
    return child


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


# ---- single-key mode (the default on a terminal) ---------------------------------------

RIGHT, LEFT, UP, BACKSPACE, ENTER = "\x1b[C", "\x1b[D", "\x1b[A", "\x7f", "\r"
KEYS_HELP = "q: save and stop"

LONG_SCALE = """\
id: long-scale-demo
version: 1.0.0
title: {en: Ten-point demo, nl: Tienpuntsdemo}
construct: demo
allow_skip: false
response_scale:
  min: 0
  max: 10
  labels:
    en: {0: Not at all, 10: Completely}
    nl: {0: Helemaal niet, 10: Helemaal}
subscales:
  demo: {items: [g1, g2], method: mean}
items:
  - id: g1
    text: {en: First ten-point statement, nl: Eerste tienpuntsuitspraak}
  - id: g2
    text: {en: Second ten-point statement, nl: Tweede tienpuntsuitspraak}
provenance: {authors: tests, licence: CC0}
"""


def in_shell(db: Path, *extra: str, env: dict | None = None, **kw) -> pexpect.spawn:
    """The key-mode command, then ``stty -a`` in the same pty to see the restored settings."""
    cmd = shlex.join([sys.executable, *command(db, *extra, line=False, **kw)])
    script = f"{cmd}; echo rc=$?; stty -a"
    child = pexpect.spawn("bash", ["-c", script], env=env or ENV, encoding="utf-8", timeout=20)
    child.delaybeforesend = None
    return child


def expect_restored(child: pexpect.spawn, rc: int) -> None:
    child.expect_exact(f"rc={rc}")
    child.expect(pexpect.EOF)
    stty = child.before
    assert re.search(r"(?<![-\w])icanon\b", stty), stty  # line editing back on
    assert re.search(r"(?<![-\w])echo\b", stty), stty  # echo back on
    child.close()


def python_child(shell_pid: int) -> int:
    """Pid of the python process started by ``bash -c`` (Linux /proc)."""
    path = Path(f"/proc/{shell_pid}/task/{shell_pid}/children")
    for _ in range(100):
        pids = path.read_text().split()
        if pids:
            return int(pids[0])
        time.sleep(0.05)
    raise AssertionError("no child process")


def test_keys_answer_without_enter_arrows_back_skip_and_quit(tmp_path: Path):
    db = tmp_path / "a.db"
    child = spawn(db, "--partner", "A", line=False)
    child.logfile_read = screen = io.StringIO()
    child.expect_exact("item 1 of 6")
    child.expect_exact("1 = Strongly disagree")
    child.expect_exact("Keys: 1-7 answers at once | Left/Right arrows choose, Enter confirms")
    child.expect_exact(KEYS_HELP)
    child.send("5")  # a digit answers at once: no Enter
    child.expect_exact("item 2 of 6")
    child.expect_exact(KEYS_HELP)
    child.send(RIGHT)
    child.expect_exact("[1]  2   3")  # the first Right highlights the lowest point
    child.send(RIGHT)
    child.expect_exact("[2]  3   4   5   6   7     Disagree")
    child.send(ENTER)
    child.expect_exact("item 3 of 6")
    child.expect_exact(KEYS_HELP)
    assert answers(db) == {"fd1": 5, "fd2": 2}  # saved at once
    child.send("b")
    child.expect_exact("item 2 of 6")
    child.expect_exact("Your answer so far: 2 (press Enter to keep it)")
    child.expect_exact("[2]")  # the earlier answer is highlighted
    child.send(UP)  # Up also goes back
    child.expect_exact("item 1 of 6")
    child.expect_exact("Your answer so far: 5")
    child.send(BACKSPACE)  # and Backspace; there is nothing before item 1
    child.expect_exact("This is the first item.")
    child.send(ENTER)  # keep 5
    child.expect_exact("item 2 of 6")
    child.expect_exact("[2]")
    child.send(LEFT)
    child.expect_exact("[1]  2")
    child.send(ENTER)
    child.expect_exact("item 3 of 6")
    child.expect_exact(KEYS_HELP)
    child.send(ENTER)  # nothing chosen yet
    child.expect_exact("Choose an answer first: press a number or use the Left/Right arrows.")
    child.send("9")  # not on the scale
    child.expect_exact("Please type a number from 1 to 7, or b to go back or s to skip.")
    child.send("s")
    child.expect_exact("item 4 of 6")
    child.expect_exact(KEYS_HELP)
    child.send("q")
    child.expect_exact("Stopped. All answers given so far are saved (3 in this session).")
    assert finish(child) == 0
    assert answers(db) == {"fd1": 5, "fd2": 1, "fd3": None}
    assert "\x1b[" not in screen.getvalue()  # TERM=dumb: brackets only, no escape codes


def test_keys_ctrl_c_resume_colours_and_terminal_restored(tmp_path: Path):
    db = tmp_path / "a.db"
    child = in_shell(db, "--partner", "A", env={**ENV, "TERM": "xterm"})
    child.expect_exact("item 1 of 6")
    child.send("3")
    child.expect_exact("item 2 of 6")
    child.send(RIGHT)
    child.expect_exact("\x1b[7m[1]\x1b[0m")  # reverse video on a colour terminal
    child.send("4")
    child.expect_exact("item 3 of 6")
    child.expect_exact(KEYS_HELP)
    child.sendintr()  # Ctrl-C
    child.expect_exact("Stopped. All answers given so far are saved (2 in this session).")
    expect_restored(child, 130)
    assert answers(db) == {"fd1": 3, "fd2": 4}

    env = {**ENV, "TERM": "xterm", "NO_COLOR": "1"}
    child = in_shell(db, "--partner", "A", env=env)
    child.logfile_read = screen = io.StringIO()
    child.expect_exact("Welcome back: 2 answers were saved. Continuing at item 3 of 6.")
    child.expect_exact(KEYS_HELP)
    child.send(RIGHT)
    child.expect_exact("[1]")
    for i, key in enumerate("7126", start=4):
        child.send(key)
        if i <= 6:
            child.expect_exact(f"item {i} of 6")
            child.expect_exact(KEYS_HELP)
    child.expect_exact("Thank you, partner A")
    expect_restored(child, 0)
    assert "\x1b[7m" not in screen.getvalue()  # NO_COLOR: brackets only
    assert answers(db) == {"fd1": 3, "fd2": 4, "fd3": 7, "fd4": 1, "fd5": 2, "fd6": 6}


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the child via /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_keys_sigterm_sighup_save_and_restore_terminal(tmp_path: Path, sig: int):
    db = tmp_path / "a.db"
    child = in_shell(db, "--partner", "A")
    child.expect_exact("item 1 of 6")
    child.send("6")
    child.expect_exact("item 2 of 6")
    child.expect_exact(KEYS_HELP)
    os.kill(python_child(child.pid), sig)
    child.expect_exact("Stopped. All answers given so far are saved (1 in this session).")
    expect_restored(child, 128 + sig)
    assert answers(db) == {"fd1": 6}


def test_keys_long_scale_typed_no_skip_dutch_both_partners(tmp_path: Path):
    path = tmp_path / "long-scale-demo.yaml"
    path.write_text(LONG_SCALE)
    db = tmp_path / "a.db"
    child = spawn(db, "--lang", "nl", battery=str(path), line=False)
    child.expect_exact("vraag 1 van 2")
    child.expect_exact("0 = Helemaal niet")
    child.expect_exact("Toetsen: typ 0-10 en druk op Enter")
    child.expect_exact("q: opslaan en stoppen")
    child.send("1")  # 0-10 has 11 points: a digit does not answer at once
    child.expect_exact("[1]")
    child.send("0")
    child.expect_exact("[10]    Helemaal")
    child.send(ENTER)
    child.expect_exact("vraag 2 van 2")
    child.expect_exact("q: opslaan en stoppen")
    child.send("s")
    child.expect_exact("Deze vragenlijst vraagt om een antwoord op elke uitspraak.")
    child.send("11")
    child.expect_exact("Typ een getal van 0 tot 10, of b om terug te gaan.")
    child.send("7")
    child.expect_exact("[7]")
    child.send(BACKSPACE)  # edits the typed number
    child.expect_exact("  0   1   2")
    child.send(LEFT)  # from no choice, Left starts at the top of the scale
    child.expect_exact("[10]")
    child.send(LEFT)
    child.expect_exact("[9]")
    child.send(ENTER)
    child.expect_exact("Dank u wel, partner A")
    child.expect_exact("Geef het toetsenbord aan partner B en druk op Enter om te beginnen.")
    child.send(ENTER)
    child.expect_exact("vraag 1 van 2")
    for v in ("5", "0"):
        child.expect_exact("q: opslaan en stoppen")
        child.send(v + ENTER)
    child.expect_exact("Dank u wel, partner B")
    assert finish(child) == 0
    assert answers(db, "A") == {"g1": 10, "g2": 9}
    assert answers(db, "B") == {"g1": 5, "g2": 0}


def test_piped_input_falls_back_to_lines(tmp_path: Path):
    db = tmp_path / "a.db"
    args = command(db, "--partner", "A", line=False)  # no --line-input: stdin is a pipe
    res = subprocess.run(
        [sys.executable, *args], input="5\n6\nq\n", env=ENV, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert "Your answer (1-7, b = back, s = skip" in res.stdout
    assert answers(db) == {"fd1": 5, "fd2": 6}


def tty_lflag(child: pexpect.spawn) -> int:
    """Local modes of the pty (on Linux the master shares the terminal's settings)."""
    return termios.tcgetattr(child.child_fd)[3]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads pty modes via the master")
def test_keys_ctrl_z_restores_terminal_while_suspended(tmp_path: Path):
    db = tmp_path / "a.db"
    cmd = shlex.join([sys.executable, *command(db, "--partner", "A", line=False)])
    script = f"set -m; {cmd}; echo rc=$?; stty -a; fg; echo rc2=$?"  # job control, as a shell
    child = pexpect.spawn("bash", ["-c", script], env=ENV, encoding="utf-8", timeout=20)
    child.expect_exact(KEYS_HELP)
    assert not tty_lflag(child) & termios.ICANON  # single keys while running
    child.send("\x1a")  # Ctrl-Z
    child.expect_exact(f"rc={128 + signal.SIGTSTP}")  # stopped, back at the shell
    child.expect(r"(?<![-\w])icanon\b")  # stty while suspended: line editing restored
    deadline = time.monotonic() + 5  # fg: wait until the keys mode is back
    while tty_lflag(child) & termios.ICANON and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send("5")
    child.expect_exact("item 2 of 6")
    child.send("q")
    child.expect_exact("rc2=0")
    child.expect(pexpect.EOF)
    child.close()
    assert answers(db) == {"fd1": 5}


def test_what_the_coach_sees_is_said_before_the_first_answer(tmp_path: Path):
    """The promise matches the couple report (both partners side by side), in both languages."""
    import io

    from dyadscore.administer.terminal import administer

    for lang, words in (("en", "both partners"), ("nl", "beide partners")):
        out = io.StringIO()
        prompts: list[str] = []

        def answer(prompt: str, out=out, prompts=prompts) -> str:
            prompts.append(out.getvalue())
            return "4"

        db = tmp_path / f"{lang}.db"
        administer(db, "c01", "A", battery="felt-dependence", lang=lang, input_fn=answer, out=out)
        assert words in prompts[0] and (
            "side by side" in prompts[0] or "naast elkaar" in prompts[0]
        )
