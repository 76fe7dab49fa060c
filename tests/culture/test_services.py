"""Services: rows to engine inputs (grouped SQL), the table's write path."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from tests.culture.helpers import days_ago, deal_in, relationship_in, touch, utc
from trustfunnel.core.errors import InvalidInput, UnknownCountry
from trustfunnel.core.pacing import PaceWarning
from trustfunnel.culture import services
from trustfunnel.culture.models import CultureScore
from trustfunnel.workspaces.models import AuditEntry

TODAY = date(2026, 11, 23)
NOW = utc(TODAY, 12)


def test_check_country_accepts_lowercase_and_rejects_unassigned():
    assert services.check_country("de") == "DE"
    with pytest.raises(UnknownCountry) as info:
        services.check_country("QQ")
    assert "QQ" in info.value.message


@pytest.mark.django_db
def test_deal_durations_censor_lost_and_open_deals(workspace, owner_user):
    rel = relationship_in(workspace, "DE", owner=owner_user)
    deal_in(workspace, rel, stage="won", first_contact=days_ago(TODAY, 100), closed=days_ago(TODAY, 40))
    deal_in(workspace, rel, stage="lost", first_contact=days_ago(TODAY, 90), closed=days_ago(TODAY, 80))
    deal_in(workspace, rel, stage="proposal", first_contact=days_ago(TODAY, 30))
    deals = services.deal_durations(workspace, today=TODAY)
    got = sorted(zip(deals.days.tolist(), deals.won.tolist(), deals.count.tolist(), strict=True))
    assert got == [(10.0, False, 1), (30.0, False, 1), (60.0, True, 1)]


@pytest.mark.django_db
def test_deal_durations_are_aggregated_in_sql(workspace, owner_user):
    rel = relationship_in(workspace, "UA", owner=owner_user)
    for _ in range(5):
        deal_in(workspace, rel, stage="won", first_contact=days_ago(TODAY, 50), closed=days_ago(TODAY, 20))
    deals = services.deal_durations(workspace, today=TODAY)
    assert deals.count.tolist() == [5] and deals.total == 5
    assert set(deals.country.tolist()) == {"UA"}


@pytest.mark.django_db
def test_learned_pace_without_deals_is_the_prior(workspace):
    pace = services.learned_pace(workspace, "FR", today=TODAY)
    assert pace.n == 0 and pace.data_weight == 0
    assert pace.days_50 == pytest.approx(pace.prior.days_to_yes)


@pytest.mark.django_db
def test_plan_finds_unanswered_mail_and_pushing_in_one_pass(
    workspace, owner_user, django_assert_max_num_queries
):
    waiting = relationship_in(workspace, "DE", owner=owner_user)
    deal_in(workspace, waiting, stage="proposal", first_contact=days_ago(TODAY, 50))
    touch(waiting, kind="email", direction="outbound", at=utc(days_ago(TODAY, 12)))
    touch(waiting, kind="email", direction="inbound", at=utc(days_ago(TODAY, 9)))
    pushing = relationship_in(workspace, "UA", owner=owner_user)
    deal_in(workspace, pushing, stage="first_contact", first_contact=days_ago(TODAY, 20))
    touch(pushing, kind="meeting", direction="mutual", at=utc(days_ago(TODAY, 20)))
    for n in (15, 10, 5, 2):
        touch(pushing, kind="email", direction="outbound", at=utc(days_ago(TODAY, n)))
    touch(pushing, kind="automated_email", direction="outbound", at=utc(days_ago(TODAY, 1)))
    with django_assert_max_num_queries(8):
        result = services.plan_for_workspace(workspace, now=NOW)
    by_id = {int(result.batch.inputs.relationship_id[i]): result.batch.advice(i) for i in range(2)}
    assert PaceWarning.SLOW_REPLY in by_id[waiting.pk].warnings
    assert PaceWarning.TOO_FAST in by_id[pushing.pk].warnings
    assert int(result.batch.inputs.out_since_heard[1]) == 4  # the automated send is not a touch


@pytest.mark.django_db
def test_plan_query_count_does_not_grow_with_rows(workspace, owner_user, django_assert_max_num_queries):
    for i in range(15):
        rel = relationship_in(workspace, ["DE", "NL", "UA"][i % 3], owner=owner_user)
        deal_in(workspace, rel, stage="needs_explored", first_contact=days_ago(TODAY, 10 + i))
        touch(rel, kind="phone", direction="mutual", at=utc(days_ago(TODAY, i + 1)))
    with django_assert_max_num_queries(8):
        result = services.plan_for_workspace(workspace, now=NOW)
    assert len(result.batch) == 15


@pytest.mark.django_db
def test_plan_skips_relationships_without_open_deal_of_other_kinds(workspace, owner_user):
    relationship_in(workspace, "DE", owner=owner_user, kind="supplier")
    assert len(services.plan_for_workspace(workspace, now=NOW).batch) == 0


@pytest.mark.django_db
def test_plan_sees_only_its_own_workspace(workspace, other_workspace, owner_user, other_user):
    relationship_in(workspace, "DE", owner=owner_user)
    relationship_in(other_workspace, "DE", owner=other_user)
    assert len(services.plan_for_workspace(workspace, now=NOW).batch) == 1


@pytest.mark.django_db
def test_plan_for_country_without_scores_uses_neutral_pace(workspace, owner_user):
    rel = relationship_in(workspace, "LI", owner=owner_user)
    deal_in(workspace, rel, stage="lead", first_contact=days_ago(TODAY, 5))
    result = services.plan_for_workspace(workspace, now=NOW)
    advice = result.batch.advice(0)
    assert advice.country == "LI" and advice.next_contact >= TODAY


@pytest.mark.django_db
def test_load_table_extends_and_overrides(workspace):
    rows = services.check_load_table(
        "country,name,pdi,idv,mas,uai,lto,ivr\nUA,Ukraine,92,25,27,95,86,14\nLI,Liechtenstein,NA,NA,NA,60,NA,NA\n",
        source="own.csv",
    )
    with transaction.atomic():
        services.do_load_table(workspace, rows, replace=False, source="own.csv")
    table = services.culture_table_for(workspace)
    assert table.get("UA").idv == 25 and table.get("LI").uai == 60
    assert table.get("DE").pdi == 35  # shipped rows are kept
    assert table.source == "own.csv"
    assert AuditEntry.objects.filter(workspace=workspace, action="culture.table.loaded").exists()


@pytest.mark.django_db
def test_load_table_replace_drops_the_shipped_rows(workspace, other_workspace):
    rows = services.check_load_table("country,name,pdi,idv,mas,uai,lto,ivr\nDE,Germany,1,2,3,4,5,6\n", source="x.csv")
    services.do_load_table(workspace, rows, replace=True, source="x.csv")
    table = services.culture_table_for(workspace)
    assert set(table.rows) == {"DE"} and table.get("DE").pdi == 1
    assert "NL" in services.culture_table_for(other_workspace).rows  # others unaffected
    assert CultureScore.objects.for_workspace(other_workspace).count() == 0


def test_check_load_table_names_the_line():
    with pytest.raises(InvalidInput) as info:
        services.check_load_table("country,name,pdi,idv,mas,uai,lto,ivr\nDE,G,1,2,3,x,5,6\n", source="f.csv")
    assert "line 2" in info.value.message and "f.csv" in info.value.message


@pytest.mark.django_db
def test_pipeline_by_country_flags_slow_deals(workspace, owner_user):
    rel = relationship_in(workspace, "DE", owner=owner_user)
    for _ in range(3):
        deal_in(workspace, rel, stage="won", first_contact=days_ago(TODAY, 60), closed=days_ago(TODAY, 40))
    deal_in(workspace, rel, stage="proposal", first_contact=days_ago(TODAY, 400))
    deal_in(workspace, rel, stage="lead", first_contact=TODAY - timedelta(days=2))
    rows = services.pipeline_by_country(workspace, today=TODAY)
    assert [(r.country, r.open_deals, r.slower) for r in rows] == [("DE", 2, 1)]


def test_check_load_table_names_the_line_of_an_unassigned_code():
    with pytest.raises(InvalidInput) as info:
        services.check_load_table("country,name,pdi,idv,mas,uai,lto,ivr\nDE,G,1,2,3,4,5,6\nQQ,Q,1,2,3,4,5,6\n", source="f.csv")
    assert "line 3: QQ" in info.value.message


def test_every_shipped_code_is_an_assigned_iso_code():
    from django_countries import countries

    assert set(services.shipped_table().rows) <= {code for code, _ in countries}


@pytest.mark.django_db(transaction=True)
def test_winning_a_deal_refreshes_the_cached_paces(workspace, owner_user):
    from trustfunnel.crm.services import do_save_deal

    rel = relationship_in(workspace, "DE", owner=owner_user)
    deal = deal_in(workspace, rel, stage="proposal", first_contact=days_ago(TODAY, 30))
    before, _ = services.country_paces(workspace, today=TODAY, params=services.params_for(workspace),
                                       table=services.culture_table_for(workspace))
    with transaction.atomic():
        do_save_deal(workspace, actor=owner_user, fields={"stage": "won", "closed_at": TODAY}, instance=deal)
    after, _ = services.country_paces(workspace, today=TODAY, params=services.params_for(workspace),
                                      table=services.culture_table_for(workspace))
    assert before["DE"].source == "learned" and after["DE"].days_to_yes < before["DE"].days_to_yes


def test_every_core_template_is_listed_for_translation():
    import ast
    from pathlib import Path

    from trustfunnel.culture.messages import CORE_TEMPLATES

    core = Path(services.__file__).resolve().parent.parent / "core"
    for name in ("culture.py", "pacing.py"):
        for node in ast.walk(ast.parse((core / name).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Reason":
                template = node.args[1]
                if isinstance(template, ast.Constant):
                    assert template.value in CORE_TEMPLATES, template.value


@pytest.mark.django_db
def test_planned_follow_ups_avoid_german_holidays_and_weekends(workspace, owner_user):
    from trustfunnel.core.culture import BusinessCalendar

    christmas = date(2026, 12, 21)
    for i in range(12):
        rel = relationship_in(workspace, "DE", owner=owner_user)
        deal_in(workspace, rel, stage=["lead", "proposal", "negotiation"][i % 3],
                first_contact=christmas - timedelta(days=40 + i))  # fmt: skip
        touch(rel, kind="email", direction="outbound", at=utc(christmas - timedelta(days=i)))
    result = services.plan_for_workspace(workspace, now=utc(christmas, 9))
    holidays = set(BusinessCalendar().holidays("DE", [2026, 2027]))
    dates = result.batch.next_contact.tolist()
    assert len(dates) == 12
    assert all(d.weekday() < 5 and d not in holidays and d >= christmas for d in dates)
    assert any(d > date(2026, 12, 24) for d in dates)  # some would have hit 25/26 Dec
