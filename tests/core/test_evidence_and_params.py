import pytest

from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.evidence import SIGNAL_KINDS, Actor, Direction, direction_for
from trustfunnel.core.params import Params, merge_params


def test_behaviour_speaks_to_the_actors_trustworthiness():
    assert direction_for("no_show", Actor.THEM) is Direction.OURS_IN_THEM
    assert direction_for("promise_broken", Actor.US) is Direction.THEIRS_IN_US


def test_expressions_speak_to_the_actors_trust_in_the_other_side():
    assert direction_for("complaint", Actor.THEM) is Direction.THEIRS_IN_US
    assert direction_for("referral", Actor.THEM) is Direction.THEIRS_IN_US


def test_every_evidence_kind_has_components_and_a_weight():
    for spec in SIGNAL_KINDS.values():
        if spec.polarity:
            assert spec.components, spec.kind
            assert spec.weight > 0, spec.kind


def test_params_merge_overrides_nested_values():
    params = merge_params(Params(), {"timeline": {"future_tolerance_minutes": 5},
                                      "signal_weights": {"no_show": 2.0}})
    assert params.timeline.future_tolerance_minutes == 5
    assert params.signal_weights["no_show"] == 2.0
    assert params.signal_weights["promise_kept"] == 1.0


def test_params_reject_unknown_keys_by_their_path():
    with pytest.raises(InvalidInput) as err:
        merge_params(Params(), {"timeline": {"future_tolerence": 5}})
    assert err.value.data["field"] == "timeline.future_tolerence"
