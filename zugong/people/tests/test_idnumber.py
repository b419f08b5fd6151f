"""公民身份号码 (GB 11643-1999): 17 digits, then the ISO 7064 MOD 11-2 check character."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from zugong.core import idnumber

# The standard's worked example: 11010519491231002X, born 1949-12-31, a woman (17th digit 2 is even).
EXAMPLE = "11010519491231002X"


def test_it_accepts_a_valid_number_and_derives_birth_date_and_sex():
    number, birth, sex = idnumber.parse("110101198503080027")
    assert number == "110101198503080027"
    assert birth == dt.date(1985, 3, 8)
    assert sex == "F"  # 17th digit 2 is even
    assert idnumber.parse("110101198001010010")[2] == "M"  # 17th digit 1 is odd


def test_it_accepts_x_as_the_check_character():
    assert idnumber.check_char("11010519491231002") == "X"
    number, birth, sex = idnumber.parse(EXAMPLE)
    assert (number, birth, sex) == (EXAMPLE, dt.date(1949, 12, 31), "F")


def test_it_upper_cases_a_lower_x():
    assert idnumber.parse("11010519491231002x")[0] == EXAMPLE


def test_it_rejects_a_wrong_check_character():
    with pytest.raises(ValidationError) as exc:
        idnumber.parse("110105194912310021")
    assert exc.value.messages == ["公民身份号码校验位不正确，请核对。"]


def test_it_rejects_an_impossible_birth_date():
    first17 = "11010519490230001"  # 30 February
    with pytest.raises(ValidationError) as exc:
        idnumber.parse(first17 + idnumber.check_char(first17))
    assert exc.value.messages == ["公民身份号码中的出生日期（第7–14位）不是有效日期。"]


def test_it_rejects_a_birth_date_in_the_future():
    first17 = "11010521990101001"
    with pytest.raises(ValidationError) as exc:
        idnumber.parse(first17 + idnumber.check_char(first17))
    assert exc.value.code == "birth"


def test_it_rejects_the_wrong_length_with_the_count():
    with pytest.raises(ValidationError) as exc:
        idnumber.parse("1101051949123100")
    assert exc.value.messages == ["公民身份号码应为18位，当前为16位。"]


def test_it_rejects_letters_in_the_first_17():
    with pytest.raises(ValidationError) as exc:
        idnumber.parse("1101051949A231002X")
    assert exc.value.code == "format"


def test_it_normalizes_full_width_digits_and_spaces():
    full_width = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert idnumber.normalize(full_width) == EXAMPLE
    assert idnumber.parse(full_width)[0] == EXAMPLE


def test_it_masks_all_but_the_first_3_and_last_4():
    assert idnumber.mask(EXAMPLE) == "110***********002X"
    assert idnumber.mask_phone("13800138000") == "138****8000"


def test_it_builds_valid_numbers_for_demo_data():
    number = idnumber.make("110101", dt.date(1990, 6, 1), 123)
    assert idnumber.parse(number)[1:] == (dt.date(1990, 6, 1), "M")
