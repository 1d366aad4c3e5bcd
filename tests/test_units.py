"""Unit statistics against numpy references and planted answers."""
import numpy as np
import pytest
import torch

from explorer.data.features import Features, text_features
from explorer.model import CharModel, ModelConfig
from explorer.text import Vocab
from explorer.trace import Trace
from explorer.figures.style import plot_text
from explorer.figures.units import ranking_bars, saturation_scatter, text_colored, text_grid, topk_bars
from explorer.units import (Match, analyse_text, find_matches, gate_saturation, pearson, rank_units, select_units,
                            signal)


def test_pearson_matches_numpy_corrcoef():
    rng = np.random.default_rng(0)
    acts, feats = rng.normal(size=(200, 7)), rng.normal(size=(3, 200))
    feats[1] = acts[:, 4] * 2 + 0.1 * feats[1]
    ref = np.corrcoef(np.vstack([feats, acts.T]))[:3, 3:]
    np.testing.assert_allclose(pearson(acts, feats), ref, atol=1e-12)


def test_constant_feature_or_unit_has_zero_r_not_nan():
    acts = np.c_[np.ones(50), np.arange(50.0)]
    r = pearson(acts, np.stack([np.full(50, 3.0), np.arange(50.0)]))
    np.testing.assert_allclose(r, [[0, 0], [0, 1]], atol=1e-12)


def test_ranking_finds_the_planted_unit_with_its_sign():
    rng = np.random.default_rng(1)
    f = Features(names=("a", "b"), values=rng.normal(size=(2, 300)))
    acts = rng.normal(size=(300, 16))
    acts[:, 11] = -f["b"] + 0.3 * rng.normal(size=300)
    R = rank_units(acts, f)
    unit, r = R.best("b")
    assert unit == 11 and r < -0.9
    assert R.top("b", 3)[0][0] == 11 and len(R.top("b", 3)) == 3
    assert R.best_abs()[1] == pytest.approx(abs(r))


def _trace(f_gate: np.ndarray) -> Trace:
    T, H = f_gate.shape
    g = torch.tensor(f_gate, dtype=torch.float32)
    return Trace(arch="lstm", x=torch.zeros(T, 1), h=torch.zeros(T, H), c=torch.zeros(T, H),
                 gates={"i": g, "f": g, "g": g * 0, "o": g}, h0=torch.zeros(H), c0=torch.zeros(H))


def test_gate_saturation_fractions():
    f = np.array([[0.95, 0.05, 0.5], [0.99, 0.02, 0.5], [0.5, 0.95, 0.5], [0.97, 0.01, 0.5]])
    s = gate_saturation(_trace(f), "f")
    np.testing.assert_allclose(s.high, [0.75, 0.25, 0])
    np.testing.assert_allclose(s.low, [0, 0.75, 0])
    assert s.count_high() == 1 and s.count_low() == 1
    with pytest.raises(ValueError, match="sigmoid gate"):
        gate_saturation(_trace(f), "g")


def test_selection_and_matches_lstmvis():
    acts = np.zeros((30, 4))
    acts[5:9, [0, 2]] = 1.0  # the brushed span: units 0 and 2 on
    acts[20:24, [0, 2]] = 1.0  # the same pattern elsewhere
    acts[12:15, 0] = 1.0  # only half of it
    units = select_units(acts, 5, 9, 0.5)
    assert units == (0, 2)
    found = find_matches(acts, units, 0.5, exclude=(5, 9))
    assert found == [Match(20, 24, 1.0)]
    half = find_matches(acts, units, 0.5, agree=0.5, exclude=(5, 9))
    assert [(m.start, m.end) for m in half] == [(20, 24), (12, 15)]
    with pytest.raises(ValueError, match="start < end"):
        select_units(acts, 9, 5, 0.5)


def test_analyse_text_end_to_end_with_a_bad_regex():
    vocab = Vocab.from_text("f(x) = [1]\n")
    m = CharModel(vocab, ModelConfig("gru", 8, seed=0)).eval()
    u = CharModel(vocab, ModelConfig("gru", 8, seed=1)).eval()
    a = analyse_text(m, u, "f(x) = [1]\n", "h", "(")
    assert a.regex_error and "valid" in a.regex_error and "regex" not in a.features.names
    assert a.acts.shape == (11, 8) and a.ranking.r.shape == (6, 8)
    np.testing.assert_allclose(a.acts, signal(m.trace_text("f(x) = [1]\n").trace, "h"))
    b = analyse_text(m, u, "f(x) = [1]\n", "z", r"\d")
    assert b.features.names[-1] == "regex" and b.regex_error is None


def test_text_grid_wraps_and_breaks_at_newlines():
    rows, cols = text_grid(("a", "b", "↵", "c", "d", "e"), wrap=2)
    assert rows.tolist() == [0, 0, 1, 2, 2, 3] and cols.tolist() == [0, 1, 0, 0, 1, 0]


def _cells(out: str) -> list[tuple[str, str, str, str]]:
    """(grid column set or '', background, hover, shown) of every character cell of a text_html block."""
    import re
    return re.findall(r'<span class="tx-c[^"]*" style="(grid-column:\d+;)?background:(#[0-9a-f]{6})" '
                      r'title="([^"]*)">([^<]*)</span>', out)


def test_figures_never_carry_raw_markup():
    labels = ("<", "b", ">", "&", "x")
    out = text_colored(labels, np.linspace(-1, 1, 5), title="t <i>", kind="tanh", value_name="h", unit=0,
                       next_chars=["next: '<' 50%"] * 5)
    cells = _cells(out)
    assert [c[3] for c in cells] == ["&lt;", "b", "&gt;", "&amp;", "x"] and "<i>" not in out
    assert all("<" not in c[2] for c in cells) and "next: &#x27;&lt;&#x27; 50%" in cells[0][2]
    assert plot_text("<b>&") == "&lt;b&gt;&amp;"
    assert topk_bars(["<"], [0.5], after="'<'").data[0].y[0] == "&lt;"


def test_ranking_and_saturation_figures_build():
    f = text_features("f(x)\n")
    R = rank_units(np.random.default_rng(0).normal(size=(5, 3)), f)
    assert len(ranking_bars(R, R, arch="lstm").data) == 2
    s = gate_saturation(_trace(np.full((4, 3), 0.95)), "f")
    assert len(saturation_scatter(s, s, arch="lstm").data) == 3


@pytest.mark.parametrize("floor", [0.0251, -0.004, 0.29, 0.3, -0.5])
def test_the_suggested_threshold_is_the_highest_of_two_decimals_some_unit_still_holds(floor):
    """The Unit Finder's button: a threshold its box can show (two decimals) at which select_units finds the unit
    named, while one step higher finds no unit; never printed as '-0.00'."""
    from explorer.scenes.unit_finder import Span, threshold_hint

    rng = np.random.default_rng(0)
    h = rng.uniform(-1, floor - 0.05, size=(40, 8))
    h[10:20, 5] = floor + rng.uniform(0, 0.3, size=10)
    h[13, 5] = floor  # unit 5's lowest h over the span
    best, unit, usable = threshold_hint(h, Span(10, 20, changed=False))
    assert (best, unit) == (pytest.approx(floor), 5)
    assert round(usable, 2) == usable and f"{usable:.2f}" != "-0.00"
    assert 5 in select_units(h, 10, 20, usable)
    assert round(usable + 0.01, 2) > best and 5 not in select_units(h, 10, 20, round(usable + 0.01, 2))


def test_the_headline_says_when_the_untrained_model_does_better_not_as_well():
    """Two random models: whichever has the stronger best unit, the headline compares the two |r| as numpy's
    corrcoef gives them, and never calls a larger untrained |r| "as well"."""
    from explorer.scenes.unit_finder import found_headline

    text = "def f(x):\n    return (x + (1 * x)) - ((x))\n" * 2
    vocab = Vocab.from_text(text)
    m, u = (CharModel(vocab, ModelConfig("lstm", 8, seed=s)).eval() for s in (0, 3))
    seen = set()
    for a_model, b_model in ((m, u), (u, m)):
        A = analyse_text(a_model, b_model, text, "h")
        best = lambda model: max(abs(np.corrcoef(A.features["bracket_depth"], col)[0, 1])  # noqa: E731
                                 for col in signal(model.trace_text(text).trace, "h").T)
        r_a, r_b = round(best(a_model), 2), round(best(b_model), 2)
        _, said = found_headline(A, "bracket_depth", "hidden state h")
        if r_b > r_a:
            seen.add("more")
            assert f"reaches more, |r| = {r_b:.2f}" in said and "as well" not in said
        elif r_b < r_a:
            seen.add("less")
            assert f"reaches only |r| = {r_b:.2f}" in said
    assert seen == {"more", "less"}


def test_a_span_that_was_moved_says_why():
    from explorer.scenes.unit_finder import clamp_span
    reversed_ = clamp_span(1186, 500, 10)
    assert (reversed_.start, reversed_.end, reversed_.changed) == (500, 501, True)
    assert reversed_.why == "its end (10) was not after its start (500)"
    long = clamp_span(1186, 1100, 5000)
    assert (long.start, long.end) == (1100, 1186) and long.why == "it did not fit this text of 1,186 characters"
    assert not clamp_span(1186, 3, 9).changed


def test_coloured_text_colours_each_character_on_its_scale_and_outlines_the_spans():
    """Each character's colour is plotly's own sample of the quantity's scale at its value (Cividis for a gate
    0..1, RdBu for tanh −1..1, an unbounded value about its mean); a newline ends its row; the cursor, the
    selection and the matches are outlined over exactly their characters."""
    import html
    import re

    import plotly.colors

    from explorer.figures.style import GATE_SCALE, TANH_SCALE, UNBOUNDED_SCALE
    from explorer.units import Match

    labels = ("a", "b", "↵", "c", "d", "e", "f")
    for kind, values, scale, lo, hi in (("gate", np.array([0.0, 0.1, 0.5, 0.7, 0.9, 1.0, 0.3]), GATE_SCALE, 0.0, 1.0),
                                        ("tanh", np.linspace(-1, 1, 7), TANH_SCALE, -1.0, 1.0),
                                        ("unbounded", np.array([8.0, 9.0, 7.0, 8.5, 8.0, 10.0, 6.0]), UNBOUNDED_SCALE,
                                         None, None)):
        out = text_colored(labels, values, title="t", kind=kind, value_name="v", unit=3, wrap=4, cursor=4,
                           selection=(1, 4), matches=[Match(5, 7, 1.0)])
        cells = _cells(out)
        if lo is None:  # about the mean, on a scale symmetric about 0
            centred = values - values.mean()
            frac = (centred + np.abs(centred).max()) / (2 * np.abs(centred).max())
        else:
            frac = (values - lo) / (hi - lo)
        for (_, got, hover, _), f, v in zip(cells, frac, values):
            want = plotly.colors.unlabel_rgb(plotly.colors.sample_colorscale(scale, [float(f)])[0])
            assert max(abs(int(got[i:i + 2], 16) - w) for i, w in zip((1, 3, 5), want)) <= 3, (kind, v, got, want)
            assert f"v={v:.3f}" in html.unescape(hover)
        # a b ↵ | c d e f: after the newline, 'c' starts the next row at the first column
        assert [c[0] for c in cells] == ["grid-column:1;", "", "", "grid-column:1;", "", "", ""]
        outlines = [o for o in out.split('class="tx-o"')[1:]]
        areas = [o.split("grid-area:")[1].split(";")[0] for o in outlines]
        # selection t = 1..3: row 1 columns 2-3 ('b', '↵'), row 2 column 1 ('c'); the match t = 5..6 (dotted);
        # the cursor t = 4 ('d')
        assert areas == ["1 / 2 / 2 / 4", "2 / 1 / 3 / 2", "2 / 3 / 3 / 5", "2 / 2 / 3 / 3"]
        assert "dotted" in outlines[2] and "#000000" in outlines[3]
        # the bar's labels are raw values, as the hovers give them (c about its mean: mean ± largest deviation)
        labels_on_bar = re.findall(r'class="tx-k" style="left:[\d.]+%">([^<]*)</span>', out)
        want_lo, want_hi = (lo, hi) if lo is not None else (values.mean() - np.abs(centred).max(),
                                                             values.mean() + np.abs(centred).max())
        assert [float(x.replace("−", "-")) for x in labels_on_bar] == pytest.approx(
            [want_lo, (want_lo + want_hi) / 2, want_hi], rel=5e-3, abs=5e-3)  # three significant digits
