"""CNP and CUI: python-stdnum plus the foreign-resident century gap."""

from datetime import date

from hypothesis import given, strategies as st

from formproc.identity import age_on, birth_date, cnp_problem, cui_problem, is_valid_cnp, make_cnp, make_cui


def test_foreign_resident_born_2000_is_valid():
    # 7/8 do not encode the century; python-stdnum alone assumes 1900 and rejects 29.02.2000.
    cnp = make_cnp(date(2000, 2, 29), female=True, foreign=True)
    assert cnp[0] == "8" and is_valid_cnp(cnp)
    assert birth_date(cnp, date(2026, 1, 1)) == date(2000, 2, 29)


def test_problems_are_named():
    good = make_cnp(date(1985, 3, 14))
    assert cnp_problem(good) is None
    assert cnp_problem(good[:-1] + str((int(good[-1]) + 1) % 10)) == "cifra de control este greșită"
    assert cnp_problem("123") == "trebuie să aibă 13 cifre"
    assert cnp_problem("1851314220013") == "data nașterii codificată nu există"
    assert cnp_problem("1850314990012") == "codul de județ 99 nu există"


def test_age_for_child_care():
    child = make_cnp(date(2019, 5, 2), female=True, county="40")
    assert age_on(child, date(2026, 5, 1)) == 6
    assert age_on(child, date(2026, 5, 2)) == 7


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.booleans(), st.integers(1, 999),
       st.sampled_from(["01", "22", "40", "52"]))
def test_generated_cnps_validate(born, female, serial, county):
    cnp = make_cnp(born, female, county, serial)
    assert cnp_problem(cnp) is None
    assert birth_date(cnp) == born


@given(st.integers(1, 99_999_999))
def test_generated_cuis_validate(body):
    cui = make_cui(str(body))
    assert cui_problem(cui) is None
    assert cui_problem(cui[:-1] + str((int(cui[-1]) + 1) % 10)) is not None
