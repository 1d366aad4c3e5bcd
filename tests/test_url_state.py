"""URL parameters are parsed, clamped or refused with a notice (explorer/ui/state.py)."""
from explorer.ui.state import Param


def test_numbers_are_clamped_with_a_notice():
    v, note = Param("hidden", 16, lo=1, hi=256).parse("100000")
    assert v == 256 and "outside" in note
    assert Param("hidden", 16, lo=1, hi=256).parse("32") == (32, None)


def test_malformed_values_fall_back_to_the_default():
    assert Param("hidden", 16, lo=1, hi=256).parse("abc")[0] == 16
    assert Param("T", 50, lo=2, hi=500).parse("1e309") == (50, "'T' in the link is not valid; using 50.")
    assert Param("note", False).parse("maybe") == (False, "'note' in the link must be 1 or 0 (on or off); using off.")
    assert Param("note", False).parse("YES") == (True, None)
    assert Param("x", 0.5, lo=0, hi=1).parse("-1e309")[0] == 0.5
    assert Param("x", 0.5, lo=0, hi=1).parse("nan")[0] == 0.5
    assert Param("arch", "lstm", choices=("lstm", "gru")).parse("<script>")[0] == "lstm"
    assert Param("flag", False).parse("maybe")[0] is False


def test_strings_are_capped_and_booleans_read():
    v, note = Param("text", "hello", max_len=5).parse("abcdefgh")
    assert v == "abcde" and "first 5" in note
    assert Param("flag", False).parse("1") == (True, None)
    assert Param("units", (0,)).parse("1,2,3")[0] == [1, 2, 3]
    v, note = Param("cells", ("lstm",), choices=("lstm", "gru", "rnn")).parse("gru,evil")
    assert v == ["gru"] and "may only list" in note
