"""The win probability on the demo firm's own won and lost deals: calibrated out of
sample, and better than the stage-only baseline in the same run."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from trustfunnel.core.winprob import calibrate
from trustfunnel.crm.models import OPEN_STAGES
from trustfunnel.today.pipeline import FEATURES, training_set
from trustfunnel.workspaces.models import Workspace


@pytest.mark.django_db
def test_win_probability_beats_stage_only_on_demo_deals(capsys):
    # A fixed reference day: the demo is deterministic per (seed, day).
    call_command("demo", "--seed", "1", "--now", "2026-11-23", "--no-progress", verbosity=0)
    call_command("score", "--all", verbosity=0)
    workspace = Workspace.objects.get()
    x, y, stages = training_set(workspace, timezone.now())
    result = calibrate(x, y, stages, FEATURES, n_stages=len(OPEN_STAGES))
    with capsys.disabled():
        print(f"\ndemo calibration: n={result.n} Brier model={result.brier_model:.3f} "
              f"stage-only={result.brier_stage_only:.3f}")
    assert result.n >= 40
    assert result.brier_model < result.brier_stage_only
