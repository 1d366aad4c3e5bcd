"""Ground-truth features on hand-made strings, and the synthetic corpus's own depth as a reference."""
import time

import numpy as np
import pytest

from explorer.data.corpus import synthetic_text
from explorer.data.features import FEATURES, MAX_PATTERN_LEN, check_pattern, regex_feature, text_features


def col(text, name):
    return [int(v) for v in text_features(text)[name]]


def test_nested_brackets_depth_after_each_char():
    assert col("f(a[b{c}])x", "bracket_depth") == [0, 1, 1, 2, 2, 3, 3, 2, 1, 0, 0]


def test_stray_closer_does_not_go_negative():
    assert col(")a(", "bracket_depth") == [0, 0, 1]


def test_brackets_inside_strings_do_not_count():
    text = 'x = ("(", \'[\')'
    assert col(text, "bracket_depth") == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert col(text, "in_string") == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0]


def test_escaped_quote_does_not_end_the_string():
    text = r'"a\"b" c'
    # opening quote inside; \" stays inside; the real closing quote is already outside
    assert col(text, "in_string") == [1, 1, 1, 1, 1, 0, 0, 0]


def test_escaped_backslash_then_quote_ends_the_string():
    text = r'"a\\" (b)'
    assert col(text, "in_string") == [1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert col(text, "bracket_depth") == [0, 0, 0, 0, 0, 0, 1, 1, 0]


def test_hash_inside_string_is_not_a_comment():
    text = 's = "# no" # yes\nx'
    com = col(text, "in_comment")
    assert com[: text.index("# yes")] == [0] * text.index("# yes")
    assert com[text.index("# yes"): text.index("\n")] == [1] * len("# yes")
    assert com[text.index("\n"):] == [0, 0]


def test_quote_and_brackets_inside_comment_are_ignored():
    text = "# it's (\nf(x)"
    assert col(text, "in_string") == [0] * len(text)
    assert col(text, "bracket_depth")[-4:] == [0, 1, 1, 0]


def test_triple_quoted_string_spans_lines_and_hides_brackets():
    text = 'a = """x(\n"y"\n""" ('
    ins = col(text, "in_string")
    dep = col(text, "bracket_depth")
    close = text.rindex('"""')
    assert ins[4:close + 2] == [1] * (close + 2 - 4)  # the first two closing quotes are still inside
    assert ins[close + 2:] == [0, 0, 0]
    assert dep == [0] * (len(text) - 1) + [1]


def test_unterminated_single_quote_ends_at_newline():
    assert col("'ab\n(", "in_string") == [1, 1, 1, 0, 0]
    assert col("'ab\n(", "bracket_depth")[-1] == 1


def test_line_features():
    text = "ab\n  cd\n\tx"
    assert col(text, "column") == [0, 1, 2, 0, 1, 2, 3, 4, 0, 1]
    assert col(text, "chars_left") == [1, 0, 0, 3, 2, 1, 0, 0, 1, 0]
    assert col(text, "indentation") == [0, 0, 0, 2, 2, 2, 2, 2, 8, 8]


def test_all_features_have_one_value_per_char():
    f = text_features("x = [1, 2]  # done\n")
    assert f.names == FEATURES and f.values.shape == (len(FEATURES), 19)


def test_synthetic_ground_truth_agrees_with_the_scanner():
    s = synthetic_text(seed=3, n_chars=20_000)
    assert s.depth.max() >= 4  # the language really nests
    np.testing.assert_array_equal(text_features(s.text)["bracket_depth"], s.depth)


def test_synthetic_is_deterministic():
    assert synthetic_text(5, 500).text == synthetic_text(5, 500).text != synthetic_text(6, 500).text


def test_regex_feature_marks_matched_chars():
    np.testing.assert_array_equal(regex_feature("a self.x b", r"self\.\w+"), [0, 0, 1, 1, 1, 1, 1, 1, 0, 0])


@pytest.mark.parametrize("pattern, message", [("(a", "Not a valid regular expression"),
                                               ("a" * (MAX_PATTERN_LEN + 1), "at most"), ("", "empty")])
def test_bad_patterns_get_a_clear_message(pattern, message):
    with pytest.raises(ValueError, match=message):
        check_pattern(pattern)
    with pytest.raises(ValueError, match=message):
        regex_feature("abc", pattern)


def test_catastrophic_pattern_is_stopped_in_time():
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="longer than"):
        regex_feature("a" * 60 + "!", "(a+)+b", timeout=1.0)
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("name", ["textwrap.py", "pprint.py", "json/decoder.py", "argparse.py"])
def test_the_scanner_agrees_with_pythons_tokenize_on_real_files(name):
    """Bracket depth, strings and comments against the standard library's own tokenizer (issue 13)."""
    import io
    import sysconfig
    import tokenize
    from pathlib import Path

    text = (Path(sysconfig.get_paths()["stdlib"]) / name).read_text(encoding="utf-8")
    f = text_features(text)
    starts = np.cumsum([0] + [len(line) for line in text.splitlines(keepends=True)])  # offset of each row

    def offset(pos):
        return int(starts[pos[0] - 1] + pos[1])

    depth_steps = np.zeros(len(text) + 1, dtype=np.int64)
    in_string = np.zeros(len(text), dtype=bool)
    in_comment = np.zeros(len(text), dtype=bool)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        a, b = offset(tok.start), offset(tok.end)
        if tok.type == tokenize.OP and tok.string in "([{":
            depth_steps[a] += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth_steps[a] -= 1
        elif tok.type == tokenize.STRING:
            q = min(i for i in (tok.string.find("'"), tok.string.find('"')) if i >= 0)  # after a prefix (r, f, b)
            in_string[a + q: b - 1] = True  # the scanner counts the closing quote as outside
        elif tok.type == tokenize.COMMENT:
            in_comment[a:b] = True
    depth = np.cumsum(depth_steps)[:-1]  # depth after reading each character
    assert (f["bracket_depth"] == depth).all()
    assert (f["in_string"].astype(bool) == in_string).all()
    assert (f["in_comment"].astype(bool) == in_comment).all()
