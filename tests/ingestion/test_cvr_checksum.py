"""The vectorised CVR modulus-11 check agrees with python-stdnum on any text (an independent route)."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.dk import cvr as stdnum_cvr

from assets.ingestion.parsing import cvr_check


def checked(values: list[str | None]) -> list[bool]:
    return pl.DataFrame({"cvr": values}, schema={"cvr": pl.String}).select(cvr_check(pl.col("cvr"))).to_series().to_list()


def stdnum_says_valid(value: str | None) -> bool:
    return (
        value is not None
        and len(value) == 8
        and value.isascii()
        and value.isdigit()
        and stdnum_cvr.checksum(value) == 0
    )


eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)
near_misses = st.one_of(
    st.text(alphabet="0123456789", min_size=0, max_size=10),
    st.text(min_size=0, max_size=9),  # any unicode, Arabic-Indic and full-width digits included
    eight_digits.map(lambda s: s[:4] + " " + s[4:]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(eight_digits, near_misses, st.none()), max_size=60))
def test_vectorised_check_equals_stdnum(values):
    assert checked(values) == [stdnum_says_valid(v) for v in values]


def test_known_numbers():
    # 10403782 by hand: 2*1+7*0+6*4+5*0+4*3+3*7+2*8+1*2 = 2+0+24+0+12+21+16+2 = 77 = 7*11 -> valid
    values = ["10403782", "10403783", "1040378", "١٠٤٠٣٧٨٢", None]
    assert checked(values) == [True, False, False, False, False]
