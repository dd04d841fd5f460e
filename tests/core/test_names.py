from hypothesis import given
from hypothesis import strategies as st

from peiban.core.names import full_name


def test_it_writes_chinese_names_family_name_first() -> None:
    assert full_name("静", "李") == "李静"
    assert full_name("女士", "彭") == "彭女士"


def test_it_writes_other_names_given_name_first() -> None:
    assert full_name("Ann", "Lee") == "Ann Lee"
    assert full_name("", "Lee") == "Lee"


@given(
    st.text(alphabet="王李张刘陈杨", min_size=1, max_size=2),
    st.text(alphabet="伟芳娜敏静", min_size=1, max_size=2),
)
def test_it_keeps_every_character_of_a_chinese_name(last: str, first: str) -> None:
    assert full_name(first, last) == last + first
