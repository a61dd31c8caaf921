"""Instruments to the platforms (a Qualtrics ``.qsf``, a REDCap data dictionary, SurveyJS JSON) and back.

A REDCap data dictionary CSV also loads as an instrument
(:func:`instrument_from_redcap`, ``dyadscore instruments import dict.csv``), closing the
round trip with ``instruments export --to redcap``.

Each export asks for the couple code and the partner's role first (``dyad=True``), then
every item with the instrument's answer labels, and names the answer columns so that the
platform's response export reads back with :func:`dyadscore.formats.read_responses`
without a column mapping:

- **REDCap** data dictionary CSV with the 18 columns of REDCap's dictionary
  (``Variable / Field Name``, ``Form Name``, ``Section Header``, ``Field Type``,
  ``Field Label``, ``Choices, Calculations, OR Slider Labels`` ... ``Field Annotation``;
  https://bdeveer.github.io/REDCap_KB_RAG/RC-FD-08_Data-Dictionary-Column-Reference-and-Advanced-Techniques/);
  items are ``radio`` fields with choices ``1, label | 2, label``, grouped in a matrix;
  field names are the item ids. Reverse keys are noted in the field annotation.
- **Qualtrics** survey file (JSON: ``SurveyEntry`` and ``SurveyElements`` with the block
  list ``BL``, survey flow ``FL``, question count ``QC`` and one ``SQ`` per question;
  https://gist.github.com/dreftymac/47ccfa837e7f89d7a37539a6fc25dcac,
  https://blog.askesis.pl/post/2019/04/qualtrics-generate.html); items form one Likert
  matrix whose statements carry the item ids as export tags and whose answers are
  recoded to the scale values. Qualtrics names a statement's response column
  ``<question export tag>_<statement export tag>`` (``relationship_satisfaction_sat1``;
  :func:`qualtrics_columns`), and :func:`dyadscore.formats.read_responses` maps such
  columns back to the item ids without a mapping file.
- **SurveyJS** survey JSON: one ``rating`` question per item (``rateMin``/``rateMax``,
  end labels), texts localised as ``{"default": en, "nl": nl}``
  (https://surveyjs.io/form-library/documentation/handle-survey-results-access).

Examples
--------
>>> text = export_instrument("relationship-satisfaction", "redcap")
>>> text.splitlines()[0].startswith('"Variable / Field Name","Form Name"')
True
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..instruments import Instrument, load_instrument

TARGETS = ("redcap", "qsf", "surveyjs")
REDCAP_COLUMNS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
ROLES = {
    "partner_a": {"en": "Partner A", "nl": "Partner A"},
    "partner_b": {"en": "Partner B", "nl": "Partner B"},
}
DYAD_TEXT = {
    "couple": {
        "en": "Couple code (the same code for both partners)",
        "nl": "Paarcode (dezelfde code voor beide partners)",
    },
    "role": {"en": "Which partner are you?", "nl": "Welke partner bent u?"},
}


def _labels(inst: Instrument, lang: str) -> dict[int, str]:
    labels = inst.response_scale.labels.get(lang) or inst.response_scale.labels.get("en") or {}
    return {v: labels.get(v, str(v)) for v in range(inst.scale_min, inst.scale_max + 1)}


def _form_name(inst: Instrument) -> str:
    return re.sub(r"[^a-z0-9_]", "_", inst.id.lower())


def qualtrics_columns(inst: Instrument) -> dict[str, str]:
    """``{response-export column: item id}`` of a survey made from :func:`qualtrics_qsf`.

    The items form one matrix question whose export tag is the instrument id with ``_``
    for ``-`` and whose statements carry the item ids as export tags; Qualtrics names a
    matrix statement's column ``<question export tag>_<statement export tag>``.

    Parameters
    ----------
    inst : Instrument

    Returns
    -------
    dict
        ``{column name in the Qualtrics response export: item id}``.

    Examples
    --------
    >>> list(qualtrics_columns(load_instrument("relationship-satisfaction")))[:2]
    ['relationship_satisfaction_sat1', 'relationship_satisfaction_sat2']
    """
    tag = _form_name(inst)
    return {f"{tag}_{it.id}": it.id for it in inst.items}


def redcap_dictionary(inst: Instrument, *, lang: str = "en", dyad: bool = True) -> str:
    """REDCap data dictionary CSV text for one instrument.

    Examples
    --------
    >>> "sat3" in redcap_dictionary(load_instrument("relationship-satisfaction"))
    True
    """
    form = _form_name(inst)
    rows: list[list[str]] = []

    def row(name: str, ftype: str, label: str, **kw: str) -> None:
        r = dict.fromkeys(REDCAP_COLUMNS, "")
        r.update(
            {
                "Variable / Field Name": name,
                "Form Name": form,
                "Field Type": ftype,
                "Field Label": label,
            }
        )
        r.update({REDCAP_COLUMNS[int(k[1:])]: v for k, v in kw.items()})
        rows.append([r[c] for c in REDCAP_COLUMNS])

    row("record_id", "text", "Record ID")
    if dyad:
        row("couple_id", "text", DYAD_TEXT["couple"][lang], c12="y")
        choices = " | ".join(f"{k + 1}, {r[lang]}" for k, r in enumerate(ROLES.values()))
        row("role", "radio", DYAD_TEXT["role"][lang], c5=choices, c12="y")
    choices = " | ".join(f"{v}, {t}" for v, t in _labels(inst, lang).items())
    header = (inst.instructions or {}).get(lang, "") if inst.instructions else ""
    rule = inst.missing
    missing = rule.rule + (f" {rule.min_answered:g}" if rule.rule == "prorate" else "")
    for k, item in enumerate(inst.items):
        name = item.id.lower()
        subs = ", ".join(
            f"{n} ({sub.method})" for n, sub in inst.subscales.items() if item.id in sub.items
        )
        note = (
            f"dyadscore {inst.id} {inst.version} item {item.id}"
            + (" (reverse-keyed)" if item.reverse else "")
            + f"; subscales: {subs or '-'}; missing: {missing}"
        )
        row(
            name,
            "radio",
            item.text[lang],
            c2=header if k == 0 else "",
            c5=choices,
            c15=form,
            c17=note,
        )
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(REDCAP_COLUMNS)
    writer.writerows(rows)
    # REDCap's own download quotes every header except Identifier?
    head = ",".join(c if c == "Identifier?" else f'"{c}"' for c in REDCAP_COLUMNS)
    return head + "\n" + buf.getvalue().split("\n", 1)[1]


def _sq(qid: str, payload: dict[str, Any], survey_id: str) -> dict[str, Any]:
    return {
        "SurveyID": survey_id,
        "Element": "SQ",
        "PrimaryAttribute": qid,
        "SecondaryAttribute": re.sub(r"<[^>]+>", "", str(payload.get("QuestionText", "")))[:99],
        "TertiaryAttribute": None,
        "Payload": {
            "QuestionID": qid,
            "DataVisibility": {"Private": False, "Hidden": False},
            **payload,
        },
    }


def qualtrics_qsf(inst: Instrument, *, lang: str = "en", dyad: bool = True) -> str:
    """Qualtrics survey file (.qsf JSON) for one instrument.

    Examples
    --------
    >>> qsf = json.loads(qualtrics_qsf(load_instrument("relationship-satisfaction")))
    >>> sorted(e["Element"] for e in qsf["SurveyElements"])[:3]
    ['BL', 'FL', 'QC']
    """
    survey_id = "SV_" + re.sub(r"[^A-Za-z0-9]", "", inst.id)[:15]
    questions: list[dict[str, Any]] = []
    if dyad:
        questions.append(
            {
                "QuestionText": DYAD_TEXT["couple"][lang],
                "DataExportTag": "couple",
                "QuestionType": "TE",
                "Selector": "SL",
                "Configuration": {"QuestionDescriptionOption": "UseText"},
                "QuestionDescription": DYAD_TEXT["couple"][lang],
                "Validation": {
                    "Settings": {"ForceResponse": "ON", "ForceResponseType": "ON", "Type": "None"}
                },
                "Language": [],
            }
        )
        questions.append(
            {
                "QuestionText": DYAD_TEXT["role"][lang],
                "DataExportTag": "role",
                "QuestionType": "MC",
                "Selector": "SAVR",
                "SubSelector": "TX",
                "Configuration": {"QuestionDescriptionOption": "UseText"},
                "QuestionDescription": DYAD_TEXT["role"][lang],
                "Choices": {str(k + 1): {"Display": r[lang]} for k, r in enumerate(ROLES.values())},
                "ChoiceOrder": list(range(1, len(ROLES) + 1)),
                "RecodeValues": {str(k + 1): str(k + 1) for k in range(len(ROLES))},
                "Validation": {
                    "Settings": {"ForceResponse": "ON", "ForceResponseType": "ON", "Type": "None"}
                },
                "Language": [],
            }
        )
    labels = _labels(inst, lang)
    intro = (inst.instructions or {}).get(lang) if inst.instructions else inst.title[lang]
    questions.append(
        {
            "QuestionText": intro,
            "DataExportTag": _form_name(inst),
            "QuestionType": "Matrix",
            "Selector": "Likert",
            "SubSelector": "SingleAnswer",
            "Configuration": {
                "QuestionDescriptionOption": "UseText",
                "TextPosition": "inline",
                "ChoiceColumnWidth": 25,
                "RepeatHeaders": "none",
                "WhiteSpace": "OFF",
                "MobileFirst": True,
            },
            "QuestionDescription": inst.title[lang],
            "Choices": {str(k + 1): {"Display": it.text[lang]} for k, it in enumerate(inst.items)},
            "ChoiceOrder": list(range(1, len(inst.items) + 1)),
            "ChoiceDataExportTags": {str(k + 1): it.id for k, it in enumerate(inst.items)},
            "Answers": {str(k + 1): {"Display": t} for k, t in enumerate(labels.values())},
            "AnswerOrder": list(range(1, len(labels) + 1)),
            "RecodeValues": {str(k + 1): str(v) for k, v in enumerate(labels)},
            "Validation": {
                "Settings": {"ForceResponse": "OFF", "ForceResponseType": "ON", "Type": "None"}
            },
            "Language": [],
            "NextChoiceId": len(inst.items) + 1,
            "NextAnswerId": len(labels) + 1,
        }
    )
    qids = [f"QID{k + 1}" for k in range(len(questions))]
    elements = [
        {
            "SurveyID": survey_id,
            "Element": "BL",
            "PrimaryAttribute": "Survey Blocks",
            "SecondaryAttribute": None,
            "TertiaryAttribute": None,
            "Payload": [
                {
                    "Type": "Default",
                    "Description": inst.title[lang],
                    "ID": "BL_dyadscore1",
                    "BlockElements": [{"Type": "Question", "QuestionID": q} for q in qids],
                }
            ],
        },
        {
            "SurveyID": survey_id,
            "Element": "FL",
            "PrimaryAttribute": "Survey Flow",
            "SecondaryAttribute": None,
            "TertiaryAttribute": None,
            "Payload": {
                "Type": "Root",
                "FlowID": "FL_1",
                "Flow": [{"Type": "Block", "ID": "BL_dyadscore1", "FlowID": "FL_2"}],
                "Properties": {"Count": 2},
            },
        },
        {
            "SurveyID": survey_id,
            "Element": "QC",
            "PrimaryAttribute": "Survey Question Count",
            "SecondaryAttribute": str(len(qids)),
            "TertiaryAttribute": None,
            "Payload": None,
        },
        *[_sq(q, p, survey_id) for q, p in zip(qids, questions, strict=True)],
    ]
    survey = {
        "SurveyEntry": {
            "SurveyID": survey_id,
            "SurveyName": f"{inst.title[lang]} ({inst.id} {inst.version})",
            "SurveyDescription": None,
            "SurveyOwnerID": "",
            "SurveyBrandID": "",
            "DivisionID": None,
            "SurveyLanguage": lang.upper(),
            "SurveyActiveResponseSet": "RS_dyadscore",
            "SurveyStatus": "Inactive",
            "SurveyStartDate": "0000-00-00 00:00:00",
            "SurveyExpirationDate": "0000-00-00 00:00:00",
            "SurveyCreationDate": "0000-00-00 00:00:00",
            "CreatorID": "",
            "LastModified": "0000-00-00 00:00:00",
            "LastAccessed": "0000-00-00 00:00:00",
            "LastActivated": "0000-00-00 00:00:00",
            "Deleted": None,
        },
        "SurveyElements": elements,
    }
    return json.dumps(survey, indent=2, ensure_ascii=False) + "\n"


def surveyjs_json(inst: Instrument, *, lang: str = "en", dyad: bool = True) -> str:
    """SurveyJS survey JSON for one instrument (English default, Dutch as ``nl``).

    Examples
    --------
    >>> js = json.loads(surveyjs_json(load_instrument("relationship-satisfaction")))
    >>> js["pages"][0]["elements"][-1]["rateMax"]
    5
    """
    other = [x for x in ("en", "nl") if x != lang]

    def loc(text: dict[str, str]) -> dict[str, str]:
        return {"default": text[lang], **{x: text[x] for x in other if text.get(x)}}

    elements: list[dict[str, Any]] = []
    if dyad:
        elements.append(
            {
                "type": "text",
                "name": "couple",
                "title": loc(DYAD_TEXT["couple"]),
                "isRequired": True,
            }
        )
        elements.append(
            {
                "type": "radiogroup",
                "name": "role",
                "title": loc(DYAD_TEXT["role"]),
                "isRequired": True,
                "choices": [{"value": k, "text": loc(v)} for k, v in ROLES.items()],
            }
        )
    scale = inst.response_scale
    low = {x: scale.label(inst.scale_min, x) for x in ("en", "nl")}
    high = {x: scale.label(inst.scale_max, x) for x in ("en", "nl")}
    for item in inst.items:
        elements.append(
            {
                "type": "rating",
                "name": item.id,
                "title": loc(item.text),
                "rateMin": inst.scale_min,
                "rateMax": inst.scale_max,
                "minRateDescription": loc(low),
                "maxRateDescription": loc(high),
            }
        )
    survey = {
        "title": loc(inst.title),
        "description": loc(inst.instructions) if inst.instructions else None,
        "locale": "" if lang == "en" else lang,
        "pages": [{"name": _form_name(inst), "elements": elements}],
        "dyadscore": {"instrument": inst.id, "version": inst.version, "key_hash": inst.key_hash},
    }
    if survey["description"] is None:
        del survey["description"]
    return json.dumps(survey, indent=2, ensure_ascii=False) + "\n"


def export_instrument(instrument: Any, to: str, *, lang: str = "en", dyad: bool = True) -> str:
    """Text of an instrument exported for a platform.

    Parameters
    ----------
    instrument : id, path or Instrument
    to : {"redcap", "qsf", "surveyjs"}
    lang : {"en", "nl"}
    dyad : bool
        Ask for the couple code and role first.

    Examples
    --------
    >>> json.loads(export_instrument("felt-dependence", "surveyjs"))["pages"][0]["name"]
    'felt_dependence'
    """
    inst = load_instrument(instrument)
    if to not in TARGETS:
        raise InputError(f"unknown export target {to!r}; expected one of: {', '.join(TARGETS)}")
    if lang not in ("en", "nl"):
        raise InputError(f"unknown language {lang!r}; expected en or nl")
    inst.require_language(lang, None if isinstance(instrument, Instrument) else str(instrument))
    fn = {"redcap": redcap_dictionary, "qsf": qualtrics_qsf, "surveyjs": surveyjs_json}[to]
    return fn(inst, lang=lang, dyad=dyad)


def write_instrument_export(
    instrument: Any,
    to: str,
    path: str | os.PathLike,
    *,
    lang: str = "en",
    dyad: bool = True,
    force: bool = False,
) -> Path:
    """Write :func:`export_instrument` to ``path`` atomically (``"-"`` prints it).

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_instrument_export("felt-dependence", "qsf", os.path.join(tempfile.mkdtemp(), "fd.qsf"))
    >>> p.suffix
    '.qsf'
    """
    from ..io import write_text

    return write_text(export_instrument(instrument, to, lang=lang, dyad=dyad), path, force=force)


# ------------------------------------------------------------ REDCap dictionary in
_NOTE = re.compile(
    r"dyadscore (?P<inst>[a-z0-9-]+) (?P<version>\d+\.\d+(?:\.\d+)?) item (?P<item>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?P<rev> \(reverse-keyed\))?(?:; subscales: (?P<subs>[^;]*))?"
    r"(?:; missing: (?P<rule>prorate|complete)(?: (?P<min>[0-9.]+))?)?"
)
_CHOICE = re.compile(r"^\s*(-?\d+)\s*,\s*(.*?)\s*$", re.S)


def _choices(text: str) -> dict[int, str] | None:
    """``"1, Never | 2, Often"`` -> ``{1: "Never", 2: "Often"}``; None unless all codes are integers."""
    out: dict[int, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        m = _CHOICE.match(part)
        if m is None:
            return None
        out[int(m.group(1))] = re.sub(r"<[^>]+>", "", m.group(2)).strip()
    return out or None


def read_redcap_dictionary(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a REDCap data dictionary CSV as ``{column: value}`` (REDCap's names).

    Parameters
    ----------
    path : path to the data dictionary CSV

    Returns
    -------
    list of dict
        One ``{REDCap column name: cell}`` per field, in the dictionary's order.

    Raises
    ------
    InputError
        Not a data dictionary (no ``Variable / Field Name`` ... header).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "dict.csv")
    >>> _ = open(p, "w").write(export_instrument("felt-dependence", "redcap"))
    >>> read_redcap_dictionary(p)[0]["Variable / Field Name"]
    'record_id'
    """
    from ._base import check_file, head_text

    p = check_file(path)
    if head_text(p) is None:
        raise InputError(f"{p}: not UTF-8 text; save the data dictionary as UTF-8 CSV")
    with open(p, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    # a first cell saved twice through Excel keeps a mangled byte-order mark and quotes
    head = [c.strip() for c in rows[0]] if rows else []
    if head:
        head[0] = re.sub(r'^(?:\ufeff|ï»¿|")+|"+$', "", head[0])
    if len(head) < 6 or head[0] != "Variable / Field Name" or head[3] != "Field Type":
        shown = ", ".join(head[:4]) or "nothing"
        raise InputError(
            f"{p}: row 1: not a REDCap data dictionary (header starts {shown}); expected "
            "'Variable / Field Name', 'Form Name', 'Section Header', 'Field Type', ... "
            "(REDCap: Project Setup > Data Dictionary > Download)"
        )
    names = REDCAP_COLUMNS[: len(head)] if head[: len(REDCAP_COLUMNS)] else head
    return [dict(zip(names, r + [""] * (len(names) - len(r)), strict=False)) for r in rows[1:]]


def instrument_from_redcap(
    path: str | os.PathLike, *, instrument_id: str | None = None, form: str | None = None
) -> Instrument:
    """An instrument from a REDCap data dictionary CSV (the reverse of ``--to redcap``).

        A dictionary written by :func:`redcap_dictionary` comes back whole: the field
        annotations (``dyadscore ID VERSION item ITEM (reverse-keyed); subscales: ...;
        missing: ...``) restore ids, reverse keys, subscales and the missing rule, so the
        scoring key (``key_hash``) is the one exported. Any other dictionary gives one
        instrument of its Likert items: the ``radio``/``dropdown`` fields with whole-number
        codes that share the most common choice list (other fields, e.g. the partner's role,
        are left out), one mean subscale named after the form, no reverse keys (add them in
        the YAML). The first field of a project's dictionary is the record id (a text field)
    and never an item; an instrument's own dictionary (Shared Library) has none. Field
    labels become the English text: for the round trip, export in English (``--lang en``). Text is the field
        label in English; add Dutch (``nl``) in the YAML for Dutch output.

        Parameters
        ----------
        path : the data dictionary CSV
        instrument_id : str, optional
            Id of the new instrument (default: from the annotations, else the form name).
        form : str, optional
            Take the items of this form (instrument) only (REDCap's ``Form Name``).

        Returns
        -------
        Instrument

        Raises
        ------
        InputError
            Not a data dictionary, or no Likert item in it.

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "dict.csv")
        >>> _ = open(p, "w").write(export_instrument("relationship-satisfaction", "redcap"))
        >>> inst = instrument_from_redcap(p)
        >>> inst.id, inst.reverse_items, inst.key_hash == load_instrument(inst.id).key_hash
        ('relationship-satisfaction', ['sat3'], True)
    """
    from ..instruments import parse_instrument

    rows = read_redcap_dictionary(path)
    name = str(path)
    if not rows:
        raise InputError(f"{name}: the data dictionary has no fields")
    # a project's dictionary starts with the record id (a text field); an instrument's
    # own dictionary (REDCap Shared Library, instrument zip) has no record id
    fields = rows[1:] if rows[0]["Field Type"].strip() == "text" else rows
    if form is not None:
        forms = list(dict.fromkeys(r["Form Name"] for r in rows))
        if form not in forms:
            raise InputError(
                f"{name}: no form {form!r} in the data dictionary; its forms: {', '.join(forms)}"
            )
        fields = [r for r in fields if r["Form Name"] == form]
    notes = {
        r["Variable / Field Name"]: _NOTE.search(r.get("Field Annotation", "")) for r in fields
    }
    annotated = [r for r in fields if notes[r["Variable / Field Name"]]]
    if annotated:
        items = annotated
    else:
        likert = [
            r
            for r in fields
            if r["Field Type"].strip() in ("radio", "dropdown")
            and _choices(r["Choices, Calculations, OR Slider Labels"])
        ]
        if not likert:
            raise InputError(
                f"{name}: no radio or dropdown field with numbered choices (e.g. '1, Never | "
                "2, Sometimes'); an instrument needs Likert items"
            )
        sets = [
            tuple(_choices(r["Choices, Calculations, OR Slider Labels"]).items()) for r in likert
        ]
        common = max(dict.fromkeys(sets), key=sets.count)
        if sets.count(common) < 2:
            shown = ", ".join(r["Variable / Field Name"] for r in likert[:4])
            raise InputError(
                f"{name}: no two radio/dropdown fields share a choice list ({shown}"
                f"{', ...' if len(likert) > 4 else ''} each have their own); an instrument's "
                "items share one response scale: give them the same choices"
                + ("" if form else ", or pick the form with --form")
            )
        items = [r for r, c in zip(likert, sets, strict=True) if c == common]
    first = items[0]
    choices = _choices(first["Choices, Calculations, OR Slider Labels"]) or {}
    for r in items:
        if _choices(r["Choices, Calculations, OR Slider Labels"]) != choices:
            raise InputError(
                f"{name}: field {r['Variable / Field Name']!r}: its choices differ from those "
                f"of {first['Variable / Field Name']!r}; an instrument has one response scale"
            )
    if len(choices) < 2:
        raise InputError(
            f"{name}: field {first['Variable / Field Name']!r}: needs at least two choices"
        )
    note = notes.get(first["Variable / Field Name"])
    form = first["Form Name"].strip() or "imported"
    inst_id = instrument_id or (note["inst"] if note else re.sub(r"[^a-z0-9]+", "-", form.lower()))
    inst_id = inst_id.strip("-") or "imported"
    item_list = []
    subscales: dict[str, dict[str, Any]] = {}
    orders: list[list[str]] = []  # each item lists its subscales in the instrument's order
    for r in items:
        n = notes.get(r["Variable / Field Name"])
        item_id = n["item"] if n else r["Variable / Field Name"]
        text = re.sub(r"<[^>]+>", "", r["Field Label"]).strip() or item_id
        entry: dict[str, Any] = {"id": item_id, "text": {"en": text}}
        if n and n["rev"]:
            entry["reverse"] = True
        item_list.append(entry)
        subs = (n["subs"] or "").strip() if n else ""
        if not n:
            subs = f"{re.sub(r'[^A-Za-z0-9_]', '_', form)} (mean)"
        order: list[str] = []
        orders.append(order)
        for part in filter(None, (x.strip() for x in subs.split(","))):
            if part == "-":
                continue
            m = re.match(r"^(\w+)\s*(?:\((mean|sum)\))?$", part)
            if m is None:
                raise InputError(f"{name}: field {item_id!r}: cannot read subscale {part!r}")
            order.append(m.group(1))
            sub = subscales.setdefault(m.group(1), {"items": [], "method": m.group(2) or "mean"})
            sub["items"].append(item_id)
    subscales = {k: subscales[k] for k in _subscale_order(orders, list(subscales))}
    data: dict[str, Any] = {
        "id": inst_id,
        "version": note["version"] if note else "1.0",
        "title": {"en": form.replace("_", " ").strip().capitalize()},
        "construct": form.replace("_", " ").strip(),
    }
    header = first.get("Section Header", "").strip()
    if header:
        data["instructions"] = {"en": re.sub(r"<[^>]+>", "", header).strip()}
    data["response_scale"] = {
        "min": min(choices),
        "max": max(choices),
        "labels": {"en": dict(sorted(choices.items()))},
    }
    if note and note["rule"]:
        data["missing"] = {"rule": note["rule"]}
        if note["min"]:
            data["missing"]["min_answered"] = float(note["min"])
    data["subscales"] = subscales
    data["items"] = item_list
    data["provenance"] = {
        "authors": "not stated",
        "licence": "not stated",
        "notes": f"imported from the REDCap data dictionary {Path(name).name}",
    }
    from ..errors import InstrumentError

    try:
        return parse_instrument(instrument_yaml(data), name="")
    except InstrumentError as exc:  # say what is wrong in the dictionary's own terms
        msg = re.sub(r"^:?\s*(line \d+: )?", "", str(exc))
        raise InputError(f"{name}: cannot make an instrument of it: {msg}") from None


def _subscale_order(orders: list[list[str]], first_seen: list[str]) -> list[str]:
    """One order of subscales consistent with every item's list (ties: first seen)."""
    after: dict[str, set[str]] = {n: set() for n in first_seen}
    for order in orders:
        for a, b in zip(order, order[1:], strict=False):
            after[b].add(a)
    out: list[str] = []
    while len(out) < len(first_seen):
        ready = [n for n in first_seen if n not in out and after[n] <= set(out)]
        out.append(ready[0] if ready else next(n for n in first_seen if n not in out))
    return out


def instrument_yaml(instrument: Instrument | dict[str, Any]) -> str:
    """YAML text of an instrument in the project's format (field order as in the schema).

    Parameters
    ----------
    instrument : Instrument or dict
        An instrument, or the plain data of one.

    Returns
    -------
    str
        YAML that :func:`dyadscore.load_instrument` reads back.

    Examples
    --------
    >>> print(instrument_yaml(load_instrument("felt-dependence")).splitlines()[0])
    id: felt-dependence
    """
    import yaml

    data = (
        instrument.model_dump(exclude_defaults=True)
        if isinstance(instrument, Instrument)
        else dict(instrument)
    )
    if isinstance(instrument, Instrument):
        data = {"id": instrument.id, "version": instrument.version, **data}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
