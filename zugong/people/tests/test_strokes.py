"""姓氏笔画 ordering: stroke count, then the strokes in writing order (横1 竖2 撇3 点4 折5), then the
next character."""

from zugong.core.strokes import name_key, sort_names, strokes_of

EIGHT = ["丁", "上", "马", "王", "司", "李", "张", "欧"]


def test_it_orders_the_eight_surnames_by_strokes():
    assert sort_names(["欧", "张", "李", "司", "王", "马", "上", "丁"]) == EIGHT
    assert [len(strokes_of(c)) for c in EIGHT] == [2, 3, 3, 4, 5, 7, 7, 8]


def test_it_breaks_a_stroke_count_tie_by_the_first_stroke():
    # 上 and 马 both have 3 strokes: 上 starts with 竖 (2), 马 with 折 (5).
    assert strokes_of("上")[0] == "2" and strokes_of("马")[0] == "5"
    assert name_key("上") < name_key("马")
    # 李 and 张 both have 7 strokes: 李 starts with 横 (1), 张 with 折 (5).
    assert name_key("李") < name_key("张")


def test_it_compares_the_second_character_when_surnames_tie():
    # 王一 (1 stroke) < 王小 (3) < 王明 (8): same surname, second character decides.
    assert sort_names(["王明", "王小", "王一"]) == ["王一", "王小", "王明"]
    assert sort_names(["李四", "张三", "李二"]) == ["李二", "李四", "张三"]


def test_it_puts_a_surname_alone_before_longer_names_with_it():
    assert sort_names(["王小红", "王"]) == ["王", "王小红"]


def test_it_sorts_unknown_characters_last():
    assert sort_names(["Alice", "王"]) == ["王", "Alice"]
