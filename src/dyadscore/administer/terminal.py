"""Terminal administration: one partner at a time, one item per screen.

Two input modes, both working in a plain terminal and over SSH:

* **keys** (default when stdin and stdout are a terminal): the terminal is put in cbreak
  mode (no line buffering, no echo; Ctrl-C still signals). A digit answers at once when the
  scale has at most 9 points (longer scales such as 0-10: type the number, then Enter);
  Left/Right move a highlighted choice along the scale and Enter confirms it; ``b``, Up or
  Backspace go back; ``s`` skips (when the instrument allows it); ``q`` saves and stops.
  The terminal settings are restored on every exit path: normal end, exceptions, Ctrl-C,
  SIGTERM, SIGHUP and Ctrl-Z (restored while suspended, cbreak again after ``fg``).
* **lines** (pipes, ``--line-input``, or a custom ``input_fn``): ``input()`` based; type a
  number and Enter, ``b`` back, ``s`` skip, ``q`` stop, Enter keeps an earlier answer.

Every answer is committed before the next item is shown; Ctrl-C (or end of input) stops
with exit code 130, SIGTERM/SIGHUP with 128 + signal number, and running the same command
again resumes at the first unanswered item.

Examples
--------
>>> import tempfile, os
>>> db = os.path.join(tempfile.mkdtemp(), "a.db")
>>> keys = iter(["5"] * 6)
>>> administer(db, "c01", "A", battery="felt-dependence", input_fn=lambda p: next(keys),
...            out=open(os.devnull, "w"))
0
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from .. import catalogue
from ..instruments import Instrument
from .batteries import Step, battery_steps, resolve_battery
from .store import AnswerStore, PartnerSession, check_code

try:  # POSIX only; without it the line mode is used
    import termios
except ImportError:  # pragma: no cover - Windows
    termios = None  # type: ignore[assignment]

EXIT_INTERRUPTED = 130
DEFAULT_ROLES = ("A", "B")
MAX_SINGLE_KEY_POINTS = 9  # scales with more points are typed + Enter
_ESC_WAIT = 0.1  # seconds to wait for the rest of an escape sequence (slow SSH links)
_FINAL_KEYS = {"A": "up", "B": "down", "C": "right", "D": "left"}
_TERM_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


class _Stop(Exception):
    """The partner asked to stop (q)."""


class _Terminated(Exception):
    """SIGTERM or SIGHUP arrived: save (already done) and exit 128 + signum."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _defer_sigint() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while an answer is committed, then deliver them."""
    if not _main_thread():
        yield
        return
    hit: list[int] = []
    sigs = (signal.SIGINT, *_TERM_SIGNALS)
    old = {n: signal.signal(n, lambda n, f: hit.append(n)) for n in sigs}
    try:
        yield
    finally:
        for n, h in old.items():
            signal.signal(n, h)
    for n in dict.fromkeys(hit):
        signal.raise_signal(n)  # the handler that was in place before decides


@contextlib.contextmanager
def _exit_on_term_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`_Terminated` so ``finally`` blocks run."""
    if not _main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(signum)

    old = {n: signal.signal(n, handler) for n in _TERM_SIGNALS}
    try:
        yield
    finally:
        for n, h in old.items():
            signal.signal(n, h)


def _wrap_parts(parts: Sequence[str], sep: str, width: int) -> list[str]:
    """Join ``parts`` with ``sep`` into lines of at most ``width``, never splitting a part."""
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(sep) + len(part) > width:
            lines.append(line)
            line = part
        else:
            line = f"{line}{sep}{part}" if line else part
    lines.append(line)
    return lines


def _scale_line(inst: Instrument, lang: str, width: int = 78) -> str:
    lo, hi = inst.scale_min, inst.scale_max
    parts = []
    for v in range(lo, hi + 1):
        label = inst.response_scale.label(v, lang)
        parts.append(f"{v} = {label}" if label else str(v))
    return "\n".join("  " + x for x in _wrap_parts(parts, "   ", width - 2))


def use_colour(out: TextIO, env: dict[str, str] | None = None) -> bool:
    """Whether to highlight with reverse video (no with ``NO_COLOR`` or ``TERM=dumb``).

    Examples
    --------
    >>> import io
    >>> use_colour(io.StringIO(), {"TERM": "xterm"})
    False
    """
    env = os.environ if env is None else env
    if env.get("NO_COLOR") or env.get("TERM", "dumb") == "dumb":
        return False
    return bool(getattr(out, "isatty", lambda: False)())


def choice_line(
    lo: int, hi: int, choice: int | None, label: str = "", *, colour: bool, width: int = 80
) -> tuple[str, int]:
    """The scale as one line with ``choice`` bracketed; returns (text, visible length).

    Examples
    --------
    >>> choice_line(1, 5, 3, "Sometimes", colour=False)
    ('   1   2  [3]  4   5     Sometimes', 34)
    """
    cells = [f"[{v}]" if v == choice else f" {v} " for v in range(lo, hi + 1)]
    plain = "  " + " ".join(cells)
    if len(plain) > width - 20:  # very long scales: show only the current choice
        cells = [f"{lo}..{hi}:", f"[{choice}]" if choice is not None else "[ ]"]
        plain = "  " + " ".join(cells)
    text = plain
    if colour and choice is not None:
        mark = next(c for c in cells if c.startswith("["))
        text = plain.replace(mark, f"\x1b[7m{mark}\x1b[0m", 1)
    room = width - 1 - len(plain) - 4
    if label and choice is not None and room > 3:
        label = label if len(label) <= room else label[: room - 3] + "..."
        text += "    " + label
        plain += "    " + label
    return text, len(plain)


class KeyTerminal:
    """A tty in cbreak mode, read one key at a time; settings restored on every exit.

    Used as a context manager around a whole session. Restores the saved settings on
    exit, before SIGTERM/SIGHUP handlers run, and while suspended with Ctrl-Z.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.saved: list[Any] | None = None
        self.pending = b""
        self._old: dict[int, Any] = {}

    def __enter__(self) -> KeyTerminal:
        self.saved = termios.tcgetattr(self.fd)
        if _main_thread():
            sigs = (*_TERM_SIGNALS, getattr(signal, "SIGTSTP", None))
            for n in (x for x in sigs if x is not None):
                self._old[n] = signal.signal(n, self._on_signal)
        self.cbreak()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.restore()
        finally:
            for n, h in self._old.items():
                signal.signal(n, h)
            self._old.clear()

    def cbreak(self) -> None:
        """No line buffering and no echo; keep ISIG (Ctrl-C, Ctrl-Z) and output processing."""
        mode = termios.tcgetattr(self.fd)
        mode[3] &= ~(termios.ICANON | termios.ECHO)
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(self.fd, termios.TCSANOW, mode)

    def restore(self) -> None:
        if self.saved is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.restore()
        if signum == getattr(signal, "SIGTSTP", None):
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)  # stops here until fg / SIGCONT
            signal.signal(signum, self._on_signal)
            self.cbreak()
            return
        prev = self._old.get(signum)
        if callable(prev):
            prev(signum, frame)  # usually raises (_Terminated)
        elif prev != signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
        self.cbreak()  # the signal was ignored: carry on

    def _byte(self, timeout: float | None = None) -> bytes | None:
        if not self.pending:
            if timeout is not None and not select.select([self.fd], [], [], timeout)[0]:
                return None
            try:
                data = os.read(self.fd, 64)
            except OSError as exc:  # EIO: the terminal hung up (SSH connection dropped)
                raise EOFError from exc
            if not data:
                raise EOFError
            self.pending = data
        b, self.pending = self.pending[:1], self.pending[1:]
        return b

    def read_key(self) -> str:
        """Next key: a printable character (lower case), or ``enter``, ``backspace``,
        ``left``, ``right``, ``up``, ``down``, ``esc``, ``other``.

        Raises KeyboardInterrupt for a raw Ctrl-C byte and EOFError for Ctrl-D or a closed
        terminal.
        """
        b = self._byte()
        if b in (b"\r", b"\n"):
            return "enter"
        if b in (b"\x7f", b"\x08"):
            return "backspace"
        if b == b"\x03":
            raise KeyboardInterrupt
        if b == b"\x04":
            raise EOFError
        if b == b"\x1b":
            return self._escape()
        if b is not None and 0x20 <= b[0] < 0x7F:
            return b.decode().lower()
        return "other"

    def _escape(self) -> str:
        nxt = self._byte(_ESC_WAIT)
        if nxt is None:
            return "esc"
        if nxt not in (b"[", b"O"):
            return "other"  # Alt+key
        seq = b""
        while True:  # parameters, then one final byte in 0x40-0x7E
            c = self._byte(_ESC_WAIT)
            if c is None:
                return "other"
            seq += c
            if 0x40 <= c[0] <= 0x7E:
                return _FINAL_KEYS.get(c.decode(), "other")
            if len(seq) > 16:
                return "other"

    def wait_enter(self) -> None:
        """Block until Enter; ``q`` stops."""
        while (key := self.read_key()) != "enter":
            if key == "q":
                raise _Stop


class TerminalSession:
    """Runs one partner session in a terminal, reading typed lines."""

    def __init__(
        self,
        store: AnswerStore,
        session: PartnerSession,
        instruments: Sequence[Instrument],
        *,
        lang: str,
        input_fn: Callable[[str], str],
        out: TextIO,
    ) -> None:
        self.store, self.session, self.lang = store, session, lang
        self.steps: list[Step] = battery_steps(instruments)
        self.input_fn, self.out = input_fn, out
        self.answers = store.answers(session.id)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def first_open(self) -> int:
        for step in self.steps:
            if step.key not in self.answers:
                return step.index
        return len(self.steps)

    def run(self) -> None:
        n, s = len(self.steps), self.session
        pos = self.first_open()
        if self.answers:
            self.say(
                catalogue.text(
                    "administer.resume", self.lang, k=len(self.answers), i=min(pos + 1, n), n=n
                )
            )
        else:
            self.say(
                catalogue.text(
                    "administer.welcome", self.lang, couple=s.couple, role=s.role, wave=s.wave, n=n
                )
            )
            self.say(
                catalogue.text("administer.promise_terminal", self.lang)
            )  # before the first answer
        shown: str | None = None
        while pos < n:
            step = self.steps[pos]
            if step.instrument.id != shown:
                self.show_instrument(step.instrument)
                shown = step.instrument.id
            pos = self.ask(step, pos)
        self.store.finish(s.id)
        self.say(catalogue.text("administer.done", self.lang, role=s.role))

    def show_instrument(self, inst: Instrument) -> None:
        self.say()
        self.say("== " + inst.title[self.lang] + " ==")
        if inst.instructions:
            self.say(textwrap.fill(inst.instructions[self.lang], width=78))

    def show_item(self, step: Step, pos: int) -> bool:
        """Progress, item text, scale and any earlier answer; True when answered before."""
        inst, lang = step.instrument, self.lang
        self.say()
        self.say(f"[{catalogue.text('administer.progress', lang, i=pos + 1, n=len(self.steps))}]")
        self.say(textwrap.fill(inst.item(step.item_id).text[lang], width=78))
        self.say(_scale_line(inst, lang))
        have = step.key in self.answers
        if have:
            v = self.answers[step.key]
            self.say(
                catalogue.text("administer.skipped_before", lang)
                if v is None
                else catalogue.text("administer.current", lang, v=v)
            )
        return have

    def ask(self, step: Step, pos: int) -> int:
        inst, lang = step.instrument, self.lang
        lo, hi = inst.scale_min, inst.scale_max
        have = self.show_item(step, pos)
        skip = catalogue.text("administer.prompt_skip", lang) if inst.allow_skip else ""
        while True:
            raw = (
                self.input_fn(catalogue.text("administer.prompt", lang, lo=lo, hi=hi, skip=skip))
                .strip()
                .lower()
            )
            if raw.isdigit() and lo <= int(raw) <= hi:
                self.save(step, int(raw))
                return pos + 1
            if raw == "b":
                if pos == 0:
                    self.say(catalogue.text("administer.at_start", lang))
                    continue
                return pos - 1
            if raw == "s":
                if not inst.allow_skip:
                    self.say(catalogue.text("administer.no_skip", lang))
                    continue
                self.save(step, None)
                return pos + 1
            if raw == "" and have:
                return pos + 1
            if raw == "q":
                raise _Stop
            extra = catalogue.text("administer.invalid_skip", lang) if inst.allow_skip else ""
            self.say(catalogue.text("administer.invalid", lang, lo=lo, hi=hi, skip=extra))

    def save(self, step: Step, value: int | None) -> None:
        with _defer_sigint():
            self.store.save_answer(self.session.id, step.instrument.id, step.item_id, value)
            self.answers[step.key] = value


class KeySession(TerminalSession):
    """Runs one partner session reading single keys from a :class:`KeyTerminal`."""

    def __init__(self, *args: Any, term: KeyTerminal, colour: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.term, self.colour = term, colour
        self._drawn = 0  # visible length of the choice line last drawn

    def draw(self, inst: Instrument, choice: int | None) -> None:
        """(Re)draw the choice line in place with a carriage return."""
        width = shutil.get_terminal_size((80, 24)).columns
        label = inst.response_scale.label(choice, self.lang) if choice is not None else ""
        text, n = choice_line(
            inst.scale_min, inst.scale_max, choice, label, colour=self.colour, width=width
        )
        self.out.write("\r" + text + " " * max(0, self._drawn - n))
        self.out.flush()
        self._drawn = n

    def note(self, text: str) -> None:
        """A message under the choice line; the choice line is drawn again below it."""
        self.say()
        self.say(text)
        self._drawn = 0

    def ask(self, step: Step, pos: int) -> int:
        inst, lang = step.instrument, self.lang
        lo, hi = inst.scale_min, inst.scale_max
        single = hi - lo + 1 <= MAX_SINGLE_KEY_POINTS
        have = self.show_item(step, pos)
        skip = catalogue.text("administer.keys_skip", lang) if inst.allow_skip else ""
        helpkey = "administer.keys_help" if single else "administer.keys_help_typed"
        keyhelp = catalogue.text(helpkey, lang, lo=lo, hi=hi, skip=skip).split(" | ")
        self.say("\n".join(_wrap_parts(keyhelp, " | ", 78)))
        before = self.answers.get(step.key)
        choice, typed = before, ""
        self._drawn = 0
        while True:
            self.draw(inst, choice)
            key = self.term.read_key()
            if key.isdigit():
                if single:
                    if lo <= int(key) <= hi:
                        return self.confirm(step, pos, int(key))
                    self.note(self.invalid(inst))
                    continue
                typed = (typed + key)[-len(str(hi)) :]
                if lo <= int(typed) <= hi:
                    choice = int(typed)
                elif len(typed) >= len(str(hi)) or int(typed) * 10 > hi:
                    typed = ""
                    self.note(self.invalid(inst))
            elif key in ("left", "right"):
                typed = ""
                step_by = 1 if key == "right" else -1
                start = lo if key == "right" else hi
                choice = start if choice is None else min(hi, max(lo, choice + step_by))
            elif key == "enter":
                if choice is not None:
                    return self.confirm(step, pos, choice, keep=have and choice == before)
                if have:  # skipped before: Enter keeps the skip
                    self.end_line()
                    return pos + 1
                self.note(catalogue.text("administer.choose_first", lang))
            elif key == "backspace" and typed:
                typed = typed[:-1]
                choice = int(typed) if typed and lo <= int(typed) <= hi else before
            elif key in ("b", "up", "backspace"):
                if pos == 0:
                    self.note(catalogue.text("administer.at_start", lang))
                    continue
                self.end_line()
                return pos - 1
            elif key == "s":
                if not inst.allow_skip:
                    self.note(catalogue.text("administer.no_skip", lang))
                    continue
                self.end_line()
                self.save(step, None)
                return pos + 1
            elif key == "q":
                self.end_line()
                raise _Stop
            elif key not in ("esc", "down", "other", " "):
                self.note(self.invalid(inst))

    def invalid(self, inst: Instrument) -> str:
        extra = catalogue.text("administer.invalid_skip", self.lang) if inst.allow_skip else ""
        return catalogue.text(
            "administer.invalid", self.lang, lo=inst.scale_min, hi=inst.scale_max, skip=extra
        )

    def end_line(self) -> None:
        self.say()
        self._drawn = 0

    def confirm(self, step: Step, pos: int, value: int, keep: bool = False) -> int:
        self.draw(step.instrument, value)
        self.end_line()
        if not keep:
            self.save(step, value)
        return pos + 1


def _key_mode(keys: bool | None, input_fn: Callable[[str], str], out: TextIO) -> bool:
    """Key mode when asked for, or by default when stdin and ``out`` are terminals."""
    if keys is False or termios is None:
        return False
    if keys is None and input_fn is not input:
        return False
    try:
        return sys.stdin.isatty() and out.isatty()
    except (AttributeError, ValueError):
        return False


def administer(
    db: str | os.PathLike,
    couple: str,
    partner: str | None = None,
    *,
    wave: int = 1,
    battery: str | Sequence[str] = "intake",
    lang: str = "en",
    input_fn: Callable[[str], str] = input,
    out: TextIO | None = None,
    keys: bool | None = None,
) -> int:
    """Administer a battery in the terminal and return an exit code.

    Parameters
    ----------
    db
        Answer database (created with mode 0o600 when missing).
    couple
        Couple code.
    partner
        Role of the partner answering (e.g. ``"A"``); ``None`` runs partners A and B in
        turn, asking to hand over the keyboard in between.
    wave, battery, lang
        Measurement wave (1, 2, ...), battery name or instrument ids, ``"en"`` or ``"nl"``.
    input_fn, out
        Where answers come from and text goes (``input`` and stdout by default).
    keys
        Single-keypress answering on the terminal (stdin must be a tty). ``None`` (default)
        uses it when stdin and ``out`` are terminals and ``input_fn`` is ``input``;
        ``False`` always reads typed lines through ``input_fn``.

    Returns
    -------
    int
        0 when every requested partner finished or stopped with ``q``; 130 after Ctrl-C
        or end of input; 128 + signal number after SIGTERM or SIGHUP. Answers given so far
        are saved in every case.
    """
    out = out or sys.stdout
    lang = catalogue.check_lang(lang)
    couple = check_code(couple)
    roles = [check_code(partner, "partner")] if partner else list(DEFAULT_ROLES)
    instruments = resolve_battery(battery)
    for inst in instruments:  # partners read the items in `lang`: every text must be there
        inst.require_language(lang)
    store = AnswerStore(db)
    store.check_writable()
    use_keys = _key_mode(keys, input_fn, out)
    saved = 0
    if _main_thread():
        # Ctrl-C must stop cleanly even when SIGINT was inherited as ignored
        signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 0
    try:
        with (
            _exit_on_term_signals(),
            KeyTerminal(sys.stdin.fileno()) if use_keys else contextlib.nullcontext() as term,
        ):
            for k, role in enumerate(roles):
                session = store.start_session(
                    couple, role, wave=wave, battery=instruments, lang=lang
                )
                if session.is_finished:
                    out.write(
                        catalogue.text(
                            "administer.already_done", lang, role=role, couple=couple, wave=wave
                        )
                        + "\n"
                    )
                    continue
                if partner is None and k > 0:
                    if term is None:
                        input_fn(catalogue.text("administer.handover", lang, role=role) + " ")
                    else:
                        out.write(catalogue.text("administer.handover", lang, role=role) + "\n")
                        out.flush()
                        term.wait_enter()
                common = dict(lang=lang, input_fn=input_fn, out=out)
                if term is None:
                    runner = TerminalSession(store, session, instruments, **common)
                else:
                    colour = use_colour(out)
                    runner = KeySession(
                        store, session, instruments, term=term, colour=colour, **common
                    )
                try:
                    runner.run()
                finally:
                    saved = len(runner.answers)
    except _Stop:
        pass
    except (KeyboardInterrupt, EOFError):
        code = EXIT_INTERRUPTED
    except _Terminated as exc:
        code = 128 + exc.signum
    else:
        return 0
    with contextlib.suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
        out.write("\n" + catalogue.text("administer.stopped", lang, k=saved) + "\n")
        out.flush()
    return code
