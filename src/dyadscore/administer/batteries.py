"""Named batteries: the instruments a partner answers in one sitting, in order.

``intake`` is a coach's or study's first session; ``followup`` adds goal progress for a
later wave. A battery can also be given as a comma-separated list of instrument ids or
YAML paths (``"felt-dependence,my-scale.yaml"``).

Examples
--------
>>> [i.id for i in resolve_battery("felt-dependence")]
['felt-dependence']
>>> BATTERIES["followup"][-1]
'goal-progress'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..instruments import Instrument, load_instrument

_INTAKE: tuple[str, ...] = (
    "acceptance-of-dependence",
    "independent-functioning",
    "felt-dependence",
    "responsiveness",
    "attachment-short",
    "relationship-satisfaction",
)
BATTERIES: dict[str, tuple[str, ...]] = {
    "intake": _INTAKE,
    "followup": (*_INTAKE, "goal-progress"),
}


@dataclass(frozen=True)
class Step:
    """One item of a battery, with its place in the whole battery."""

    index: int  # 0-based position in the battery
    instrument: Instrument
    item_id: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.instrument.id, self.item_id)


def resolve_battery(spec: str | Sequence[str | Instrument]) -> list[Instrument]:
    """Instruments of a named battery, a comma-separated list, or a sequence of specs.

    Raises
    ------
    InputError
        Unknown battery or instrument, an instrument listed twice, or two instruments
        sharing an item id (the wide export names columns by item id).
    """
    if isinstance(spec, str):
        names = BATTERIES.get(spec) or tuple(s.strip() for s in spec.split(",") if s.strip())
    else:
        names = tuple(spec)
    if not names:
        raise InputError(
            f"battery {spec!r}: expected one of {', '.join(BATTERIES)} or instrument ids"
        )
    insts = [load_instrument(n) for n in names]
    seen: dict[str, str] = {}
    ids = [i.id for i in insts]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(f"battery {spec!r}: instrument {twice[0]!r} is listed twice")
    for inst in insts:
        for item in inst.item_ids:
            if item in seen:
                raise InputError(
                    f"battery {spec!r}: item id {item!r} occurs in both {seen[item]!r} and "
                    f"{inst.id!r}; item ids must be unique within a battery"
                )
            seen[item] = inst.id
    return insts


def battery_steps(instruments: Sequence[Instrument]) -> list[Step]:
    """All items of a battery in order.

    Examples
    --------
    >>> steps = battery_steps(resolve_battery("felt-dependence"))
    >>> steps[0].index, steps[0].item_id
    (0, 'fd1')
    """
    out: list[Step] = []
    for inst in instruments:
        for item in inst.item_ids:
            out.append(Step(len(out), inst, item))
    return out
