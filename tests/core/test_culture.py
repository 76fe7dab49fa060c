"""The culture engine: table, distance, prior, learned time-to-yes, pairs, calendars."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustfunnel.core.culture import (
    DIMENSIONS,
    HOFSTEDE_TO_ISO,
    NOT_COUNTRIES,
    BusinessCalendar,
    CountryScores,
    DealDurations,
    kogut_singh,
    learned_paces,
    load_shipped_table,
    normalise_country,
    pace_prior,
    pair_pace,
    parse_table,
)
from trustfunnel.core.errors import InvalidInput, UnknownCountry
from trustfunnel.core.params import CultureParams
from trustfunnel.core.survival import grouped_quantiles, kaplan_meier

TABLE = load_shipped_table()
PARAMS = CultureParams()
codes = st.sampled_from(sorted(TABLE.rows))


# --- the shipped table and its mapping ----------------------------------------------


def test_shipped_table_has_one_row_per_mapped_country():
    assert set(TABLE.rows) == set(HOFSTEDE_TO_ISO.values())
    assert len(set(HOFSTEDE_TO_ISO.values())) == len(HOFSTEDE_TO_ISO)  # injective


def test_mapping_uses_iso_codes_for_the_tricky_hofstede_codes():
    expected = {"GER": "DE", "NET": "NL", "GBR": "GB", "UKR": "UA", "SLK": "SK", "SLV": "SI",
                "SAL": "SV", "MNG": "ME", "MAC": "MK", "IRE": "IE", "KOR": "KR", "BUF": "BF",
                "SER": "RS", "ROM": "RO", "POR": "PT", "DEN": "DK"}  # fmt: skip
    for hofstede, iso in expected.items():
        assert HOFSTEDE_TO_ISO[hofstede] == iso


def test_regions_and_parts_of_countries_are_not_countries():
    assert not NOT_COUNTRIES & set(HOFSTEDE_TO_ISO)
    assert {"ARA", "AFE", "GEE", "BEF", "SWG"} <= NOT_COUNTRIES


def test_missing_values_stay_missing_not_zero():
    albania = TABLE.get("AL")
    assert albania.pdi is None and albania.uai is None and albania.lto == 61


def test_ukraine_has_four_dimensions_and_marks_the_profile_values():
    ukraine = TABLE.get("UA")
    assert (ukraine.pdi, ukraine.uai, ukraine.lto, ukraine.ivr) == (92, 95, 86, 14)
    assert ukraine.idv is None and ukraine.mas is None
    assert "country profile" in ukraine.provenance


def test_scores_above_100_are_kept():
    assert TABLE.get("GR").uai == 112
    assert TABLE.get("SK").mas == 110


def test_country_without_row_gets_all_dimensions_missing():
    assert TABLE.get("XK").available == ()


@pytest.mark.parametrize("bad", ["", "D", "DEU", "1A", None])
def test_normalise_country_rejects_malformed_codes(bad):
    with pytest.raises(UnknownCountry) as info:
        normalise_country(bad)
    assert info.value.code == "unknown_country"


def test_parse_table_reports_every_bad_line_by_number():
    text = (
        "country,name,pdi,idv,mas,uai,lto,ivr\n"
        "DE,Germany,35,67,66,65,83,40\n"
        "XYZ,Bad,1,2,3,4,5,6\n"
        "FR,France,68,71,43,eighty,63,48\n"
        "DE,Again,1,2,3,4,5,6\n"
    )
    with pytest.raises(InvalidInput) as info:
        parse_table(text, source="mine.csv")
    lines = info.value.data["lines"]
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5"]
    assert "eighty" in lines[1]


def test_parse_table_accepts_na_and_empty_as_missing():
    rows = parse_table("country,name,pdi,idv,mas,uai,lto,ivr\nUA,Ukraine,,NA,n/a,95,86,14\n")
    assert rows[0].pdi is None and rows[0].idv is None and rows[0].uai == 95


def test_parse_table_reads_the_publishers_matrix_and_skips_regions():
    text = "ctr;country;pdi;idv;mas;uai;ltowvs;ivr\nGER;Germany;35;67;66;65;83;40\nARA;Arab countries;80;38;53;68;23;34\nUKR;Ukraine;#NULL!;#NULL!;#NULL!;#NULL!;86;14\n"
    rows = {r.country: r for r in parse_table(text)}
    assert set(rows) == {"DE", "UA"}
    assert rows["UA"].pdi is None and rows["UA"].lto == 86


def test_parse_table_rejects_wrong_header():
    with pytest.raises(InvalidInput) as info:
        parse_table("code,pdi\nDE,35\n", source="x.csv")
    assert "line 1" in info.value.message


# --- Kogut–Singh ---------------------------------------------------------------------


@given(codes, codes)
def test_distance_is_symmetric(a, b):
    assert kogut_singh(TABLE, a, b).value == kogut_singh(TABLE, b, a).value


@given(codes)
def test_distance_to_itself_is_zero(a):
    distance = kogut_singh(TABLE, a, a)
    assert distance.value == 0.0
    assert distance.dimensions_used == len(TABLE.get(a).available)


def test_distance_uses_only_shared_dimensions_and_says_how_many():
    distance = kogut_singh(TABLE, "NL", "UA")
    assert distance.dimensions == ("pdi", "uai", "lto", "ivr")
    assert distance.dimensions_used == 4
    assert "4 of 6" in distance.reasons[0].message


def test_distance_matches_the_formula():
    nl, de = TABLE.get("NL"), TABLE.get("DE")
    expected = np.mean([(nl.get(d) - de.get(d)) ** 2 / TABLE.variance(d) for d in DIMENSIONS])
    assert kogut_singh(TABLE, "NL", "DE").value == pytest.approx(expected)


def test_distance_without_shared_dimensions_is_none():
    distance = kogut_singh(TABLE, "NL", "XK")
    assert distance.value is None and distance.dimensions_used == 0


# --- the prior -----------------------------------------------------------------------


def test_prior_for_country_without_scores_is_neutral():
    prior = pace_prior(TABLE.get("XK"), PARAMS)
    assert prior.neutral
    assert prior.weeks_to_yes == PARAMS.base_weeks_to_yes
    assert prior.touches == PARAMS.base_touches
    assert prior.reasons[0].code == "prior_neutral"


def test_prior_grows_with_uncertainty_avoidance():
    low = pace_prior(CountryScores("AA", uai=20), PARAMS)
    high = pace_prior(CountryScores("BB", uai=90), PARAMS)
    assert high.weeks_to_yes > low.weeks_to_yes
    assert high.touches > low.touches
    assert high.reply_days < low.reply_days  # risk-averse buyers want faster answers


@given(st.floats(0, 120), st.floats(0, 120), st.floats(0, 120))
def test_prior_is_positive_and_finite(pdi, uai, lto):
    prior = pace_prior(CountryScores("AA", pdi=pdi, uai=uai, lto=lto), PARAMS)
    assert 0 < prior.weeks_to_yes < 100 and prior.touches > 0 and prior.reply_days >= 1


# --- Kaplan–Meier --------------------------------------------------------------------


def test_kaplan_meier_matches_the_textbook_example():
    # Freireich et al. (1963) 6-MP arm, as in Kaplan–Meier textbooks and R's survival.
    times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    events = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    curve = kaplan_meier(times, events)
    values = dict(zip(curve.times, curve.survival, strict=True))
    assert values[6] == pytest.approx(0.8571, abs=1e-4)
    assert values[13] == pytest.approx(0.6902, abs=1e-4)
    assert values[23] == pytest.approx(0.4482, abs=1e-4)
    lower = dict(zip(curve.times, curve.lower, strict=True))
    upper = dict(zip(curve.times, curve.upper, strict=True))
    assert (lower[6], upper[6]) == (pytest.approx(0.6197, abs=1e-4), pytest.approx(0.9516, abs=1e-4))
    assert curve.quantile(0.5).time == 23


@settings(max_examples=50)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 400), st.booleans()), min_size=1, max_size=80
    )
)
def test_grouped_quantiles_equal_one_curve_per_group(rows):
    groups = np.array([r[0] for r in rows])
    days = np.array([r[1] for r in rows], dtype=float)
    won = np.array([r[2] for r in rows])
    grouped = grouped_quantiles(groups, days, won, 4)
    for g in range(4):
        mask = groups == g
        if not mask.any():
            assert grouped.n[g] == 0
            continue
        curve = kaplan_meier(days[mask], won[mask])
        for j, q in enumerate(grouped.qs):
            single = curve.quantile(q)
            got = grouped.time[g, j]
            assert (single.time is None and np.isnan(got)) or single.time == got


# --- learned time-to-yes -------------------------------------------------------------


def _deals(country, days, won):
    n = len(days)
    return DealDurations(
        np.array([country] * n), np.array([""] * n), np.array(days, float), np.array(won, bool)
    )


def test_censoring_open_deals_lengthens_the_time_to_yes():
    # 10 deals won quickly (20-38 days), 30 still open after 200 days: half the buyers
    # have NOT said yes within 200 days. Dropping the open deals would claim a median
    # of about a month.
    won_days = list(range(20, 40, 2))
    with_open = _deals("DE", won_days + [200] * 30, [True] * 10 + [False] * 30)
    only_won = _deals("DE", won_days, [True] * 10)
    params = CultureParams(shrinkage_deals=0.001)  # data only, no prior
    censored = learned_paces(with_open, None, TABLE, params)[("DE", "")]
    dropped = learned_paces(only_won, None, TABLE, params)[("DE", "")]
    assert dropped.learned[1].time == pytest.approx(28, abs=2)
    assert censored.learned[1].time is None  # fewer than half said yes while we watched
    assert censored.learned[0].time == 38  # a quarter (10 of 40) only by day 38
    assert dropped.learned[0].time < 30
    assert censored.days_50 > 5 * dropped.days_50  # at least the 200 days we watched


def test_lost_deals_are_censored_not_counted_as_yes():
    deals = _deals("DE", [10, 20, 30, 40], [True, False, True, False])
    pace = learned_paces(deals, None, TABLE, CultureParams(shrinkage_deals=0.001))[("DE", "")]
    assert pace.won == 2 and pace.n == 4


def _fast_deals(n, rng):
    days = rng.integers(5, 15, size=n).astype(float)  # everyone says yes within 2 weeks
    return _deals("UA", days, np.ones(n, bool))


def test_prior_dominates_with_two_deals():
    pace = learned_paces(_fast_deals(2, np.random.default_rng(1)), None, TABLE, PARAMS)[("UA", "")]
    assert pace.prior_weight > 0.8
    assert abs(pace.days_50 - pace.prior.days_to_yes) < abs(pace.days_50 - pace.learned[1].time)


def test_data_dominates_with_two_hundred_deals():
    pace = learned_paces(_fast_deals(200, np.random.default_rng(2)), None, TABLE, PARAMS)[("UA", "")]
    assert pace.data_weight > 0.8
    assert abs(pace.days_50 - pace.learned[1].time) < abs(pace.days_50 - pace.prior.days_to_yes)
    assert "91%" in pace.reasons[0].message


def test_learned_paces_by_sector_splits_groups():
    deals = DealDurations(
        np.array(["DE", "DE", "NL"]), np.array(["it", "legal", "it"]),
        np.array([10.0, 50.0, 30.0]), np.array([True, True, True]),
    )  # fmt: skip
    paces = learned_paces(deals, None, TABLE, PARAMS, by_sector=True)
    assert set(paces) == {("DE", "it"), ("DE", "legal"), ("NL", "it")}


def test_learned_pace_for_country_without_scores_uses_neutral_prior():
    pace = learned_paces(_deals("XK", [30, 40], [True, True]), None, TABLE, PARAMS)[("XK", "")]
    assert pace.prior.neutral and pace.days_50 > 0


def test_durations_from_dates_censor_open_deals_at_today():
    deals = DealDurations.from_dates(
        ["DE", "DE"], ["", ""],
        np.array(["2026-01-01", "2026-01-01"], dtype="datetime64[D]"),
        np.array(["2026-01-31", "NaT"], dtype="datetime64[D]"),
        np.array([True, False]), today=date(2026, 3, 2),
    )  # fmt: skip
    assert deals.days.tolist() == [30.0, 60.0]


# --- pairs ---------------------------------------------------------------------------


def test_pair_nl_de_says_the_buyer_expects_thorough_fast_precise_answers():
    pair = pair_pace(TABLE, "NL", "DE", PARAMS)
    assert pair.buyer_finds_us == "slow" and pair.we_find_buyer == "pushy"
    assert "thorough, fast and precise" in pair.reasons[0].message


def test_pair_nl_ua_says_the_buyer_expects_speed():
    pair = pair_pace(TABLE, "NL", "UA", PARAMS)
    assert pair.buyer_finds_us == "slow"
    assert "speed" in pair.reasons[0].message
    assert any(r.code == "idv_missing" for r in pair.reasons)


def test_pair_without_note_follows_the_prior():
    pair = pair_pace(TABLE, "GB", "JP", PARAMS)  # Japan: much higher UAI and LTO
    assert pair.buyer_finds_us == "pushy"


def test_pair_with_unscored_country_still_answers():
    pair = pair_pace(TABLE, "NL", "XK", PARAMS)
    assert pair.buyer_finds_us in {"slow", "pushy", "about right"}


# --- business days -------------------------------------------------------------------

CALENDAR = BusinessCalendar()


def test_german_holidays_are_not_business_days():
    assert not CALENDAR.is_business_day("DE", date(2026, 10, 3))  # Tag der Deutschen Einheit
    assert CALENDAR.roll_forward("DE", date(2026, 12, 25)) == date(2026, 12, 28)


def test_country_unknown_to_holidays_gets_weekends_only():
    assert CALENDAR.roll_forward("XK", date(2026, 11, 28)) == date(2026, 11, 30)


@given(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_roll_forward_lands_on_a_german_business_day(day):
    rolled = CALENDAR.roll_forward("DE", day)
    assert rolled >= day and rolled - day < timedelta(days=6)
    assert rolled.weekday() < 5 and rolled not in set(CALENDAR.holidays("DE", [rolled.year]))


@settings(max_examples=50)
@given(st.lists(st.tuples(st.integers(0, 50), st.booleans(), st.integers(1, 4)), min_size=1, max_size=40))
def test_weighted_rows_equal_repeated_rows(rows):
    days = np.array([r[0] for r in rows], float)
    won = np.array([r[1] for r in rows])
    count = np.array([r[2] for r in rows])
    weighted = kaplan_meier(days, won, weights=count)
    repeated = kaplan_meier(np.repeat(days, count), np.repeat(won, count))
    assert weighted.n == repeated.n and weighted.events == repeated.events
    assert np.allclose(weighted.survival, repeated.survival)
    assert np.allclose(weighted.lower, repeated.lower)
    grouped = grouped_quantiles(np.zeros(days.size, int), days, won, 1, weights=count)
    assert grouped.n[0] == count.sum()


def test_unreached_quartile_is_reported_as_a_lower_bound():
    deals = _deals("DE", [10, 20, 30, 40] + [300] * 4, [True] * 4 + [False] * 4)
    pace = learned_paces(deals, None, TABLE, CultureParams(shrinkage_deals=0.001))[("DE", "")]
    assert pace.lower_bounds == (False, False, True)
    assert pace.days_75 == pytest.approx(300, rel=0.01)
