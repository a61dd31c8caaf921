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
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from ..instruments import Instrument
from .batteries import Step, battery_steps, resolve_battery
from .messages import check_lang, t
from .store import AnswerStore, PartnerSession, check_code

EXIT_INTERRUPTED = 130
DEFAULT_ROLES = ("A", "B")


class _Stop(Exception):
    """The partner asked to stop (q)."""


@contextlib.contextmanager
def _defer_sigint() -> Iterator[None]:
    """Hold Ctrl-C while an answer is being committed, then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hit: list[object] = []
    old = signal.signal(signal.SIGINT, lambda *a: hit.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if hit:
        raise KeyboardInterrupt


def _scale_line(inst: Instrument, lang: str, width: int = 78) -> str:
    lo, hi = inst.scale_min, inst.scale_max
    parts = []
    for v in range(lo, hi + 1):
        label = inst.response_scale.label(v, lang)
        parts.append(f"{v} = {label}" if label else str(v))
    lines, line = [], ""
    for part in parts:  # wrap between anchors, never inside one
        if line and len(line) + 3 + len(part) > width - 2:
            lines.append(line)
            line = part
        else:
            line = f"{line}   {part}" if line else part
    lines.append(line)
    return "\n".join("  " + x for x in lines)


class TerminalSession:
    """Runs one partner session in a terminal."""

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
            self.say(t("resume", self.lang, k=len(self.answers), i=min(pos + 1, n), n=n))
        else:
            self.say(t("welcome", self.lang, couple=s.couple, role=s.role, wave=s.wave, n=n))
        shown: str | None = None
        while pos < n:
            step = self.steps[pos]
            if step.instrument.id != shown:
                self.show_instrument(step.instrument)
                shown = step.instrument.id
            pos = self.ask(step, pos)
        self.store.finish(s.id)
        self.say(t("done", self.lang, role=s.role))

    def show_instrument(self, inst: Instrument) -> None:
        self.say()
        self.say("== " + inst.title[self.lang] + " ==")
        if inst.instructions:
            self.say(textwrap.fill(inst.instructions[self.lang], width=78))

    def ask(self, step: Step, pos: int) -> int:
        inst, lang = step.instrument, self.lang
        lo, hi = inst.scale_min, inst.scale_max
        item = inst.item(step.item_id)
        self.say()
        self.say(f"[{t('progress', lang, i=pos + 1, n=len(self.steps))}]")
        self.say(textwrap.fill(item.text[lang], width=78))
        self.say(_scale_line(inst, lang))
        have = step.key in self.answers
        if have:
            v = self.answers[step.key]
            self.say(t("skipped_before", lang) if v is None else t("current", lang, v=v))
        skip = t("prompt_skip", lang) if inst.allow_skip else ""
        while True:
            raw = self.input_fn(t("prompt", lang, lo=lo, hi=hi, skip=skip)).strip().lower()
            if raw.isdigit() and lo <= int(raw) <= hi:
                self.save(step, int(raw))
                return pos + 1
            if raw == "b":
                if pos == 0:
                    self.say(t("at_start", lang))
                    continue
                return pos - 1
            if raw == "s":
                if not inst.allow_skip:
                    self.say(t("no_skip", lang))
                    continue
                self.save(step, None)
                return pos + 1
            if raw == "" and have:
                return pos + 1
            if raw == "q":
                raise _Stop
            extra = t("invalid_skip", lang) if inst.allow_skip else ""
            self.say(t("invalid", lang, lo=lo, hi=hi, skip=extra))

    def save(self, step: Step, value: int | None) -> None:
        with _defer_sigint():
            self.store.save_answer(self.session.id, step.instrument.id, step.item_id, value)
            self.answers[step.key] = value


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

    Returns
    -------
    int
        0 when every requested partner finished or stopped with ``q``; 130 after Ctrl-C
        or end of input (answers given so far are saved).
    """
    out = out or sys.stdout
    lang = check_lang(lang)
    couple = check_code(couple)
    roles = [check_code(partner, "partner")] if partner else list(DEFAULT_ROLES)
    instruments = resolve_battery(battery)
    store = AnswerStore(db)
    store.check_writable()
    saved = 0
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C must stop cleanly even when SIGINT was inherited as ignored
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for k, role in enumerate(roles):
            session = store.start_session(couple, role, wave=wave, battery=instruments, lang=lang)
            if session.is_finished:
                out.write(t("already_done", lang, role=role, couple=couple, wave=wave) + "\n")
                continue
            if partner is None and k > 0:
                input_fn(t("handover", lang, role=role) + " ")
            runner = TerminalSession(
                store, session, instruments, lang=lang, input_fn=input_fn, out=out
            )
            try:
                runner.run()
            finally:
                saved = len(runner.answers)
    except _Stop:
        out.write("\n" + t("stopped", lang, k=saved) + "\n")
        return 0
    except (KeyboardInterrupt, EOFError):
        out.write("\n" + t("stopped", lang, k=saved) + "\n")
        out.flush()
        return EXIT_INTERRUPTED
    return 0
