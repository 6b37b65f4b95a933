"""Romanian legal holidays and day counting (Codul muncii art. 139; Norme OUG 158/2005 art. 31)."""

from datetime import date

from hypothesis import given, strategies as st

from formproc.calendar import (calendar_days, is_legal_holiday, legal_holidays, next_working_day, working_days,
                               working_days_in_month)


def test_2026_working_days_match_d112():
    # ANAF D112 structure v7 lists the 2026 working days per month.
    assert [working_days_in_month(2026, m) for m in range(1, 13)] == [18, 20, 22, 20, 20, 21, 23, 21, 22, 22, 20, 21]


def test_orthodox_easter_pentecost_and_january_holidays():
    h2026 = legal_holidays(2026)
    assert date(2026, 4, 12) in h2026 and date(2026, 4, 13) in h2026 and date(2026, 4, 10) in h2026
    assert date(2026, 5, 31) in h2026 and date(2026, 6, 1) in h2026
    assert is_legal_holiday(date(2027, 5, 2)) and is_legal_holiday(date(2027, 5, 3))
    assert is_legal_holiday(date(2024, 1, 6)) and is_legal_holiday(date(2024, 1, 7))
    assert not is_legal_holiday(date(2023, 1, 6))  # 6-7 January only from 2024 (Legea 52/2023)


def test_norms_example_first_five_days_of_january_2018():
    # Norme art. 31: leave 1-12.01.2018, 1-2 January are holidays -> 3 working days among days 1-5.
    assert working_days(date(2018, 1, 1), date(2018, 1, 5)) == 3
    assert working_days(date(2018, 1, 8), date(2018, 1, 12)) == 5


def test_next_working_day_skips_weekend_and_holidays():
    assert next_working_day(date(2026, 11, 27)) == date(2026, 12, 2)  # Fri -> (30 Nov, 1 Dec holidays) Wed


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(0, 400))
def test_calendar_days_inclusive(start, n):
    from datetime import timedelta

    end = start + timedelta(days=n)
    assert calendar_days(start, end) == n + 1
    assert 0 <= working_days(start, end) <= n + 1
    assert calendar_days(end, start) == (1 if n == 0 else 0)
