"""The note's single matrix W = [W_hh | W_ih] as a picture: one coloured cell per weight, gate blocks named.

Drawn as an image (numpy and Pillow) rather than a plotly heatmap: the Cell Explorer shows it below the
fold, and a 512 × 230 plotly heatmap cost the page about 1.5 s in the browser (plotly's 4.7 MB bundle
parsed, then drawn) before the stepping view could mount; see benchmarks/bench_pages.py.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import plotly.colors
from PIL import Image, ImageDraw, ImageFont

from explorer.figures.style import UNBOUNDED_SCALE, scale_levels

__all__ = ["WeightPicture", "weight_picture"]

MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 190, 60, 12  # px for the block names, the column names, air
LEVELS = 200  # colours of the weight scale; with GREYS, for the lines and the anti-aliased labels, a 256-colour palette
GREYS = 256 - LEVELS


@dataclass(frozen=True)
class WeightPicture:
    image: np.ndarray  # (height, width, 3) uint8, exactly what `png` decodes to
    png: bytes  # the same picture encoded once (a palette PNG): a page sends these bytes, never re-encodes per rerun
    shape: tuple[int, int]  # W's (G·H, H + I)
    hidden: int  # H: columns left of the dashed line
    vmax: float  # the colour scale runs -vmax..vmax: the 99th percentile of |w| (the 1 % beyond take the end colours)
    gates: tuple[str, ...]
    largest: float  # max |w|, printed beside the scale


def _lut() -> np.ndarray:
    return np.array([plotly.colors.unlabel_rgb(c) for c in scale_levels(UNBOUNDED_SCALE, LEVELS)],
                    dtype=np.uint8)  # (LEVELS, 3)


def _palette() -> Image.Image:
    """The picture's 256 colours: the scale's LEVELS, then GREYS from black to white (lines and labels)."""
    greys = np.rint(np.linspace(0, 255, GREYS)).astype(np.uint8).repeat(3).reshape(GREYS, 3)
    pal = Image.new("P", (1, 1))
    pal.putpalette(np.concatenate([_lut(), greys]).tobytes())
    return pal


def weight_picture(weight_ih: np.ndarray, weight_hh: np.ndarray, gate_names: tuple[str, ...], *,
                   width: int = 1100, height: int = 520) -> WeightPicture:
    """W (G·H, H + I) acting on [h_{t−1}; x_t]: rows in gate blocks (PyTorch's order), W_hh left of the
    dashed line, W_ih right of it, coloured on one symmetric scale -v..v with v the 99th percentile of |w|. On
    max |w| a trained model's few large weights (9.45 in the shipped LSTM, where the median |w| is ~0.3) left every
    other cell nearly white; the 1 % beyond v take the end colours."""
    W = np.concatenate([weight_hh, weight_ih], axis=1).astype(np.float64)  # (G·H, H + I)
    GH, HI = W.shape
    G = max(len(gate_names), 1)
    H = GH // G
    largest = float(np.abs(W).max())
    vmax = float(np.quantile(np.abs(W), 0.99)) or largest or 1.0
    pw, ph = width - MARGIN_LEFT - 10, height - MARGIN_BOTTOM - MARGIN_TOP  # the plot area, px
    rows = np.minimum((np.arange(ph) * GH) // ph, GH - 1)  # nearest weight for each pixel
    cols = np.minimum((np.arange(pw) * HI) // pw, HI - 1)
    level = np.rint((np.clip(W[rows][:, cols] / vmax, -1, 1) + 1) / 2 * (LEVELS - 1)).astype(np.intp)
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(Image.fromarray(_lut()[level]), (MARGIN_LEFT, MARGIN_TOP))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=22)
    x_of = lambda c: MARGIN_LEFT + round(c * pw / HI)  # noqa: E731 - pixel of a column boundary
    y_of = lambda r: MARGIN_TOP + round(r * ph / GH)  # noqa: E731
    for k in range(1, G):  # gate block boundaries
        draw.line([(MARGIN_LEFT, y_of(k * H)), (MARGIN_LEFT + pw, y_of(k * H))], fill="black", width=3)
    x = x_of(H)  # W_hh | W_ih, dashed
    for y in range(MARGIN_TOP, MARGIN_TOP + ph, 14):
        draw.line([(x, y), (x, min(y + 8, MARGIN_TOP + ph))], fill="black", width=3)
    for k, name in enumerate(gate_names or ("h",)):
        draw.text((MARGIN_LEFT - 12, (y_of(k * H) + y_of((k + 1) * H)) / 2), f"{name}  ({H} rows)",
                  fill="#222", font=font, anchor="rm")
    y = MARGIN_TOP + ph + 12
    draw.text(((MARGIN_LEFT + x) / 2, y), f"W_hh · h(t-1)  ({H} cols)", fill="#222", font=font, anchor="mt")
    draw.text(((x + MARGIN_LEFT + pw) / 2, y), f"W_ih · x(t)  ({HI - H} cols)", fill="#222", font=font,
              anchor="mt")
    # one byte a pixel: the weight cells keep their exact colours (they are in the palette), a label's anti-aliased
    # edge takes the nearest grey; about a third of the RGB PNG's bytes (tests/test_sizes_and_figures.py), which
    # a student on a slow connection feels
    picture = canvas.quantize(palette=_palette(), dither=Image.Dither.NONE)
    png = io.BytesIO()
    picture.save(png, format="PNG", compress_level=6)
    return WeightPicture(np.asarray(picture.convert("RGB")), png.getvalue(), (GH, HI), H, vmax, tuple(gate_names),
                         largest)
