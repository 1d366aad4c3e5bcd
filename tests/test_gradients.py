"""explorer.gradients against torch.autograd, and the physics the Gradient Lab must show (issue 4)."""
import math

import pytest
import torch

from explorer.cells import CELLS, GRU, LSTM, RNN
from explorer.gradients import (by_distance, carry_product, input_sensitivity, reach, rnn_bound, sensitivities,
                                spectral_radius, with_spectral_radius)
from explorer.model import carry_bias

ARCHS = ("rnn", "lstm", "gru")


def _inputs(T, I, seed=0, dtype=torch.float64):
    return torch.randn(T, I, generator=torch.Generator().manual_seed(seed), dtype=dtype)  # (T, I)


def _rel(a, b):
    return ((a - b).abs() / b.abs().clamp_min(1e-300)).max().item()


# ----------------------------------------------------------------------------- against autograd
@pytest.mark.parametrize("arch", ARCHS)
def test_input_sensitivity_matches_autograd_jacobian(arch):
    T, I, H = 9, 3, 5
    cell = CELLS[arch](I, H, seed=3, dtype=torch.float64)
    carry_bias(cell, 1.0)  # off the default init, so every term of the closed form matters
    x = _inputs(T, I, seed=1)
    J = torch.autograd.functional.jacobian(lambda xx: cell(xx)[0][-1], x)  # (H, T, I): ∂h_T/∂x
    expected = J.square().sum(dim=(0, 2)).sqrt()  # (T,)
    s = input_sensitivity(cell, x)
    assert s.shape == (T,) and s.dtype == torch.float64
    assert _rel(s, expected) < 1e-8


def _state_jacobians(cell, x, t):
    """‖∂h_T/∂h_t‖ (c_t fixed) and ‖∂h_T/∂c_t‖ (h_t fixed) by autograd, rerunning steps t+1..T from (h_t, c_t)."""
    T, H = x.shape[0], cell.hidden_size
    tr = cell.trace(x)
    h_t = tr.h[t]
    c_t = tr.c[t] if tr.c is not None else None

    def run(h, c):
        if t == T - 1:
            return h + 0 * (c if c is not None else 0)
        state = (h.view(1, H), c.view(1, H)) if c is not None else h.view(1, H)
        return cell(x[t + 1:], state)[0][-1]

    Jh = torch.autograd.functional.jacobian(lambda h: run(h, c_t), h_t)  # (H, H)
    Jc = None if c_t is None else torch.autograd.functional.jacobian(lambda c: run(h_t, c), c_t)
    return Jh.norm(), (None if Jc is None else Jc.norm())


@pytest.mark.parametrize("arch", ARCHS)
def test_state_sensitivities_match_autograd(arch):
    T, I, H = 8, 3, 4
    cell = CELLS[arch](I, H, seed=5, dtype=torch.float64)
    carry_bias(cell, 1.5)
    x = _inputs(T, I, seed=2)
    s = sensitivities(cell, x)
    pairs = [_state_jacobians(cell, x, t) for t in range(T)]
    hidden = torch.stack([p[0] for p in pairs])
    assert _rel(s.hidden, hidden) < 1e-8
    if arch == "lstm":
        cellv = torch.stack([p[1] for p in pairs])
        assert s.cell[-1] == 0 and cellv[-1] == 0  # h_T does not depend on c_T once h_T is held fixed
        assert _rel(s.cell[:-1], cellv[:-1]) < 1e-8
        assert _rel(s.state, (hidden ** 2 + cellv ** 2).sqrt()) < 1e-8
    else:
        assert s.cell is None and torch.equal(s.state, s.hidden)


def test_float32_cell_is_computed_in_float64_and_left_untouched():
    cell = LSTM(4, 6, seed=0)  # float32
    before = {k: v.clone() for k, v in cell.state_dict().items()}
    x = _inputs(150, 4, dtype=torch.float32)
    s = input_sensitivity(cell, x)
    assert s.dtype == torch.float64
    assert cell.weight_ih.dtype == torch.float32
    assert all(torch.equal(before[k], v) for k, v in cell.state_dict().items())
    ref = input_sensitivity(LSTM(4, 6, seed=0, dtype=torch.float64), x.double())
    assert _rel(s, ref) < 1e-5  # same cell up to float32 rounding of the weights
    assert (s > 0).all()  # far below float32's range, still not 0


# ----------------------------------------------------------------------------- explosion
def test_explosion_past_float64_is_marked_not_crashed():
    T, I, H = 600, 3, 4
    cell = RNN(I, H, seed=0, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_hh.copy_(4 * torch.eye(H))  # h stays 0 on zero input, so ∂h_T/∂x_t = 4^(T-t) W_ih
        cell.bias_ih.zero_()
        cell.bias_hh.zero_()
    x = torch.zeros(T, I, dtype=torch.float64)
    s = sensitivities(cell, x)
    d = torch.arange(T - 1, -1, -1, dtype=torch.float64)  # T - t for t = 1..T
    expected = d * math.log10(4) + math.log10(cell.weight_ih.norm().item())
    assert (s.input_log10 - expected).abs().max() < 1e-9  # exact in log form, far past 1e308
    assert not torch.isnan(s.input).any()
    over = expected > math.log10(torch.finfo(torch.float64).max)
    assert over.any() and s.overflow[over].all()
    assert torch.equal(torch.isinf(s.input), over)  # +inf exactly where the true value is past float64
    assert reach(s.input_log10).distances == (None, None)


def test_spectral_radius_rescaling_returns_a_new_cell():
    cell = RNN(5, 16, seed=1, dtype=torch.float64)
    before = cell.weight_hh.clone()
    scaled = with_spectral_radius(cell, 0.9)
    assert spectral_radius(scaled) == pytest.approx(0.9, rel=1e-10)
    eig = torch.linalg.eigvals(scaled.weight_hh.detach().double()).abs().max()  # independent: torch.linalg
    assert float(eig) == pytest.approx(0.9, rel=1e-10)
    assert torch.equal(cell.weight_hh, before) and scaled is not cell
    with pytest.raises(ValueError):
        with_spectral_radius(LSTM(5, 16), 0.9)


# ----------------------------------------------------------------------------- overlays and reach
def test_carry_product_is_the_rms_forget_gate_product():
    T, I, H = 12, 3, 5
    cell = LSTM(I, H, seed=2, dtype=torch.float64)
    x = _inputs(T, I)
    f = cell.trace(x).gates["f"]  # (T, H)
    expected = [1.0] + [f[T - d:].prod(0).square().mean().sqrt().item() for d in range(1, T)]
    got = 10 ** carry_product(cell, x)
    assert _rel(got, torch.tensor(expected, dtype=torch.float64)) < 1e-10
    assert carry_product(RNN(I, H), x.float()) is None
    assert carry_product(GRU(I, H, dtype=torch.float64), x).shape == (T,)


def test_rnn_bound_is_sigma_max_to_the_power_k():
    cell = RNN(3, 8, seed=0, dtype=torch.float64)
    sigma = torch.linalg.matrix_norm(cell.weight_hh, ord=2).item()
    b = rnn_bound(cell, 5)
    assert _rel(10 ** b, torch.tensor([sigma ** k for k in range(5)], dtype=torch.float64)) < 1e-12


def test_reach_is_the_first_distance_below_each_level():
    log10 = torch.tensor([-9.0, -7.0, -5.5, -4.0, -2.0, 0.0], dtype=torch.float64)  # by step; d = 0 is the last
    assert by_distance(log10).tolist() == [0.0, -2.0, -4.0, -5.5, -7.0, -9.0]
    r = reach(log10)
    assert r.distances == (2, 4) and r.levels == (1e-3, 1e-6) and r.steps == 6


# ----------------------------------------------------------------------------- the physics (issue 4)
T_PHYS, I_PHYS, H_PHYS = 200, 16, 64  # inputs N(0, 1), float64


def _reach(cell, seed=0):
    s = sensitivities(cell, _inputs(T_PHYS, I_PHYS, seed=seed))
    return reach(s.input_log10), by_distance(s.input_log10)


@pytest.mark.parametrize("arch", ARCHS)
def test_default_init_decays_below_1e6_within_about_30_steps(arch):
    r, _ = _reach(CELLS[arch](I_PHYS, H_PHYS, seed=0, dtype=torch.float64))
    assert r.distances[1] is not None and 15 <= r.distances[1] <= 35, r


@pytest.mark.parametrize("arch", ("lstm", "gru"))
def test_carry_bias_3_keeps_the_gradient_above_1e3_after_100_steps(arch):
    cell = CELLS[arch](I_PHYS, H_PHYS, seed=0, dtype=torch.float64)
    carry_bias(cell, 3.0)  # f (LSTM) / z (GRU) ≈ σ(3) ≈ 0.95
    r, curve = _reach(cell)
    assert curve[100] > -3, curve[100]
    assert r.distances[0] is None or r.distances[0] > 100


def test_rnn_at_spectral_radius_09_reaches_about_50_steps():
    cell = with_spectral_radius(RNN(I_PHYS, H_PHYS, seed=0, dtype=torch.float64), 0.9)
    r, _ = _reach(cell)
    assert 40 <= r.distances[1] <= 80, r  # vs ~21 at default init
    r0, _ = _reach(RNN(I_PHYS, H_PHYS, seed=0, dtype=torch.float64))
    assert r.distances[1] > 1.5 * r0.distances[1]


# ----------------------------------------------------------------------------- the lab's scene
def test_measure_takes_any_cell_and_the_scene_is_deterministic():
    from explorer.scenes.gradient_lab import LabConfig, lab_curves, lab_scene, measure
    from explorer.model import CharModel, ModelConfig
    from explorer.text import Vocab

    vocab = Vocab.from_text("hello world")
    model = CharModel(vocab, ModelConfig(arch="gru", hidden_size=8, seed=1))  # float32, as trained models are
    x = model.one_hot(vocab.encode("hello world hello"))  # (T, V)
    got = measure({"mine": (model.cell, x)})["mine"]
    assert got.arch == "gru" and got.sens.steps == 17 and got.carry is not None
    assert model.cell.weight_ih.dtype == torch.float32

    config = LabConfig(text="abcabcabc" * 5, hidden_size=16, forget_bias=3.0)
    a, b = lab_scene(config), lab_scene(config)
    for arch in ("rnn", "lstm", "gru"):
        assert torch.equal(a.curves[arch].sens.input_log10, b.curves[arch].sens.input_log10)
        assert torch.equal(lab_curves(config, arch).sens.input_log10, a.curves[arch].sens.input_log10)
    assert a.curves["lstm"].carry_mean > 0.9 and a.curves["gru"].carry_mean < 0.6


# ----------------------------------------------------------------------------- figures
def test_figures_escape_text_and_show_explosion():
    from explorer.figures.gradients import Y_CEIL, decay_figure
    from explorer.scenes.gradient_lab import LabConfig, lab_scene

    sc = lab_scene(LabConfig(text="<b>x</b> & \u202e" * 40, hidden_size=64, rnn_radius=3.0))
    fig = decay_figure(sc.curves)
    assert fig.layout.yaxis.type == "log"
    assert {t.legendgroup for t in fig.data} == {"rnn", "lstm", "gru"}
    assert any("exploding" in (a.text or "") for a in fig.layout.annotations)  # radius 3: the RNN grows
    assert max(max(t.y) for t in fig.data) <= 10 ** Y_CEIL * 1.0001  # clipped, the plot stays readable
    lo, hi = fig.layout.yaxis.range
    assert (hi - lo) / fig.layout.yaxis.dtick <= 10  # at most ten decade labels: superscripts never touch
    # the reach levels are named in the right margin, where no curve can run under their labels
    levels = [a for a in fig.layout.annotations
              if a.text in ("10<sup>−3</sup>", "10<sup>−6</sup>")]  # powers of ten, as the axis writes them
    assert len(levels) == 2 and all(a.xref == "paper" and a.x == 1 and a.xanchor == "left" for a in levels)
    state = decay_figure(sc.curves, quantity="state")
    assert any("cell path" in t.name for t in state.data)


def test_saliency_strip_escapes_text_and_colours_each_character_by_its_value():
    """The strip is HTML: a user's text is escaped in the characters and the hovers, and each character's
    colour is plotly's own Viridis at its value on the fixed log scale (the scale the strip's bar shows)."""
    import html
    import re

    import plotly.colors

    from explorer.figures.saliency import SALIENCY_FLOOR, saliency, saliency_csv, saliency_html
    from explorer.gradients import by_distance
    from explorer.scenes.gradient_lab import LabConfig, lab_scene

    text = "<b>x</b> & \"q\" \u202e" * 12
    sc = lab_scene(LabConfig(text=text, hidden_size=16, forget_bias=3.0))
    s = saliency(sc.labels, sc.curves["lstm"])
    out = saliency_html(s)
    assert "<b>" not in out and "▫" in out  # no user tag reaches the page; the long U+202E label shows as ▫
    cells = re.findall(r'<span class="tx-c[^"]*" style="(?:grid-column:\d+;)?background:(#[0-9a-f]{6})" title="([^"]*)">([^<]*)</span>', out)
    assert len(cells) == len(sc.labels)  # one cell per character, every hover a well-formed attribute
    assert [c[2] for c in cells[:3]] == ["&lt;", "b", "&gt;"] and "&quot;" in cells[11][1]
    assert html.unescape(cells[11][1]).startswith("t=12 '\"' · ")  # the hover names the character as typed
    # the last character read is d = 0, relative 1: the top of the scale; the values, from the curve itself
    rel = by_distance(sc.curves["lstm"].sens.input_log10).flip(0)  # (T,) by character
    assert html.unescape(cells[-1][1]).startswith(f"t={len(text)} ") and "d=0 · 1 of the last step" in cells[-1][1]
    for t in (0, len(text) // 2, len(text) - 1):
        v = max(float(rel[t]), SALIENCY_FLOOR)
        want = plotly.colors.unlabel_rgb(plotly.colors.sample_colorscale("Viridis", [(v - SALIENCY_FLOOR) / (s.zmax - SALIENCY_FLOOR)])[0])
        got = [int(cells[t][0][i:i + 2], 16) for i in (1, 3, 5)]
        assert max(abs(a - b) for a, b in zip(got, want)) <= 2, (t, got, want)
    rows = saliency_csv(s).splitlines()
    assert rows[0] == "t,character,distance d,log10 relative,relative" and len(rows) == len(text) + 1
    assert rows[1].startswith('1,<,') and rows[-1].split(",")[2] == "0"  # plain text in the file, d = 0 last


def test_saliency_strip_of_a_reverse_direction_is_brightest_at_the_texts_start():
    from explorer.figures.saliency import saliency
    from explorer.scenes.gradient_lab import LabConfig, lab_scene

    sc = lab_scene(LabConfig(text="abcdefghij" * 5, hidden_size=16))
    fwd, rev = saliency(sc.labels, sc.curves["gru"]), saliency(sc.labels, sc.curves["gru"], reverse=True)
    assert fwd.distance[-1] == 0 and rev.distance[0] == 0 and fwd.log10 == tuple(reversed(rev.log10))
    assert fwd.log10[-1] == 0.0 and fwd.log10[0] < -1  # relative to the last step read; far back it has faded


def test_a_chaotic_rnn_is_flagged_and_its_growth_never_ranked_as_reach():
    """Issue 13.4: radius 3, random inputs, T = 1000, H = 64: two float64 evaluations part after ~80 steps."""
    from explorer.scenes.gradient_lab import LabConfig, lab_cell, lab_input, lab_scene
    from explorer.scenes.gradient_summary import growth_messages, reach_rows

    config = LabConfig(source="random", length=1000, hidden_size=64, rnn_radius=3.0)
    sc = lab_scene(config)
    rnn = sc.curves["rnn"]
    assert rnn.explodes and rnn.diverges_at is not None and 20 < rnn.diverges_at < 500
    # independently: torch.nn.RNN (fused) against a hand-written float64 recurrence
    cell = lab_cell(config, "rnn", 16)
    x = lab_input(config).x
    module = cell.to_torch().double()
    fused, _ = module(x)
    h, parted = torch.zeros(64, dtype=torch.float64), None
    for t in range(x.shape[0]):
        h = torch.tanh(module.weight_ih_l0 @ x[t] + module.bias_ih_l0 + module.weight_hh_l0 @ h + module.bias_hh_l0)
        if parted is None and float((h - fused[t].detach()).abs().max()) > 1e-6:
            parted = t + 1
    assert parted is not None and abs(parted - rnn.diverges_at) < 60
    row = next(r for r in reach_rows(sc) if r.cell == "RNN")
    power = str(round(rnn.peak_log10)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))  # 10⁵⁷, as the axes
    assert row.reach == ("grows", "grows") and f"grows to 10{power} × its start" in row.note
    assert any("not reproducible digits" in m for m in growth_messages(sc))
    calm = lab_scene(LabConfig(rnn_radius=0.9)).curves["rnn"]
    assert not calm.explodes and calm.diverges_at is None


def test_lstm_sensitivity_past_float64s_range_against_per_step_autograd_jacobians():
    """Issue 13: log10 values stay exact where the plain float64 value overflows (> 1e308).

    Independent: every step's Jacobian by torch.func.jacrev of an LSTM step written here (torch ops on the
    torch.nn module's weights), at the trace's states, multiplied backwards with an exponent kept aside.
    """
    import math

    from torch.func import jacrev, vmap

    H, I, T = 8, 2, 4000
    cell = LSTM(I, H, seed=1, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_hh.mul_(16.98)  # a strongly recurrent LSTM: its gradient grows ~0.1 decades per step
    x = torch.randn(T, I, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    s = sensitivities(cell, x)
    assert bool(s.overflow.any()) and float(s.input_log10.max()) > 310  # past float64's range

    m = cell.to_torch()
    W_ih, W_hh, b = m.weight_ih_l0.detach(), m.weight_hh_l0.detach(), (m.bias_ih_l0 + m.bias_hh_l0).detach()

    def step(state, x_t):  # [h; c] -> [h'; c'], PyTorch's LSTM equations
        h, c = state[:H], state[H:]
        i, f, g, o = (W_ih @ x_t + W_hh @ h + b).chunk(4)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.cat([torch.sigmoid(o) * torch.tanh(c), c])

    tr = cell.trace(x)
    prev = torch.cat([torch.cat([tr.h0[None], tr.h[:-1]]), torch.cat([tr.c0[None], tr.c[:-1]])], dim=1)  # (T, 2H)
    J_state, J_x = vmap(jacrev(step, argnums=(0, 1)))(prev, x)  # (T, 2H, 2H), (T, 2H, I)
    rows, exponent = torch.eye(2 * H, dtype=torch.float64)[:H], 0  # ∂h_T/∂state_t, scaled by 2**-exponent
    want = torch.empty(T, dtype=torch.float64)
    for t in range(T - 1, -1, -1):
        want[t] = torch.log10(torch.linalg.matrix_norm(rows @ J_x[t])) + exponent * math.log10(2)
        rows = rows @ J_state[t]
        e = math.frexp(float(rows.abs().max()))[1]
        rows, exponent = rows * 2.0 ** -e, exponent + e
    torch.testing.assert_close(s.input_log10, want, atol=1e-8, rtol=0)


def test_the_shipped_explanation_quotes_every_cells_own_reach():
    """The Gradient Lab's opening sentence names the LSTM's, the GRU's and the RNN's 1e-3 distances, each
    the first distance where autograd's jacobian of that model falls below 1e-3 of its start."""
    import re

    from explorer.scenes.gradient_lab import DEFAULT_TEXT, model_scene
    from explorer.scenes.gradient_summary import shipped_explanation
    from explorer.zoo.shipped import DEFAULT_MODELS, load_model

    text = DEFAULT_TEXT[:120]
    models = {arch: load_model(name)[0] for arch, name in DEFAULT_MODELS.items()}
    words = shipped_explanation(model_scene(models, text), {"lstm": 0})
    quoted = dict(re.findall(r"(LSTM|GRU|RNN)'s (?:input sensitivity falls below 1/1,000 )?(at d = \d+|nowhere)", words))
    assert set(quoted) == {"LSTM", "GRU", "RNN"}, words
    for arch, d in quoted.items():
        model = models[arch.lower()]
        x = torch.nn.functional.one_hot(model.vocab.encode(text), model.vocab.size).double()  # (T, V)
        cell = model.cell.double() if hasattr(model.cell, "double") else model.cell
        mod = cell.to_torch().double()
        J = torch.autograd.functional.jacobian(lambda inp: mod(inp)[0][-1], x)  # (H, T, V)
        norms = J.flatten(2).norm(dim=(0, 2)).flip(0)  # by distance d = T - 1 - t
        below = torch.nonzero(norms / norms[0] < 1e-3)
        if d == "nowhere":
            assert len(below) == 0, arch
        else:
            assert int(below[0]) == int(d.split("= ")[1]), (arch, d)


def test_carry_units_high_counts_torch_s_own_gates_from_the_forward_pass_alone():
    """model_carry_units_high (the Gradient Lab's 'before training' count) against the carry gate worked out
    from torch.nn.LSTMCell / GRUCell's own weights step by step: f = σ(W_if x + b_if + W_hf h + b_hf),
    z = σ(W_iz x + b_iz + W_hz h + b_hz); biases shifted so some units sit above 0.9 and some below."""
    from explorer.model import CharModel, ModelConfig
    from explorer.scenes.gradient_lab import model_carry_units_high
    from explorer.text import Vocab

    torch.manual_seed(3)
    vocab = Vocab.from_text("the cat sat on a mat")
    text = "a cat sat on the mat; the mat sat"
    models, expected = {}, {}
    for arch, block in (("lstm", 1), ("gru", 1)):  # f is block 1 of (i, f, g, o); z block 1 of (r, z, n)
        model = CharModel(vocab, ModelConfig(arch=arch, hidden_size=12, seed=3))
        ref = model.cell.to_torch()
        with torch.no_grad():
            ref.bias_ih_l0[block * 12:(block + 1) * 12] += torch.linspace(-1, 5, 12)
        model.cell.load_state_dict({k.removesuffix("_l0"): v for k, v in ref.state_dict().items()})
        step = (torch.nn.LSTMCell if arch == "lstm" else torch.nn.GRUCell)(vocab.size, 12)
        step.load_state_dict({k.removesuffix("_l0"): v for k, v in ref.state_dict().items()})
        x = torch.nn.functional.one_hot(vocab.encode(text), vocab.size).float()  # (T, V)
        h, c, gates = torch.zeros(12), torch.zeros(12), []
        with torch.no_grad():
            for t in range(len(text)):
                w_i, w_h = step.weight_ih[block * 12:(block + 1) * 12], step.weight_hh[block * 12:(block + 1) * 12]
                b = step.bias_ih[block * 12:(block + 1) * 12] + step.bias_hh[block * 12:(block + 1) * 12]
                gates.append(torch.sigmoid(w_i @ x[t] + w_h @ h + b))
                if arch == "lstm":
                    h, c = (s[0] for s in step(x[t:t + 1], (h[None], c[None])))
                else:
                    h = step(x[t:t + 1], h[None])[0]
        expected[arch] = int((torch.stack(gates).mean(dim=0) > 0.9).sum())
        models[arch] = model
    assert 0 < expected["lstm"] < 12 and 0 < expected["gru"] < 12, expected
    assert model_carry_units_high(models, text) == expected


def test_saliency_bar_labels_stay_apart_on_a_growing_curves_long_scale():
    """An exploding RNN's strip runs its colours from 10⁻¹² to 10³⁰: the bar's labels were the usual five
    decades crammed into its first quarter, printed over each other."""
    from explorer.figures.saliency import SALIENCY_FLOOR, SALIENCY_TICKS, bar_ticks, saliency, saliency_html
    from explorer.scenes.gradient_lab import LabConfig, lab_scene

    sc = lab_scene(LabConfig(hidden_size=32, rnn_radius=3.0, length=120))
    s = saliency(sc.labels, sc.curves["rnn"])
    assert s.zmax > 10  # the radius-3 RNN's gradient grows (test_a_chaotic_rnn... measures it independently)
    ticks = bar_ticks(s.zmax)
    span = s.zmax - SALIENCY_FLOOR
    assert ticks[0] == SALIENCY_FLOOR and 0.0 in ticks and s.zmax - ticks[-1] < span / 6
    assert all(b - a >= span / 6 for a, b in zip(ticks, ticks[1:]))
    out = saliency_html(s)
    assert out.count('class="tx-k"') == len(ticks)
    if max(s.log10) > 30:  # drawn clipped at the decay chart's ceiling: the top colour says "this or more"
        assert s.clipped and "≥10<sup>30</sup>" in out
    assert bar_ticks(0.0) == list(SALIENCY_TICKS)  # a decaying curve keeps the usual decades


def test_a_radius_above_one_that_still_vanishes_is_explained_with_the_measured_rate():
    """A student reads 'radius 3 explodes' and then sees a radius above 1 whose gradient vanishes (the shipped
    RNN: 3.20): the page says so, with the distance and the mean factor a step read off the measured curve."""
    import re

    from explorer.gradients import by_distance
    from explorer.scenes.gradient_lab import LabConfig, lab_scene
    from explorer.scenes.gradient_summary import carry_lines

    sc = lab_scene(LabConfig(rnn_radius=1.2, length=300))
    rnn = sc.curves["rnn"]
    for quantity, log10 in (("input", rnn.sens.input_log10), ("state", rnn.sens.state_log10)):
        line = " ".join(l for l in carry_lines(sc, knob=True, quantity=quantity) if l.startswith("RNN"))
        d, rate = re.search(rf"its {quantity} sensitivity falls below 1/1,000 of its start in (\d+) steps "
                            r"\(about ×([\d.]+) a step\)\.", line).groups()
        rel = by_distance(log10) - by_distance(log10)[0]  # (T,) log10, 0 at d = 0
        first = int(torch.nonzero(rel < -3)[0])  # independently: the first distance below 1/1,000
        assert int(d) == first and abs(float(rate) - 10 ** (float(rel[first]) / first)) < 0.01
    assert rnn.spectral_radius > 1 and not rnn.explodes
    grows = lab_scene(LabConfig(rnn_radius=3.0, length=300))
    assert "yet its" not in " ".join(carry_lines(grows, knob=True))
