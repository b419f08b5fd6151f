import datetime as dt

from zugong.imports.rules import Lookups, validate_row

TODAY = dt.date(2026, 11, 29)
LOOK = Lookups(
    org_by_code={"QW0101": 7, "QW02": 9},
    org_by_path={"示范区委/城关街道党工委/康乐社区第一党支部": 7},
    org_in_scope=lambda pk: pk == 7,
    org_holds_members=lambda pk: True,
    unit_by_key={"城关街道办事处": 3},
    today=TODAY,
)
GOOD = {
    "姓名": "王小红",
    "公民身份号码": "110101198503080027",
    "所在党组织编码": "QW0101",
    "党员类别": "正式党员",
    "入党日期": "2005-07-01",
    "转正日期": dt.datetime(2006, 7, 1),
}


def messages(raw):
    return {(i.column, i.message) for i in validate_row(5, raw, LOOK).issues}


def test_it_accepts_a_good_row_and_derives_birth_and_sex():
    d = validate_row(5, GOOD, LOOK)
    assert d.issues == []
    assert (d.birth_date, d.sex, d.org_id, d.status) == (dt.date(1985, 3, 8), "F", 7, "full")


def test_it_reports_an_id_stored_as_a_number():
    assert any(
        "科学计数" in m or "存成了数字" in m
        for _, m in messages({**GOOD, "公民身份号码": 1.10101198503080e17})
    )


def test_it_folds_full_width_digits_and_stray_spaces():
    d = validate_row(
        5, {**GOOD, "公民身份号码": " １１０１０１１９８５０３０８００２７\u3000", "姓名": " 王小红 "}, LOOK
    )
    assert d.issues == [] and d.id_number == "110101198503080027" and d.name == "王小红"


def test_it_reports_a_wrong_checksum_in_chinese():
    assert ("公民身份号码", "公民身份号码校验位不正确，请核对。") in messages(
        {**GOOD, "公民身份号码": "110101198503080028"}
    )


def test_it_reports_formulas():
    assert any("公式" in m for _, m in messages({**GOOD, "职务": "=A1&B1"}))


def test_it_refuses_markup_and_sql_looking_text():
    assert any(c == "姓名" for c, _ in messages({**GOOD, "姓名": "<script>alert(1)</script>"}))
    assert any(c == "职务" for c, _ in messages({**GOOD, "职务": "科员'; DROP TABLE people_person;--"}))


def test_it_refuses_ten_megabytes_of_text():
    assert any("内容过长" in m for _, m in messages({**GOOD, "家庭住址": "长" * 10_000_000}))


def test_it_finds_the_branch_by_name_path_and_checks_scope():
    raw = {**GOOD, "所在党组织编码": None, "所在党组织": "示范区委 / 城关街道党工委 ＞ 康乐社区第一党支部"}
    assert validate_row(5, raw, LOOK).org_id == 7
    assert ("所在党组织编码", "该党组织不在您的授权范围内") in messages({**GOOD, "所在党组织编码": "QW02"})
    assert any("找不到编码" in m for _, m in messages({**GOOD, "所在党组织编码": "NOPE"}))


def test_it_checks_membership_dates():
    assert ("转正日期", "正式党员须填写转正日期") in messages({**GOOD, "转正日期": None})
    assert ("转正日期", "转正日期不能早于入党日期") in messages({**GOOD, "转正日期": "2004-01-01"})
    assert ("入党日期", "入党时应年满十八周岁") in messages(
        {**GOOD, "入党日期": "2002-01-01", "转正日期": "2004-01-01"}
    )
    assert ("入党日期", "日期不能晚于今天") in messages({**GOOD, "入党日期": "2027-01-01", "转正日期": None})
    assert any("格式不正确" in m for _, m in messages({**GOOD, "入党日期": "去年七月"}))


def test_it_reads_the_usual_date_spellings():
    for text in ("2005-07-01", "2005/7/1", "2005.07.01", "20050701", "2005年7月1日", 38534):
        assert validate_row(5, {**GOOD, "入党日期": text}, LOOK).join_date == dt.date(2005, 7, 1), text
