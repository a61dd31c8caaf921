"""Mapping files: from a platform's export to the project's wide response table.

A mapping (YAML) says which export column holds which item, where the person, couple,
role and wave are, and how the partners of a couple are laid out::

    source: qualtrics                 # optional: the platform (else detected)
    instruments: [relationship-satisfaction]   # ids, or YAML paths (beside this file)
    person: ResponseId                # person id column (default: the platform's id)
    couple: couple_code               # couple id column
    role: partner                     # role column ...
    roles: {"1": partner_a, "2": partner_b}   # ... and how to recode its values
    wave: redcap_event_name           # wave column (default: the platform's events)
    waves: {baseline_arm_1: 1, followup_arm_1: 2}
    # wave_value: 1                   # or: the whole file is this wave
    columns:                          # export column -> item id
      Q5_1: sat1
      Q5_2: sat2
    values: {"Helemaal waar": 5}      # extra answer text -> number
    missing: [-99, -98]               # codes meaning "no answer"
    keep: [Finished]                  # extra columns to carry along
    select: {redcap_repeat_instrument: daily}   # only the rows with these values

Partners in one row (each row a couple) use ``layout: same_row`` and one block per role,
either by explicit columns or by a column-name prefix/suffix::

    layout: same_row
    couple: couple_code
    partners:
      partner_a: {prefix: "A_"}                 # A_sat1, A_sat2 ... (names after the
      partner_b: {columns: {Q9_1: sat1, ...}}   #  prefix go through `columns` too)

The default layout, ``rows``, has one row per person; partners share the couple code.
A plain ``{export column: item id}`` file (the ``--map`` format of ``dyadscore score``)
is a mapping with ``columns`` only.

:func:`suggest_mapping` proposes a mapping by matching the export's question text (or
column names) with item text in English or Dutch.

Examples
--------
>>> m = load_mapping({"columns": {"Q1": "sat1"}, "person": "ResponseId"})
>>> m.columns, m.person
({'Q1': 'sat1'}, 'ResponseId')
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..columns import (
    DYAD_CANDIDATES,
    PERSON_CANDIDATES,
    RESPONSE_KEYS,
    person_column,
    present_instruments,
)
from ..errors import InputError, where
from ..instruments import Instrument, list_instruments, load_instrument

_KEYS = {
    "source",
    "instruments",
    "person",
    "couple",
    "role",
    "roles",
    "wave",
    "waves",
    "wave_value",
    "columns",
    "values",
    "missing",
    "keep",
    "layout",
    "partners",
    "select",
}
_LAYOUTS = ("rows", "same_row")


@dataclass
class Mapping:
    """A parsed mapping file (see the module docstring for the YAML keys)."""

    columns: dict[str, str] = field(default_factory=dict)
    person: str | None = None
    couple: str | None = None
    role: str | None = None
    roles: dict[str, Any] = field(default_factory=dict)
    wave: str | None = None
    waves: dict[str, Any] = field(default_factory=dict)
    wave_value: Any = None
    values: dict[str, float] = field(default_factory=dict)
    missing: list[float] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    layout: str = "rows"
    partners: dict[str, dict[str, Any]] = field(default_factory=dict)
    select: dict[str, list[str]] = field(default_factory=dict)
    source: str | None = None
    instruments: list[str] = field(default_factory=list)
    name: str = "mapping"

    @property
    def is_plain(self) -> bool:
        """Only a column renaming (what ``dyadscore.scoring.score(mapping=...)`` accepts)."""
        return self == Mapping(columns=self.columns, name=self.name)


# ------------------------------------------------------------------ loading
def _read_yaml(path: Path) -> Any:
    import yaml

    if not path.is_file():
        raise InputError(f"{path}: mapping file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"{path}:{line} malformed mapping file ({problem})") from None


def _yaml(value: Any) -> str:
    """A value as YAML shows it (``[a, b]``, ``true``, ``null``), not as Python does."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text.removesuffix("...").strip()


def _str_dict(value: Any, key: str, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{name}: '{key}' must be a mapping (key: value), got {_yaml(value)}")
    return {str(k): v for k, v in value.items()}


def load_mapping(spec: Mapping | dict | str | os.PathLike | None) -> Mapping:
    """Parse a mapping from a :class:`Mapping`, a dict, or a YAML/JSON file.

    Raises
    ------
    InputError
        Missing or malformed file, unknown keys, values of the wrong kind.

    Examples
    --------
    >>> load_mapping({"Q1": "sat1"}).columns
    {'Q1': 'sat1'}
    """
    if spec is None:
        return Mapping()
    if isinstance(spec, Mapping):
        return spec
    if isinstance(spec, dict):
        data, name = spec, "mapping"
    else:
        name = str(spec)
        data = _read_yaml(Path(name))
    if not isinstance(data, dict):
        raise InputError(f"{name}: expected a YAML mapping with 'columns:' and id columns")
    if not (set(map(str, data)) & _KEYS) and all(isinstance(v, str) for v in data.values()):
        data = {"columns": data}  # plain {export column: item id}
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(_KEYS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError(
            f"{name}: unknown key '{unknown[0]}'{hint}; expected some of {', '.join(sorted(_KEYS))}"
        )
    columns = _str_dict(data.get("columns"), "columns", name)
    bad = next((k for k, v in columns.items() if not isinstance(v, str)), None)
    if bad is not None:
        raise InputError(f"{name}: columns: '{bad}' must map to an item id (text)")
    layout = str(data.get("layout") or "rows")
    if layout not in _LAYOUTS:
        raise InputError(f"{name}: layout '{layout}' is unknown; expected rows or same_row")
    partners = _str_dict(data.get("partners"), "partners", name)
    for role, spec_ in partners.items():
        if not isinstance(spec_, dict) or not ({"prefix", "suffix", "columns"} & set(spec_)):
            raise InputError(
                f"{name}: partners: '{role}' needs prefix:, suffix: or columns: to find that "
                "partner's answers"
            )
    if layout == "same_row" and len(partners) < 2:
        raise InputError(
            f"{name}: layout same_row needs two partners: blocks (e.g. partner_a, partner_b)"
        )
    insts = data.get("instruments") or []
    for key in ("person", "couple", "role", "wave"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InputError(f"{name}: '{key}' must name a column, got {_yaml(data[key])}")
    try:
        values = {
            str(k).strip().casefold(): float(v)
            for k, v in _str_dict(data.get("values"), "values", name).items()
        }
        missing = [float(v) for v in (data.get("missing") or [])]
    except (TypeError, ValueError):
        raise InputError(f"{name}: 'values' and 'missing' must hold numbers") from None
    return Mapping(
        columns=columns,
        person=data.get("person"),
        couple=data.get("couple"),
        role=data.get("role"),
        roles=_str_dict(data.get("roles"), "roles", name),
        wave=data.get("wave"),
        waves=_str_dict(data.get("waves"), "waves", name),
        wave_value=data.get("wave_value"),
        values=values,
        missing=missing,
        keep=[str(k) for k in (data.get("keep") or [])],
        layout=layout,
        partners=partners,
        select={
            str(k): [str(v) for v in _listify(v)]
            for k, v in _str_dict(data.get("select"), "select", name).items()
        },
        source=data.get("source"),
        instruments=[_beside(name, i) for i in ([insts] if isinstance(insts, str) else insts)],
        name=name,
    )


def _beside(mapping_file: str, spec: Any) -> str:
    """An instrument YAML named in a mapping file: relative to that file's folder."""
    spec = str(spec)
    if mapping_file != "mapping" and spec.endswith((".yaml", ".yml")):
        here = Path(mapping_file).parent / spec
        if not Path(spec).is_absolute() and here.is_file():
            return str(here)
    return spec


# -------------------------------------------------------------- applying
def _missing_column(col: str, df: pd.DataFrame, what: str, m: Mapping, src: str) -> InputError:
    close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return InputError(
        f"{m.name}: {what} names column '{col}', which is not in {src}{hint}; fix the mapping "
        "or pick the export that has it"
    )


def _require(df: pd.DataFrame, cols: list[str], what: str, m: Mapping, src: str) -> None:
    for col in cols:
        if col not in df.columns:
            raise _missing_column(col, df, what, m, src)


def _select_rows(df: pd.DataFrame, m: Mapping, src: str) -> pd.DataFrame:
    """Only the rows whose ``select`` columns hold one of the listed values (text compared;
    an empty cell is ``""``), keeping the rows' positions for messages."""
    keep = np.ones(len(df), dtype=bool)
    for col, wanted in m.select.items():
        _require(df, [col], "select", m, src)
        keep &= df[col].astype("string").fillna("").isin(wanted).to_numpy()
    if not keep.any():
        col, wanted = next(iter(m.select.items()))
        seen = ", ".join(map(repr, pd.unique(df[col].astype("string").fillna(""))[:5]))
        raise InputError(
            f"{src}: column {col!r}: no row holds {' or '.join(map(repr, wanted))} "
            f"(the value {m.name} selects); expected one of the values in the file: {seen}"
        )
    out = df.loc[keep]
    out.attrs = dict(df.attrs)
    return out


def _unstack_partners(df: pd.DataFrame, m: Mapping, src: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per couple with A/B blocks -> one row per person (role column added)."""
    blocks: dict[str, dict[str, str]] = {}
    for role, spec in m.partners.items():
        cols: dict[str, str] = {}
        explicit = _str_dict(spec.get("columns"), f"partners.{role}.columns", m.name)
        _require(df, list(explicit), f"partners.{role}.columns", m, src)
        cols.update({k: str(v) for k, v in explicit.items()})
        prefix, suffix = str(spec.get("prefix") or ""), str(spec.get("suffix") or "")
        if prefix or suffix:
            hits = [
                c
                for c in df.columns
                if c.startswith(prefix) and c.endswith(suffix) and len(c) > len(prefix + suffix)
            ]
            if not hits:
                raise InputError(
                    f"{m.name}: partners.{role}: no column of {src} starts with '{prefix}'"
                    + (f" and ends with '{suffix}'" if suffix else "")
                )
            for c in hits:
                bare = c[len(prefix) : len(c) - len(suffix)]
                cols.setdefault(c, m.columns.get(bare, bare))
        blocks[role] = cols
    owned = {c for cols in blocks.values() for c in cols}
    owned |= {str(s["person"]) for s in m.partners.values() if s.get("person")}
    shared = [c for c in df.columns if c not in owned]
    parts = []
    items: list[str] = []
    for k, (role, cols) in enumerate(blocks.items()):
        part = df[shared].copy()
        for c, item in cols.items():
            part[item] = df[c].to_numpy()
            if item not in items:
                items.append(item)
        part["role"] = role
        person_col = m.partners[role].get("person")
        if person_col:
            _require(df, [str(person_col)], f"partners.{role}.person", m, src)
            part["person"] = df[str(person_col)].to_numpy()
        part["__row"] = np.arange(len(df))
        part["__k"] = k
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).sort_values(["__row", "__k"], kind="stable")
    if (
        "person" not in out.columns
        or m.partners
        and not all(s.get("person") for s in m.partners.values())
    ):
        base = (
            out[m.couple].astype(str)
            if m.couple and m.couple in out.columns
            else (out["__row"] + 1).astype(str)
        )
        out["person"] = base + "_" + out["role"]
    out = out.drop(columns=["__row", "__k"]).reset_index(drop=True)
    out.attrs.update(df.attrs)
    return out, items


def _recode(s: pd.Series, table: dict[str, Any], what: str, m: Mapping, src: str) -> pd.Series:
    if not table:
        return s
    keys = s.map(lambda v: "" if pd.isna(v) else str(v).removesuffix(".0"))
    unknown = sorted(set(keys[keys != ""]) - set(table))
    if unknown:
        raise InputError(
            f"{m.name}: {what} has no entry for value '{unknown[0]}' found in {src}; add it "
            f"(known: {', '.join(map(str, table)) or 'none'})"
        )
    return keys.map(lambda v: table.get(v, np.nan))


def _label_lookup(inst: Instrument) -> dict[str, float]:
    table = {}
    for labels in inst.response_scale.labels.values():
        for code, text in labels.items():
            table[_norm_label(text)] = float(code)
    return table


def _norm_label(text: Any) -> str:
    t = re.sub(r"<[^>]+>", "", str(text)).strip().casefold()
    return re.sub(r"\s+", " ", t)


def _numeric_items(
    df: pd.DataFrame,
    items: list[str],
    by_item: dict[str, Instrument],
    m: Mapping,
    src: str,
    person: pd.Series,
    origin: dict[str, str],
) -> None:
    """Item columns to float: answer text via labels, declared missing codes to NaN."""
    for item in items:
        s = df[item]
        inst = by_item.get(item)
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            text = s.astype("string").str.strip()
            blank = text.isna() | (text == "")
            num = pd.to_numeric(
                text.str.replace(",", ".", regex=False).mask(blank), errors="coerce"
            )
            lookup = {**(_label_lookup(inst) if inst else {}), **m.values}
            need = num.isna() & ~blank
            if need.any():
                norm = (
                    text[need]
                    .str.replace(r"<[^>]+>", "", regex=True)
                    .str.strip()
                    .str.casefold()
                    .str.replace(r"\s+", " ", regex=True)
                )
                mapped = norm.map(lookup)
                num = num.astype("float64")
                num[need] = mapped.astype("float64")
                bad = need & num.isna()
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    scale = f"of {inst.id!r} " if inst else ""
                    raise InputError(
                        f"{where(src, person.iloc[i], origin.get(item, item))}: answer "
                        f"{text.iloc[i]!r} is not a number and matches no answer label "
                        f"{scale}; export numeric values, or add it under 'values:' in the mapping"
                    )
            s = num
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        if m.missing:
            values = np.where(np.isin(values, m.missing), np.nan, values)
        df[item] = values


def _check_value_labels(
    raw: pd.DataFrame,
    items: list[str],
    by_item: dict[str, Instrument],
    m: Mapping,
    origin: dict[str, str],
) -> None:
    """SPSS/Stata value labels of item variables must fit the instrument's scale."""
    vlabels = raw.attrs.get("value_labels") or {}
    declared = raw.attrs.get("missing_codes") or {}
    src = raw.attrs.get("file", "data")
    for item in items:
        col = origin.get(item, item)
        inst = by_item.get(item)
        labels = vlabels.get(col)
        if not labels or inst is None:
            continue
        skip = set(m.missing) | {c for c in declared.get(col, []) if not isinstance(c, tuple)}
        codes = {}
        for k, v in labels.items():
            try:
                code = float(k)
            except (TypeError, ValueError):
                continue
            if code not in skip and not any(
                isinstance(r, tuple) and r[0] <= code <= r[1] for r in declared.get(col, [])
            ):
                codes[code] = v
        if not codes:
            continue
        lo, hi = inst.scale_min, inst.scale_max
        cmin, cmax = min(codes), max(codes)
        if cmin < lo or cmax > hi:
            raise InputError(
                f"{src}: column '{col}' ({item}): value labels run {cmin:g}-{cmax:g} "
                f"({codes[cmin]!r} .. {codes[cmax]!r}) but the response scale of {inst.id!r} is "
                f"{lo}-{hi}; recode the variable to {lo}-{hi} (and its labels), or declare the "
                "extra codes as missing (missing: in the mapping)"
            )
        anchors = _label_lookup(inst)
        for code, text in sorted(codes.items()):
            meant = anchors.get(_norm_label(text))
            if meant is not None and meant != code:
                raise InputError(
                    f"{src}: column '{col}' ({item}): value {code:g} is labelled {text!r}, which "
                    f"is {meant:g} on the scale of {inst.id!r}; the variable looks recoded or "
                    "reversed: recode it so that the labels match the instrument"
                )


def _instruments_for(items: list[str], explicit: list[Any]) -> dict[str, Instrument]:
    """``{item id: instrument}`` for explicit instruments, or shipped ones with these items."""
    if explicit:
        insts = [load_instrument(i) for i in explicit]
    else:
        insts = [load_instrument(i) for i in present_instruments(items, partial=True)]
    by_item: dict[str, Instrument] = {}
    for inst in insts:
        for it in inst.item_ids:
            by_item.setdefault(it, inst)
    return by_item


def _pick(df: pd.DataFrame, explicit: str | None, candidates: list[str]) -> str | None:
    if explicit:
        return explicit
    return next((c for c in candidates if c in df.columns), None)


def _varying(df: pd.DataFrame, cols: list[str]) -> list[str]:
    return [c for c in cols if c in df.columns and df[c].dropna().nunique() > 1]


def _wave(df: pd.DataFrame, m: Mapping, src: str, defaults: dict) -> pd.Series | None:
    platform_waves = [c for c in defaults.get("wave", []) if c in df.columns]
    if m.wave:
        return _recode(df[m.wave], m.waves, "waves", m, src)
    varying = _varying(df, platform_waves)
    if m.wave_value is not None:
        if varying:
            col = varying[0]
            vals = ", ".join(map(str, df[col].dropna().unique()[:3]))
            raise InputError(
                f"{src}: the file mixes waves ({col} has {df[col].dropna().nunique()} values: "
                f"{vals}) but the mapping says it is all wave {m.wave_value}; name the wave "
                f"column instead (wave: {col}) or export one wave"
            )
        return pd.Series([m.wave_value] * len(df), index=df.index)
    if "wave" in df.columns:
        return _recode(df["wave"], m.waves, "waves", m, src)
    if not varying:
        return None
    if len(varying) == 1:
        return _recode(df[varying[0]], m.waves, "waves", m, src)
    combined = df[varying[0]].astype(str) + "/" + df[varying[1]].astype("string").fillna("")
    return _recode(combined, m.waves, "waves", m, src)


def _check_one_row(
    out: pd.DataFrame, src: str, m: Mapping, defaults: dict, raw: pd.DataFrame
) -> None:
    keys = ["person", "wave"] if "wave" in out.columns else ["person"]
    dup = out.duplicated(keys, keep=False)
    if not dup.any():
        return
    rows = np.flatnonzero(dup.to_numpy())
    first = _plain(out["person"].iloc[rows[0]])
    same = rows[out["person"].iloc[rows].to_numpy() == first][:2]
    if "wave" in out.columns:
        raise InputError(
            f"{src}: person {first!r} has two rows in wave {_plain(out['wave'].iloc[same[0]])!r} "
            f"(rows {same[0] + 1} and {same[1] + 1}); expected one row per person and wave"
        )
    hint = next((c for c in defaults.get("wave", []) if c in raw.columns), None)
    raise InputError(
        f"{src}: person {first!r} has several rows (rows {same[0] + 1} and {same[1] + 1}): the "
        "file mixes waves or repeated responses; name the wave column in the mapping "
        f"(wave: {hint or 'COLUMN'}) or keep one row per person"
    )


def _check_formr_keys(
    raw: pd.DataFrame, items: list[str], by_item: dict[str, Instrument], origin: dict[str, str]
) -> None:
    marked = set(raw.attrs.get("reversed_in_source") or [])
    src = raw.attrs.get("file", "data")
    for item in items:
        col = origin.get(item, item)
        inst = by_item.get(item)
        if col in marked and inst is not None and item not in inst.reverse_items:
            raise InputError(
                f"{src}: column '{col}R' is reverse-keyed in formr (name ends in R) but item "
                f"{item!r} of {inst.id!r} is not; rename the formr item or map it to the right item"
            )


def apply_mapping(
    raw: pd.DataFrame,
    mapping: Mapping | dict | str | os.PathLike | None = None,
    *,
    instruments: Any = None,
) -> pd.DataFrame:
    """Turn a platform reader's frame into the project's wide response table.

    Output columns: ``person`` (always), ``couple``, ``role``, ``wave`` (when known), the
    platform's other id columns when filled (e.g. Qualtrics ``ResponseId`` when the
    mapping takes ``person`` from elsewhere, ``ExternalReference``, LimeSurvey ``token``),
    then the item columns (float, NaN for no answer) and any ``keep`` columns. Without
    ``columns:`` in the mapping every non-metadata column is kept under its own name;
    a Qualtrics export of a survey made by ``dyadscore instruments export --to qsf``
    has its ``<instrument>_<item>`` columns read as the items. Person ids are the
    platform's; only an export without any (no id column, or one empty in every row)
    gets numbered ids, and ``attrs["person_ids"]`` says which. Repeated export names
    made unique on reading are listed in ``attrs["renamed"]``.

    Raises
    ------
    InputError
        A column the mapping names is missing; answer text that is no answer label; value
        labels that do not fit the instrument's scale; a file that mixes waves; more than
        one row per person (and wave).

    Examples
    --------
    >>> raw = pd.DataFrame({"ResponseId": ["R_1"], "Q1": ["Mostly true"]})
    >>> apply_mapping(raw, {"columns": {"Q1": "sat1"}, "person": "ResponseId"}).to_dict("records")
    [{'person': 'R_1', 'sat1': 4.0}]
    """
    m = load_mapping(mapping)
    src = raw.attrs.get("file") or "data"
    defaults = raw.attrs.get("defaults") or {}
    if m.select:
        raw = _select_rows(raw, m, src)
    df = raw
    origin: dict[str, str] = {}
    if m.layout == "same_row":
        _require(df, [c for c in (m.couple, m.wave) if c] + m.keep, "the mapping", m, src)
        df, items = _unstack_partners(df, m, src)
    else:
        if not m.columns and raw.attrs.get("platform") == "qualtrics":
            # a survey made by `dyadscore instruments export --to qsf`: matrix columns are
            # <question export tag>_<item id>
            m = _with_qsf_columns(df, m, instruments)
        _require(df, list(m.columns), "columns", m, src)
        for key in ("person", "couple", "role", "wave"):
            col = getattr(m, key)
            if col:
                _require(df, [col], key, m, src)
        _require(df, m.keep, "keep", m, src)
        clash = [v for v in m.columns.values() if v in df.columns and v not in m.columns]
        if clash:
            raise InputError(
                f"{m.name}: columns maps a column to '{clash[0]}', but {src} already has a "
                f"column '{clash[0]}'; map that one instead or drop it"
            )
        items = list(dict.fromkeys(m.columns.values()))
        origin = {v: k for k, v in m.columns.items()}
        df = df.rename(columns=m.columns)
    person_col = _pick(df, m.person, [*defaults.get("person", []), *PERSON_CANDIDATES])
    made_up = None
    if person_col is not None and m.person is None:
        blank = df[person_col].isna() | df[person_col].astype("string").str.strip().eq("")
        if blank.all():  # e.g. formr test sessions: the platform wrote no id at all
            made_up = f"column '{person_col}' is empty in every row"
            person_col = None
    if person_col is None:
        # no id exists anywhere in the export: number the responses (never done when
        # the platform wrote an id)
        person = pd.Series([f"response {i + 1}" for i in range(len(df))], index=df.index)
        made_up = made_up or "the export has no person id column"
    else:
        person = df[person_col]
        blank = person.isna() | person.astype("string").str.strip().eq("").fillna(False)
        if blank.any():
            i = int(np.flatnonzero(blank.to_numpy())[0])
            raise InputError(
                f"{src}: row {i + 1}: no person id in column '{person_col}'; every response needs one"
            )
    ids: dict[str, pd.Series] = {"person": person}
    couple_col = _pick(df, m.couple, list(DYAD_CANDIDATES))
    if couple_col:
        ids["couple"] = df[couple_col]
    role_col = m.role or ("role" if "role" in df.columns else None)
    if role_col:
        ids["role"] = _recode(df[role_col], m.roles, "roles", m, src)
    wave = _wave(df, m, src, defaults)
    if wave is not None:
        ids["wave"] = wave
    for key in ("couple", "role"):  # entered once (intake form, baseline event): per person
        if key in ids and ids[key].isna().any():
            ids[key] = ids[key].groupby(person.to_numpy()).transform("first")
    ids = {k: _tidy_id(v) for k, v in ids.items()}
    # every id column the platform writes (response id, external reference) stays
    for col in defaults.get("ids", []):
        if col in df.columns and col != person_col and col not in ids and col not in m.columns:
            s_ = df[col]
            if s_.notna().any() and s_.astype("string").str.strip().fillna("").ne("").any():
                ids[col] = _tidy_id(s_)
    if not items:
        used = {person_col, couple_col, role_col, m.wave, *defaults.get("wave", []), *ids}
        used |= set(DYAD_CANDIDATES)
        meta = set(defaults.get("meta", []))
        items = [
            c for c in df.columns if c not in used and c not in meta and c not in RESPONSE_KEYS
        ]
        by_item = _instruments_for(items, m.instruments or _listify(instruments))
        numeric = [c for c in items if c in by_item]
    else:
        by_item = _instruments_for(items, m.instruments or _listify(instruments))
        numeric = items
    out = pd.DataFrame(ids, index=df.index)
    extra = [c for c in dict.fromkeys((*items, *m.keep)) if c not in out.columns]
    out = pd.concat([out, df[extra]], axis=1).reset_index(drop=True)
    _check_value_labels(raw, numeric, by_item, m, origin)
    _check_formr_keys(raw, numeric, by_item, origin)
    _numeric_items(out, numeric, by_item, m, src, out["person"], origin)
    _check_one_row(out, src, m, defaults, raw)
    out.attrs = {
        "file": src,
        "platform": raw.attrs.get("platform"),
        "labels": {origin.get(c, c): t for c, t in (raw.attrs.get("labels") or {}).items()},
        "mapping": m.name,
        "renamed": dict(raw.attrs.get("renamed") or {}),
        "person_ids": f"numbered 'response 1', 'response 2', ...: {made_up}"
        if made_up
        else f"from column '{person_col}'",
    }
    return out


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (messages never show ``np.int64(1)``)."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _with_qsf_columns(df: pd.DataFrame, m: Mapping, instruments: Any) -> Mapping:
    """The mapping with ``columns:`` for a Qualtrics export of a survey dyadscore made."""
    from dataclasses import replace

    from .export import qualtrics_columns

    specs = m.instruments or _listify(instruments) or list_instruments()
    found: dict[str, str] = {}
    for inst in (load_instrument(i) for i in specs):
        cols = qualtrics_columns(inst)
        if any(c in df.columns for c in cols):
            found.update({c: i for c, i in cols.items() if c in df.columns})
    if not found or any(item in df.columns for item in found.values()):
        return m
    return replace(m, columns=found)


def _tidy_id(s: pd.Series) -> pd.Series:
    """Whole-number float ids (SPSS stores every number as float) back to integers."""
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy()
        ok = ~np.isnan(v)
        if ok.any() and np.all(v[ok] == np.round(v[ok])):
            return s.astype("int64") if ok.all() else s.astype("Int64")
    return s


def _listify(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str | os.PathLike | Instrument):
        return [value]
    return list(value)


# ------------------------------------------------------------- suggesting
def _norm_text(text: Any) -> str:
    t = re.sub(r"<[^>]+>", " ", str(text)).casefold()
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _texts_of(column: str, label: str | None) -> list[str]:
    out = [_norm_text(column)]
    if "." in column:  # SurveyJS matrix answer flattened as "question.row"
        out.append(_norm_text(column.rsplit(".", 1)[1]))
    if label:
        out.append(_norm_text(label))
        if " - " in label:  # Qualtrics matrix: "instructions - statement"
            out.append(_norm_text(label.rsplit(" - ", 1)[1]))
        sub = re.search(r"\[([^\[\]]+)\]\s*$", label)
        if sub:  # LimeSurvey array: "question text [subquestion text]"
            out.append(_norm_text(sub.group(1)))
    return [t for t in out if t]


def _similarity(a: list[str], b: list[str]) -> float:
    best = 0.0
    for x in a:
        for y in b:
            if x == y:
                return 1.0
            sm = difflib.SequenceMatcher(None, x, y, autojunk=False)
            if sm.real_quick_ratio() <= best or sm.quick_ratio() <= best:
                continue
            best = max(best, sm.ratio())
    return best


_COUPLE = re.compile(r"(^|[\W_])(couple|dyad|pair|paar|koppel)([\W_]|$)", re.I)
_ROLE = re.compile(r"(^|[\W_])(role|rol|partner|gender|sex|geslacht)([\W_]|$)", re.I)
_WAVE = re.compile(r"^(wave|meting|time|timepoint|tijdstip)$", re.I)


def _id_guess(raw: pd.DataFrame, pattern: re.Pattern, exclude: set) -> str | None:
    """The shortest column name matching ``pattern`` that is not an item column."""
    hits = [str(c) for c in raw.columns if c not in exclude and pattern.search(str(c))]
    return min(hits, key=len) if hits else None


def suggest_mapping(
    export: Any,
    instruments: Any,
    *,
    source: str = "auto",
    cutoff: float = 0.6,
) -> dict[str, Any]:
    """Propose a mapping by matching the export's questions with item text (en or nl).

    Each export column is compared with every item by its name and, where the export
    carries it, its question text (Qualtrics second header row, SPSS variable labels,
    REDCap label headers), using :class:`difflib.SequenceMatcher` on normalised text;
    an exact item id (or formr ``<id>R``) scores 1. Pairs are assigned one-to-one from
    the best score down; pairs scoring below ``cutoff`` are left out.

    Parameters
    ----------
    export : DataFrame or path
        The raw export (question texts read from ``attrs["labels"]`` or the file).
    instruments : id, path, Instrument or a list of them
        Instruments whose items are matched.
    source : str
        Survey platform of a path (``"auto"`` detects it).
    cutoff : float
        Smallest similarity (0-1) for a pair to be proposed.

    Returns
    -------
    dict
        ``source, instruments, person, couple, role, wave, columns`` ready for YAML, plus
        ``scores`` (``{column: [item, score, text]}``) and ``unmatched`` item ids.

    Examples
    --------
    >>> raw = pd.DataFrame({"Q1": [5], "Q2": [3]})
    >>> raw.attrs["labels"] = {"Q1": "I often feel let down by our relationship.",
    ...                        "Q2": "Being in this relationship adds a lot of good to my life."}
    >>> suggest_mapping(raw, "relationship-satisfaction")["columns"]
    {'Q2': 'sat2', 'Q1': 'sat3'}
    """
    from . import read_raw

    try:
        ok = 0 <= float(cutoff) <= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(
            f"cutoff {cutoff}: expected the lowest text similarity to accept, a number from 0 "
            "to 1 (e.g. 0.6)"
        )
    raw = export if isinstance(export, pd.DataFrame) else read_raw(export, source=source)
    insts = [load_instrument(i) for i in _listify(instruments)]
    labels = raw.attrs.get("labels") or {}
    defaults = raw.attrs.get("defaults") or {}
    meta = set(defaults.get("meta", [])) | set(defaults.get("person", []))
    cols = [c for c in raw.columns if c not in meta]
    items = [(inst, it) for inst in insts for it in inst.items]
    item_texts = {
        it.id: [_norm_text(it.id), *(_norm_text(t) for t in it.text.values())] for _, it in items
    }
    reversed_src = set(raw.attrs.get("reversed_in_source") or [])
    pairs = []
    for col in cols:
        texts = _texts_of(str(col), labels.get(col))
        for inst, it in items:
            if str(col) == it.id or (str(col) == f"{it.id}R"):
                score = 1.0
            else:
                score = _similarity(texts, item_texts[it.id])
            if score >= cutoff:
                pairs.append((score, str(col), it.id, inst.id))
    pairs.sort(key=lambda p: (-p[0], p[1]))
    columns: dict[str, str] = {}
    scores: dict[str, list] = {}
    taken: set[str] = set()
    for score, col, item, _inst in pairs:
        if col in columns or item in taken:
            continue
        columns[col] = item
        taken.add(item)
        scores[col] = [item, round(score, 3), labels.get(col, "")]
    order = {it.id: k for k, (_, it) in enumerate(items)}
    columns = dict(sorted(columns.items(), key=lambda kv: order[kv[1]]))
    person = next((c for c in defaults.get("person", []) if c in raw.columns), None)
    person = person or person_column(raw.columns)
    wave = next((c for c in _varying(raw, defaults.get("wave", []))), None)
    out: dict[str, Any] = {
        "source": raw.attrs.get("platform") or source,
        "instruments": [i.id for i in insts],
        "person": person,
        "couple": _id_guess(raw, _COUPLE, set(columns)),
        "role": _id_guess(raw, _ROLE, set(columns)),
        "wave": wave or next((c for c in raw.columns if _WAVE.match(str(c))), None),
        "columns": columns,
        "scores": scores,
        "unmatched": [it.id for _, it in items if it.id not in taken],
    }
    if reversed_src:
        out["reversed_in_source"] = sorted(reversed_src)
    return out


def mapping_yaml(suggestion: dict[str, Any]) -> str:
    """YAML text of a :func:`suggest_mapping` result, with each match's score as a comment.

    Examples
    --------
    >>> print(mapping_yaml({"source": "csv", "instruments": ["x"], "person": "id",
    ...                     "columns": {"Q1": "sat1"}, "scores": {"Q1": ["sat1", 0.91, "Happy?"]},
    ...                     "unmatched": []}))
    # dyadscore mapping (suggested: check every line before use)
    source: csv
    instruments: [x]
    person: id
    # couple: COLUMN
    # role: COLUMN
    # wave: COLUMN
    columns:
      Q1: sat1  # 0.91 Happy?
    <BLANKLINE>
    """
    import yaml

    def scalar(v: Any) -> str:
        return (
            yaml.safe_dump(v, default_flow_style=True, allow_unicode=True)
            .strip()
            .removesuffix("\n...")
            .strip()
        )

    lines = ["# dyadscore mapping (suggested: check every line before use)"]
    for key in ("source", "instruments", "person", "couple", "role", "wave"):
        value = suggestion.get(key)
        if value is None:
            lines.append(f"# {key}: COLUMN")
        else:
            lines.append(f"{key}: {scalar(value)}")
    lines.append("columns:")
    for col, item in suggestion.get("columns", {}).items():
        _, score, text = suggestion.get("scores", {}).get(col, [item, None, ""])
        short = re.sub(r"\s+", " ", str(text))[:60]
        note = f"  # {score:.2f} {short}".rstrip() if score is not None else ""
        lines.append(f"  {scalar(str(col))}: {scalar(item)}{note}")
    if suggestion.get("unmatched"):
        lines.append(f"# not matched: {', '.join(suggestion['unmatched'])}")
    return "\n".join(lines) + "\n"
