"""Scoring and dyadic reshapes on Dask DataFrames, partition by partition (docs/scale.md).

The reference is the pandas result of the very same functions on the whole table:
Dask must give exactly the same numbers, not approximately.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadscore as ds
from dyadscore.errors import InputError

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples_items.csv"
INSTRUMENTS = ["relationship-satisfaction", "acceptance-of-dependence", "responsiveness"]


@pytest.fixture(scope="module")
def items() -> pd.DataFrame:
    df = pd.read_csv(SAMPLE)
    df.loc[df.index[::7], "sat2"] = np.nan  # some prorated and missing scores too
    df.loc[df.index[::11], ["pa1", "pa2"]] = np.nan
    return df


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with dask.config.set({"dataframe.convert-string": False}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        )
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def test_score_dask_equals_pandas_on_a_local_cluster(items, client):
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(items, npartitions=5)
        lazy = ds.score(ddf, INSTRUMENTS)
        assert lazy.npartitions == 5
        got = lazy.compute()
    expected = ds.score(items, INSTRUMENTS)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_exact=True)
    assert got.attrs["provenance"] == expected.attrs["provenance"]
    assert (expected["satisfaction_flag"] == "prorated").any()


def test_dask_meta_matches_result(items):
    with dask.config.set({"dataframe.convert-string": False, "scheduler": "synchronous"}):
        lazy = ds.score(dd.from_pandas(items, npartitions=3), "relationship-satisfaction")
        got = lazy.compute()
    assert list(lazy.columns) == list(got.columns)
    assert dict(lazy.dtypes) == dict(got.dtypes)


def test_bad_input_inside_a_partition_is_one_line(items):
    bad = items.copy()
    bad.loc[bad.index[-1], "sat4"] = 9
    with dask.config.set({"scheduler": "synchronous"}):
        lazy = ds.score(dd.from_pandas(bad, npartitions=4), "relationship-satisfaction")
        with pytest.raises(
            InputError, match=r"column 'sat4': value 9 is outside the response scale 1-5"
        ):
            lazy.compute()
    long = pd.DataFrame({"person": ["a"], "item": ["sat1"], "value": [3]})
    with pytest.raises(InputError, match="wide table"):
        ds.score(dd.from_pandas(long, npartitions=1), "relationship-satisfaction")


def test_to_pairwise_per_partition_when_partitions_hold_whole_couples(items, client):
    scores = ds.score(items, "relationship-satisfaction")
    w1 = scores[scores["wave"] == 1].reset_index(drop=True)
    expected = ds.to_pairwise(w1, ["satisfaction"], "couple", "role")
    with dask.config.set({"dataframe.convert-string": False}):
        # partitions split by couple: index on the couple id, sorted, so no couple is cut
        by_couple = dd.from_pandas(
            w1.set_index("couple", drop=False).rename_axis(None), npartitions=4, sort=True
        )
        assert by_couple.npartitions > 1
        first = w1[w1["couple"] == w1["couple"].iloc[0]]
        meta = ds.to_pairwise(first, ["satisfaction"], "couple", "role").iloc[:0]
        got = by_couple.map_partitions(
            ds.to_pairwise, ["satisfaction"], "couple", "role", meta=meta
        ).compute()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_exact=True)
