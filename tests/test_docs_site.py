"""The documentation site stays true to the tree (the build itself runs in .ci/run).

* every module and folder that ``docs/architecture.md``'s layout names exists, and every
  top-level module and subpackage of ``src/dyadscore`` is named there (add a line to the
  layout block when you add a module);
* every page ``docs/index.md`` names exists;
* the README's two commands are on the getting-started page, verbatim.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PKG = ROOT / "src" / "dyadscore"


def _layout_block() -> str:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    match = re.search(r"## Layout\s+```text\n(.*?)```", text, re.S)
    assert match, "docs/architecture.md has no ```text layout block under '## Layout'"
    return match.group(1)


def _named_in_layout() -> set[str]:
    names = set()
    for line in _layout_block().splitlines():
        match = re.match(r"\s*(\S+)\s{2,}", line + "  ")
        if match:
            names.add(match.group(1))
    return names


def test_layout_names_exist():
    missing = []
    for name in _named_in_layout():
        candidates = [ROOT / name.rstrip("/"), PKG / name.rstrip("/")]
        if not any(c.exists() for c in candidates):
            missing.append(name)
    assert missing == [], f"docs/architecture.md names what the tree does not have: {missing}"


def test_every_module_is_in_the_layout():
    named = _named_in_layout()
    modules = sorted(
        p.name if p.is_file() else p.name + "/"
        for p in PKG.iterdir()
        if (p.suffix == ".py" and p.name != "__main__.py")
        or (p.is_dir() and not p.name.startswith(("_", ".")) and any(p.iterdir()))
    )
    absent = [m for m in modules if m not in named]
    assert absent == [], (
        f"add these to the layout block of docs/architecture.md (one line each): {absent}"
    )


def test_index_pages_exist():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\{toctree\}\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith((":", "<!--")):
                continue
            assert (DOCS / f"{line}.md").exists() or (DOCS / f"{line}.rst").exists(), line


def test_getting_started_has_the_readme_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(commands) == 2
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for command in commands:
        assert command in page, command
