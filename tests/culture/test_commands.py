"""`trustfunnel culture load FILE` and `trustfunnel pace --country DE`."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.culture.helpers import deal_in, relationship_in
from trustfunnel.culture.models import CultureScore


@pytest.mark.django_db
def test_culture_load_reports_line_numbers_and_stores_nothing(tmp_path, workspace):
    path = tmp_path / "scores.csv"
    path.write_text("country,name,pdi,idv,mas,uai,lto,ivr\nDE,Germany,35,67,66,65,83,40\nFR,France,x,71,43,86,63,48\nQQ,Nowhere,1,2,3,4,5,6\n")
    with pytest.raises(CommandError) as info:
        call_command("culture", "load", str(path), "--workspace", workspace.slug)
    message = str(info.value)
    assert "scores.csv, line 3" in message and "scores.csv, line 4" in message
    assert CultureScore.objects.count() == 0


@pytest.mark.django_db
def test_culture_load_extends_the_table(tmp_path, workspace):
    path = tmp_path / "scores.csv"
    path.write_text("country,name,pdi,idv,mas,uai,lto,ivr\nUA,Ukraine,92,25,27,95,86,14\n")
    out = StringIO()
    call_command("culture", "load", str(path), "--workspace", workspace.slug, stdout=out)
    assert "Loaded 1 countries" in out.getvalue()
    assert CultureScore.objects.get(workspace=workspace, country="UA").idv == 25


@pytest.mark.django_db
def test_pace_prints_learned_time_to_yes(workspace, owner_user):
    today = timezone.localdate()
    rel = relationship_in(workspace, "DE", owner=owner_user, sector="legal")
    for i in range(4):
        deal_in(workspace, rel, stage="won", first_contact=today - timedelta(days=100), closed=today - timedelta(days=40 + i))
    out = StringIO()
    call_command("pace", "--country", "de", "--sector", "legal", stdout=out)
    text = out.getvalue()
    assert "DE / legal" in text and "deals: 4 (4 won" in text
    assert "heuristic" in text and "prior" in text


@pytest.mark.django_db
def test_pace_rejects_unknown_country(workspace):
    with pytest.raises(CommandError) as info:
        call_command("pace", "--country", "QQ")
    assert "QQ" in str(info.value)
