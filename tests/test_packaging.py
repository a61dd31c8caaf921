"""Packaging: a wheel carries every shipped instrument and hypothesis file as package data.

Before issue 13 the instruments were installed as data-files under ``share/``; a wheel
installed with ``pip install --target DIR`` found none of them, silently. This builds a
wheel from a copy of the source tree (no network: ``--no-build-isolation``), installs it
with ``pip install --target DIR --no-deps`` and lists the instruments from another working
directory, with the venv's site-packages behind DIR only for the dependencies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (ROOT / "instruments").glob("*.yaml"))
HYPOTHESES = sorted(p.name for p in (ROOT / "src" / "dyadscore" / "hypotheses").glob("*.yaml"))


def test_pingouin_is_not_a_runtime_dependency():
    """Only the tests import pingouin (as a reference): it belongs to the dev extra."""
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("pingouin") for d in meta["dependencies"])
    assert any(d.startswith("pingouin") for d in meta["optional-dependencies"]["dev"])
    hits = [
        p.relative_to(ROOT)
        for p in (ROOT / "src").rglob("*.py")
        if any(
            line.lstrip().startswith(("import pingouin", "from pingouin"))
            for line in p.read_text().splitlines()
        )
    ]
    assert hits == []


@pytest.mark.slow
def test_wheel_installed_with_target_finds_every_instrument(tmp_path):
    pytest.importorskip("wheel")
    pytest.importorskip("setuptools")
    src = tmp_path / "src_copy"
    top_level = {"notebooks", "benchmarks", "docs", "tests", "data", "build", "dist"}
    anywhere = shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"
    )

    def ignore(folder, names):
        skip = set(anywhere(folder, names))
        if Path(folder).resolve() == ROOT:
            skip |= top_level & set(names)
        return skip

    shutil.copytree(ROOT, src, ignore=ignore)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DYADSCORE_INSTRUMENTS"}}
    subprocess.run(
        [
            *pip,
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(wheels),
        ],
        check=True,
        env=env,
        cwd=tmp_path,
        capture_output=True,
    )
    (wheel,) = wheels.glob("dyadscore-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert (
        sorted(Path(n).stem for n in names if n.startswith("dyadscore/instrument_files/"))
        == SHIPPED
    )
    assert (
        sorted(Path(n).name for n in names if n.startswith("dyadscore/hypotheses/")) == HYPOTHESES
    )
    assert not any(".data/data/" in n for n in names)  # nothing left in share/

    target = tmp_path / "target"
    subprocess.run(
        [*pip, "install", "--target", str(target), "--no-deps", "--no-index", str(wheel)],
        check=True,
        env=env,
        cwd=tmp_path,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env["PYTHONPATH"] = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    code = (
        "import json, dyadscore as ds\n"
        "print(json.dumps({'file': ds.__file__, 'ids': ds.list_instruments(),"
        " 'loaded': [ds.load_instrument(i).id for i in ds.list_instruments()],"
        " 'hypotheses': [h.id for h in ds.load_hypotheses()]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    got = json.loads(out.stdout)
    assert Path(got["file"]).resolve().is_relative_to(target.resolve())
    assert got["ids"] == SHIPPED
    assert got["loaded"] == SHIPPED
    assert got["hypotheses"]
