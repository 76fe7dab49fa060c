import numpy as np

from trustfunnel.core.winprob import brier, calibrate, explain, fit, predict, stage_baseline


def synthetic(n=600, seed=3):
    rng = np.random.default_rng(seed)
    stage = rng.integers(0, 5, n)
    trust = rng.random(n)
    logit = -2.0 + 0.5 * stage + 3.0 * (trust - 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return np.column_stack([stage, trust]), y, stage


def test_the_model_recovers_the_direction_of_each_feature():
    x, y, _ = synthetic()
    model = fit(x, y, ["stage", "trust"])
    assert model.coef[0] > 0 and model.coef[1] > 0
    p = predict(model, x)
    assert ((p > 0) & (p < 1)).all()


def test_a_prediction_explains_itself_feature_by_feature():
    x, y, _ = synthetic()
    model = fit(x, y, ["stage", "trust"])
    parts = dict(explain(model, [4, 0.9]))
    assert set(parts) == {"stage", "trust"} and parts["trust"] > 0


def test_trust_makes_the_model_better_calibrated_than_stage_alone():
    x, y, stage = synthetic(n=1500)
    result = calibrate(x, y, stage, ["stage", "trust"], n_stages=5)
    assert result.brier_model < result.brier_stage_only
    assert sum(count for _, _, count in result.table) == 1500


def test_the_stage_baseline_is_the_smoothed_win_rate():
    rates = stage_baseline(np.array([0, 0, 1]), np.array([1.0, 1.0, 0.0]), 2, prior_weight=0)
    assert rates.tolist() == [1.0, 0.0]
    assert brier(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
