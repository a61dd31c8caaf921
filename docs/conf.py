"""Sphinx configuration of the dyadscore documentation site.

Build (warnings are errors, as in ``.ci/run``)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The site adapts to the tree at build time, so new pages and new public names drop in:

* the API reference lists every callable in ``dyadscore.__all__`` (one page each, written
  to ``api/generated/``, grouped by the module that defines it);
* the notebooks gallery shows every ``notebooks/*.ipynb`` (copied to ``gallery/notebooks/``,
  not executed: the test suite executes them);
* every top-level ``docs/*.md`` page that ``index.md`` does not name is added to the
  "Topics" table of contents (the line ``<!-- more topics -->`` in ``index.md``).
"""

from __future__ import annotations

import base64
import inspect
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import dyadscore  # noqa: E402

project = "dyadscore"
author = "dyadscore contributors"
copyright = "dyadscore contributors; code MIT, instruments CC-BY-4.0"
release = dyadscore.__version__
version = release

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
html_static_path = ["_static"]
html_css_files = ["gallery.css"]

# --- MyST / myst-nb: notebooks are rendered with their stored outputs, never executed here
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
# Off: the test suite executes the notebooks (tests/test_notebooks.py); the site shows them
# as stored. (They read ../data/sample/, which the copies under gallery/ would not find.)
nb_execution_mode = "off"
nb_merge_streams = True
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

# --- autodoc / numpydoc
autosummary_generate = False  # the pages are written below, from dyadscore.__all__
autodoc_typehints = "none"  # the numpydoc Parameters section documents the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- theme
html_theme = "pydata_sphinx_theme"
html_title = f"dyadscore {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_show_sourcelink = False


# ------------------------------------------------------------------ API pages
def _public_names() -> dict[str, list[str]]:
    """Public callables of ``dyadscore.__all__`` grouped by the module that defines them."""
    groups: dict[str, list[str]] = {}
    for name in dyadscore.__all__:
        if name.startswith("_") or name in getattr(dyadscore, "_SUBMODULES", ()):
            continue
        obj = getattr(dyadscore, name, None)
        if obj is None or inspect.ismodule(obj) or not callable(obj):
            continue
        module = getattr(obj, "__module__", "dyadscore").removeprefix("dyadscore.")
        groups.setdefault(module, []).append(name)
    return dict(sorted(groups.items()))


def _submodules() -> list[str]:
    return sorted(
        n
        for n in dyadscore.__all__
        if n in getattr(dyadscore, "_SUBMODULES", ()) and n != "__version__"
    )


def _plain(text: str) -> str:
    """A docstring line as Markdown: RST roles and ``literals`` become `code`."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _write_api_pages() -> None:
    out = HERE / "api" / "generated"
    wanted: set[str] = set()
    for names in _public_names().values():
        for name in names:
            obj = getattr(dyadscore, name)
            kind = "autoclass" if inspect.isclass(obj) else "autofunction"
            title = f"dyadscore.{name}"
            text = f"{title}\n{'=' * len(title)}\n\n.. currentmodule:: dyadscore\n\n.. {kind}:: {name}\n"
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                public = [
                    m
                    for m, v in vars(obj).items()
                    if not m.startswith("_") and callable(v) and (getattr(v, "__doc__", None) or "")
                ]
                if public:
                    text += "   :members: " + ", ".join(public) + "\n"
            _write_if_changed(out / f"dyadscore.{name}.rst", text)
            wanted.add(f"dyadscore.{name}.rst")
    for name in _submodules():
        title = f"dyadscore.{name}"
        text = f"{title}\n{'=' * len(title)}\n\n.. automodule:: dyadscore.{name}\n   :no-members:\n"
        _write_if_changed(out / f"module.{name}.rst", text)
        wanted.add(f"module.{name}.rst")
    for stale in out.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


def _api_listing() -> str:
    """Autosummary tables (one per defining module) of every public name, then the modules."""
    lines = []
    for module, names in _public_names().items():
        first = (inspect.getdoc(sys.modules[f"dyadscore.{module}"]) or module).splitlines()[0]
        first = _plain(first)
        lines += [
            f"## `{module}`",
            "",
            first,
            "",
            "```{eval-rst}",
            ".. currentmodule:: dyadscore",
            "",
        ]
        lines += [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {name}" for name in names]
        lines += ["```", ""]
    lines += ["## Modules", "", "Modules reachable as `ds.<module>` (e.g. `ds.paradox.test`).", ""]
    lines += ["```{eval-rst}", ".. autosummary::", ""]
    lines += [f"   {name}" for name in _submodules()]
    lines += ["```", ""]
    lines += ["```{toctree}", ":hidden:", ":glob:", "", "generated/*", "```", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ gallery
def _notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def _copy_notebooks() -> None:
    """Copy the notebooks (outputs as stored) into the source tree, with a thumbnail each."""
    out = HERE / "gallery" / "notebooks"
    thumbs = HERE / "_static" / "thumbs"
    out.mkdir(parents=True, exist_ok=True)
    thumbs.mkdir(parents=True, exist_ok=True)
    names = set()
    for nb in _notebooks():
        names.add(nb.name)
        target = out / nb.name
        if not target.exists() or target.read_bytes() != nb.read_bytes():
            shutil.copyfile(nb, target)
        png = _first_png(nb)
        if png is not None:
            thumb = thumbs / f"{nb.stem}.png"
            if not thumb.exists() or thumb.read_bytes() != png:
                thumb.write_bytes(png)
    for stale in out.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()


def _first_png(path: Path) -> bytes | None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data:
                return base64.b64decode("".join(data) if isinstance(data, list) else data)
    return None


def _notebook_title(path: Path) -> tuple[str, str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", []))
            head = re.search(r"^#\s+(.+)$", text, re.M)
            if head:
                rest = text[head.end() :].strip().split("\n\n")[0].replace("\n", " ")
                return head.group(1).strip(), rest
    return path.stem.replace("_", " "), ""


def _gallery_listing() -> str:
    lines = ["::::{container} nb-gallery", ""]
    for nb in _notebooks():
        title, blurb = _notebook_title(nb)
        blurb = re.sub(r"[\[\]`*]", "", blurb)
        if len(blurb) > 160:
            blurb = blurb[:157].rsplit(" ", 1)[0] + " ..."
        thumb = HERE / "_static" / "thumbs" / f"{nb.stem}.png"
        lines += [":::{container} nb-card", ""]
        if thumb.exists():
            lines += [f"[![{title}](../_static/thumbs/{nb.stem}.png)](notebooks/{nb.name})", ""]
        lines += [f"**[{title}](notebooks/{nb.name})**", "", blurb, "", ":::", ""]
    lines += ["::::", "", "```{toctree}", ":hidden:", ":glob:", "", "notebooks/*", "```", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ format tables
def _type_name(annotation) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or repr(annotation)
    text = re.sub(r"typing\.|dyadscore\.\w+\.|<class '([^']+)'>", lambda m: m.group(1) or "", text)
    text = re.sub(r"Annotated\[(.+?), .*\]$", r"\1", text)
    return text.replace("NoneType", "None").replace(" | ", " or ")


def _field_table(model, title: str) -> list[str]:
    from pydantic_core import PydanticUndefined

    rows = [f"**{title}**", "", "| field | type | required / default |", "|---|---|---|"]
    for name, info in model.model_fields.items():
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            default = "optional, default `" + json.dumps(info.default_factory()) + "`"
        elif info.default is PydanticUndefined:
            default = "optional"
        else:
            value = (
                info.default.model_dump() if hasattr(info.default, "model_dump") else info.default
            )
            default = f"optional, default `{json.dumps(value)}`"
        rows.append(f"| `{name}` | `{_type_name(info.annotation)}` | {default} |")
    return [*rows, ""]


def _instrument_fields() -> str:
    from pydantic import BaseModel

    from dyadscore import instruments

    lines = _field_table(instruments.Instrument, "Instrument (the file)")
    seen = {"Instrument"}
    for name, obj in vars(instruments).items():
        if (
            inspect.isclass(obj)
            and issubclass(obj, BaseModel)
            and obj.__module__ == instruments.__name__
            and not name.startswith("_")
            and name not in seen
        ):
            seen.add(name)
            lines += _field_table(obj, f"{name}")
    return "\n".join(lines)


#: What each hypothesis field means. Only the fields the model has are shown, so the page
#: follows the loader; a field missing here is listed with a pointer to the model table.
_HYPOTHESIS_TEXT = {
    "id": "A short name: letters, digits, `_`, `.` and `-`. Ids must be unique in the file.",
    "label": "The hypothesis in words, per language (`{en: ..., nl: ...}`). {label_rule}",
    "outcome": (
        "The outcome column. The data hold one row per person with wave-specific score "
        "columns; {suffixes} An outcome at a later wave than the predictor makes the test "
        "longitudinal, otherwise it is cross-sectional; an outcome before its predictor is "
        "refused."
    ),
    "predictor": "The predictor column, named like the outcome.",
    "effect": (
        "Which path is tested: `actor` (one's own predictor on one's own outcome) or "
        "`partner` (the partner's predictor on one's outcome){more_effects}. The model "
        "always contains both paths of the predictor."
    ),
    "control": (
        "Predictors entered with both the person's own and the partner's value, e.g. the "
        "outcome at the first wave for a residualised-change model (Cook & Kenny 2005)."
    ),
    "covariates": "Covariates entered with the person's own value only.",
    "direction": "The decision rule: {directions}",
    "sesoi": (
        "The smallest effect size of interest, in standardised units (beta), between 0 and "
        "1; the bound of the equivalence-type rules."
    ),
    "alpha": "The significance level, between 0 and 1.",
    "family": (
        "With Holm's correction (`holm=True`, `--holm`), p values are adjusted within each "
        "family, so secondary hypotheses do not cost the primary ones power."
    ),
    "waves": (
        "Declared waves, `{predictor: 1, outcome: 2}`, for columns whose names carry no wave "
        "suffix."
    ),
    "model": "The model that tests the hypothesis (the APIM unless stated).",
}

_DIRECTION_TEXT = {
    "positive": "a one-sided test that the effect is positive",
    "negative": "a one-sided test that the effect is negative",
    "two-sided": "a two-sided test",
    "equivalence": (
        "two one-sided tests (TOST) that the standardised effect lies between `-sesoi` and `+sesoi`"
    ),
    "non-superiority": "a one-sided test that the standardised effect is below `+sesoi`",
    "non-inferiority": "a one-sided test that the standardised effect is above `-sesoi`",
}


def _literal_values(annotation) -> list[str]:
    import typing

    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in args]
    return [v for a in args for v in _literal_values(a)]


def _accepts(model, **fields) -> bool:
    try:
        model(**fields)
    except Exception:
        return False
    return True


def _hypothesis_prose() -> str:
    from dyadscore import paradox

    H = dyadscore.Hypothesis
    base = {"id": "X", "label": {"en": "x", "nl": "x"}, "outcome": "y_w2", "predictor": "x_w1"}
    if _accepts(H, **{**base, "label": {"en": "x"}}):
        label_rule = "English (`en`) is required; Dutch (`nl`) only for Dutch output."
        if _accepts(H, **{**base, "label": "x"}):
            label_rule += " A plain string is taken as the English label."
    else:
        label_rule = "Both `en` and `nl` are required: the summaries are bilingual."
    wave_of = getattr(paradox, "_wave_of", None)
    forms = [f for f in ("_w2", "_t2", "_T2", "_wave2", ".2") if wave_of and wave_of("x" + f) == 2]
    suffixes = (
        "a suffix on the column name names the wave ("
        + ", ".join(f"`goal_progress{f}`" for f in forms)
        + ")."
        if forms
        else "the column names carry the wave."
    )
    effects = _literal_values(H.model_fields["effect"].annotation)
    more = [e for e in effects if e not in ("actor", "partner")]
    directions = _literal_values(H.model_fields["direction"].annotation)
    text = {
        "label_rule": label_rule,
        "suffixes": suffixes,
        "more_effects": (", or " + ", ".join(f"`{e}`" for e in more)) if more else "",
        "directions": "; ".join(
            f"`{d}`: {_DIRECTION_TEXT.get(d, 'see the API reference')}" for d in directions
        )
        + ". A hypothesis is *supported* when its decision p value is below `alpha`.",
    }
    lines = []
    for name, info in H.model_fields.items():
        need = "required" if info.is_required() else "optional"
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        if default not in (None, [], {}):
            need += f"; default `{default}`"
        body = re.sub(
            r"\{(label_rule|suffixes|more_effects|directions)\}",
            lambda m: text[m.group(1)],
            _HYPOTHESIS_TEXT.get(name, "See the table of fields below."),
        )
        lines += [f"`{name}` ({need})", f": {body}", ""]
    return "\n".join(lines)


def _instrument_facts(text: str) -> str:
    """Fill in the language rule and the optional response-scale step from the model."""
    from dyadscore import instruments

    scale = instruments.ResponseScale.model_fields
    step = (
        " `step` (optional) is the distance between allowed answers counted from `min` (e.g."
        " `0.1` for a visual-analogue item read to one decimal); without it, answers are the"
        " whole points `min`, `min + 1`, ..., `max`."
        if "step" in scale
        else " Answers are the whole points `min`, `min + 1`, ..., `max`."
    )
    if _accepts(instruments.Item, id="a", text={"en": "x"}):
        rule = (
            "English (`en`) is required in every `title`, item `text` and `label`. Dutch (`nl`)"
            " is required in the shipped instruments and whenever Dutch output is asked for"
            " (`--lang nl`); in your own file it is optional."
        )
    else:
        rule = "Every `title`, item `text` and `label` needs both `en` and `nl`."
    return text.replace("<!-- scale step -->", step).replace("<!-- language rule -->", rule)


def _hypothesis_fields() -> str:
    return "\n".join(_field_table(dyadscore.Hypothesis, "Hypothesis (one list entry)"))


# ------------------------------------------------------------------ module map
def _module_map() -> str:
    import ast

    src = ROOT / "src"
    rows = ["| module | what it holds |", "|---|---|"]
    for path in sorted((src / "dyadscore").rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        first = _plain(first).replace("|", "\\|")
        rows.append(f"| `{name}` | {first} |")
    return "\n".join(rows)


# ------------------------------------------------------------------ topics
def _topics(index_text: str) -> str:
    """Top-level pages that index.md does not name, one toctree line each."""
    named = {line.strip() for line in index_text.splitlines()}
    pages = sorted(p.stem for p in HERE.glob("*.md") if p.stem != "index")
    return "\n".join(p for p in pages if p not in named)


def _source_read(app, docname, source):
    text = source[0]
    if docname == "index":
        text = text.replace("<!-- more topics -->", _topics(text))
    elif docname == "api/index":
        text = text.replace("<!-- api listing -->", _api_listing())
    elif docname == "architecture":
        text = text.replace("<!-- module map -->", _module_map())
    elif docname == "formats/instruments":
        text = text.replace("<!-- instrument fields -->", _instrument_fields())
        text = _instrument_facts(text)
    elif docname == "formats/hypotheses":
        text = text.replace("<!-- hypothesis fields -->", _hypothesis_fields())
        text = text.replace("<!-- hypothesis prose -->", _hypothesis_prose())
    elif docname == "gallery/index":
        text = text.replace("<!-- notebook gallery -->", _gallery_listing())
    source[0] = text


_GENERATED_IN = [
    "index",
    "api/index",
    "gallery/index",
    "architecture",
    "formats/instruments",
    "formats/hypotheses",
]


def _always_reread(app, env, added, changed, removed):
    """Pages filled in from the code are read again on every build (never stale)."""
    return [d for d in _GENERATED_IN if d in env.found_docs]


def setup(app):
    _write_api_pages()
    _copy_notebooks()
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _always_reread)
    return {"parallel_read_safe": True}
