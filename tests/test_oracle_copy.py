"""The R fixtures in tests/oracle are byte-for-byte copies of the team's ../shared/oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent / "oracle"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "oracle"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/oracle is not beside this checkout")
def test_fixtures_match_shared_oracle():
    shared = sorted(p.name for p in SHARED.iterdir() if p.is_file())
    assert shared, "shared oracle folder is empty"
    for name in shared:
        assert (HERE / name).read_bytes() == (SHARED / name).read_bytes(), name
