"""`experiments.calibration.crosscheck`: its statistics on known data, and the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import crosscheck as cc
from experiments.calibration.patterns import PATTERNS


def test_welch_paired_and_one_sample_tests_point_the_right_way():
    rng = np.random.default_rng(0)
    low, high = rng.normal(0.0, 1.0, 40), rng.normal(1.0, 1.0, 40)
    assert cc.welch(high, low, greater=True) < 0.01 < cc.welch(high, low, greater=False)
    assert cc.paired(low + 0.5 + rng.normal(0, 0.1, 40), low, greater=True) < 0.01
    assert cc.paired(low + 0.5, low, greater=False) == 1.0  # a constant difference, wrong way
    assert cc.one_sample(high, 0.0, greater=True) < 0.01 < cc.one_sample(high, 0.0, greater=False)


def test_without_spread_the_means_decide():
    a, b = np.full(5, 0.3), np.full(5, 0.1)
    assert cc.welch(a, b, greater=True) == 0.0 and cc.welch(a, b, greater=False) == 1.0
    assert cc.welch(a, a, greater=True) == 1.0  # equal is not greater
    assert cc.one_sample(a, 0.5, greater=False) == 0.0


def test_bootstrap_interval_holds_the_mean_and_is_reproducible():
    x = np.random.default_rng(1).normal(2.0, 1.0, 60)
    low, high = cc.bootstrap(lambda draw: float(draw(x).mean()), resamples=1000)
    assert low < x.mean() < high and high - low < 1.0
    assert (low, high) == cc.bootstrap(lambda draw: float(draw(x).mean()), resamples=1000)


def test_quick_run_writes_a_claim_for_every_pattern_and_no_document(tmp_path, capsys):
    folder = cc.main(["--quick", "--out", str(tmp_path)])
    claims = pd.read_csv(folder / "crosscheck.csv", dtype={"pattern": str})
    assert set(claims["pattern"]) == {p.key for p in PATTERNS}
    assert claims["holds"].dtype == bool
    assert "claims hold" in (folder / "crosscheck.md").read_text()
    assert "Wrote the" not in capsys.readouterr().err


def test_bad_seed_count_is_refused(capsys):
    with pytest.raises(SystemExit):
        cc.main(["--seeds", "0", "--quick"])
    assert "--seeds 0" in capsys.readouterr().err
