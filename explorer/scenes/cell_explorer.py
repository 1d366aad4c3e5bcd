"""The Cell Explorer's scene: which runs to show on which text, and every message the page prints.

Built from a frozen config (the page's URL parameters) and a `resolve` function that turns a model
reference into a model (the page passes its caches; a notebook can pass its own), without Streamlit.

Model references:
    ("untrained", arch, hidden, seed, carry)   PyTorch's default init over printable ASCII
    ("shipped", name)                          a model shipped with the app (trained on real text)
    ("session", arch)                          trained by this user on the Train & Predict page
    ("hello", arch)                            trained on the note's "hello" (explorer.ui.cache.hello_model)
    ("yours", layer, direction, "reading")     a layer of the model uploaded on Your Model (explorer.zoo.layer_model)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from explorer.cells import ARCHS, SPECS, Clamp
from explorer.limits import MAX_TEXT_CHARS, MAX_VIEW_CELLS
from explorer.model import CharModel
from explorer.text import prepare_text
from explorer.whatif import describe
from explorer.zoo.layer_model import NO_UPLOAD, Uploaded, direction_name, layer_name
from explorer.zoo.shipped import DEFAULT_MODELS

__all__ = ["WHATIFS", "SOURCES", "CellExplorerConfig", "RunSpec", "Message", "CellExplorerScene",
           "cell_explorer_scene", "parse_units", "clamp_start"]

# scenario: (label, gates pinned); "custom" pins the gate and value the config names
WHATIFS: dict[str, tuple[str, tuple[tuple[str, float], ...]]] = {
    "none": ("No clamp", ()),
    "freeze": ("LSTM: f = 1 and i = 0 — freeze the memory", (("f", 1.0), ("i", 0.0))),
    "forget": ("LSTM: f = 0 — forget at every step", (("f", 0.0),)),
    "nowrite": ("LSTM: i = 0 — write nothing new", (("i", 0.0),)),
    "expose": ("LSTM: o = 1 — expose the whole cell", (("o", 1.0),)),
    "gru_keep": ("GRU: z = 1 — keep the old state", (("z", 1.0),)),
    "gru_overwrite": ("GRU: z = 0 — overwrite with the candidate", (("z", 0.0),)),
    "custom": ("Custom: one gate to a value", ()),
}


def clamp_start(whatif: str, steps: int) -> int:
    """A first clamped step that shows the scenario: 1, except for one that writes nothing new (LSTM i = 0) or keeps
    the old state (GRU z = 1): from step 1 that keeps the zero initial state and every picture is flat, so half-way
    through the text (the memory of the first half, then held)."""
    holds = any((g, v) in (("i", 0.0), ("z", 1.0)) for g, v in WHATIFS.get(whatif, ("", ()))[1])
    return max(1, min(steps, (steps + 1) // 2 + 1)) if holds and steps > 1 else 1


SOURCES = {"shipped": "trained on Python source", "hello": "trained on “hello”",
           "untrained": "untrained (random init)", "session": "trained on your text", "yours": "your model (uploaded)"}
ABOUT_SOURCE = {"untrained": "untrained (PyTorch's default init)",
                "shipped": "trained on Python's standard-library source (shipped with the app)",
                "session": "trained on your text in this session",
                "hello": "trained on the note's “hello” until it predicts every next character",
                "yours": "your uploaded model, in this session only"}
CLAMP_GATES = tuple(dict.fromkeys(g for spec in SPECS.values() for g in spec.clampable))  # f, i, ... once each


@dataclass(frozen=True)
class CellExplorerConfig:
    text: str = "hello"  # what the cells read
    cells: tuple[str, ...] = ("lstm",)  # which architectures, one column each
    src: str = "shipped"  # "shipped", "untrained" or "session" weights
    hidden: int = 16  # H of untrained cells
    seed: int = 0  # seed of untrained cells
    t: int = 1  # the time cursor, 1-based, in the whole text
    unit: int = 0  # the selected unit
    start: int = 1  # first character of the window, for long texts
    whatif: str = "none"  # a key of WHATIFS
    cgate: str = "f"  # custom what-if: the gate ...
    cval: float = 1.0  # ... its value ...
    cfrom: int = 1  # ... from this step ...
    cunits: str = "all"  # ... for these units ('all' or '0, 3, 7')
    crange: str = "max"  # colour range of c_t: "max" |c| or "robust" (its 99th percentile)
    layer: int = 0  # the uploaded model's layer (0-based, as torch's _l0) ...
    direction: int = 0  # ... and direction (0 forward, 1 reverse)
    presenter: bool = False


@dataclass(frozen=True)
class RunSpec:
    id: str  # "lstm", or "lstm-whatif" for its clamped twin
    title: str
    note: str
    ref: tuple  # the model reference
    clamps: tuple[Clamp, ...] = ()


@dataclass(frozen=True)
class Message:
    level: str  # "info", "warning" or "error"
    text: str
    icon: str | None = None


@dataclass(frozen=True)
class CellExplorerScene:
    config: CellExplorerConfig
    text: str  # the text as traced (capped)
    runs: tuple[RunSpec, ...]
    window: int  # steps the stepping view holds at this size
    offset: int  # index of the window's first character in `text` (its state is carried in)
    view_text: str  # text[offset: offset + window]
    t: int  # cursor within the window, 1-based
    unit: int
    max_units: int  # units of the smallest shown model (the unit selector's range)
    messages: tuple[Message, ...] = field(default_factory=tuple)
    stop: bool = False  # nothing to draw: the messages say why

    @property
    def windowed(self) -> bool:
        return len(self.text) > self.window

    @property
    def refs(self) -> dict[str, tuple]:
        """arch -> model reference, for the runs that are not what-ifs."""
        return {r.id: r.ref for r in self.runs if not r.clamps}


def parse_units(raw: str, count: int) -> tuple[int, ...] | None:
    """'all' (None) or unit numbers '0, 3, 7' within 0..count-1; ValueError with a readable message."""
    raw = str(raw).strip().lower()
    if raw in ("", "all"):
        return None
    try:
        units = tuple(sorted({int(u) for u in raw.replace(" ", "").split(",") if u}))
    except ValueError:
        units = (-1,)
    if not units or any(u < 0 or u >= count for u in units):
        raise ValueError(f"Units must be 'all' or numbers from 0 to {count - 1} separated by commas "
                         f"(got '{raw[:40]}'); clamping all units.")
    return units


def model_ref(config: CellExplorerConfig, arch: str, shipped: set[str], session: set[str]) -> tuple:
    if config.src == "yours":  # the scene has checked that the upload exists and can be read
        return ("yours", int(config.layer), int(config.direction), "reading")
    if config.src == "shipped" and DEFAULT_MODELS.get(arch) in shipped:
        return ("shipped", DEFAULT_MODELS[arch])
    if config.src == "session" and arch in session:
        return ("session", arch)
    if config.src == "hello":
        return ("hello", arch)
    return ("untrained", arch, int(config.hidden), int(config.seed), 0.0)


def cell_explorer_scene(config: CellExplorerConfig, resolve: Callable[[tuple], CharModel], *,
                        shipped: set[str], session: set[str], uploaded: Uploaded | None = None) -> CellExplorerScene:
    """Everything the page shows, from its config. `shipped`/`session`/`uploaded`: the models that exist."""
    msgs: list[Message] = []
    if config.src == "yours":
        why = NO_UPLOAD if uploaded is None else uploaded.problem
        if why:
            msgs.append(Message("info", f"Your model: {why}. The shipped models are shown instead."))
            config = replace(config, src="shipped")
        else:
            layer = min(max(int(config.layer), 0), uploaded.num_layers - 1)
            config = replace(config, cells=(uploaded.arch,), layer=layer,
                             direction=min(max(int(config.direction), 0), uploaded.directions - 1))

    def empty(*more: Message) -> CellExplorerScene:
        return CellExplorerScene(config, "", (), 1, 0, "", 1, 0, 1, tuple(msgs) + more, stop=True)

    chosen = tuple(a for a in ARCHS if a in config.cells)
    if not chosen:
        return empty(Message("info", "Choose at least one cell to show."))
    try:
        prepared = prepare_text(config.text, cap=MAX_TEXT_CHARS)
    except ValueError as err:
        return empty(Message("error", str(err)))
    if prepared.notice:
        msgs.append(Message("warning", prepared.notice, "✂️"))
    text = prepared.text
    if text.strip() == "":
        msgs.append(Message("info", "The text is only whitespace: the cell still reads it (␣ is a space, ↵ a newline)."))
    if text == "hello" and config.src == "shipped":  # the page opens so: a student expects the note's h → e
        msgs.append(Message("info", f"These weights learned Python source, not the note's “hello”, so their guesses "
                                    f"after “h” are Python's. For the note's example, choose **{SOURCES['hello']}** "
                                    "under Weights: it predicts every next character of “hello”."))

    refs = {arch: model_ref(config, arch, shipped, session) for arch in chosen}
    missing = [SPECS[a].label for a, r in refs.items() if r[0] == "untrained" and config.src != "untrained"]
    if missing:
        where = ("no shipped model" if config.src == "shipped" else
                 "no model trained in this session (train one on the Train & Predict page)")
        msgs.append(Message("info", f"{', '.join(missing)}: {where}, so an untrained one (H = {config.hidden}, "
                                    f"seed {config.seed}) is shown instead."))
    models = {arch: resolve(ref) for arch, ref in refs.items()}
    unknown = sorted({ch for m in models.values() for ch in m.vocab.unknown(text)})
    if unknown:
        msgs.append(Message("info", f"{len(unknown)} distinct character(s) are outside the models' vocabulary and "
                                    "are read as the unknown token ⟨unk⟩, the one input that stands for every "
                                    "character the model never saw in training."))

    # what-if: the clamps, on the cells that have those gates
    clamps: tuple[Clamp, ...] = ()
    max_units = min(m.config.hidden_size for m in models.values())
    if config.whatif != "none":
        try:
            units = parse_units(config.cunits, max_units)
        except ValueError as err:
            msgs.append(Message("error", str(err)))
            units = None
        pins = WHATIFS[config.whatif][1] if config.whatif != "custom" else ((config.cgate, float(config.cval)),)
        start = int(min(max(config.cfrom, 1), len(text)))
        clamps = tuple(Clamp(g, v, start, units) for g, v in pins)

    runs: list[RunSpec] = []
    for arch in chosen:
        m = models[arch]
        about = ABOUT_SOURCE[refs[arch][0]] + (f", seed {config.seed}" if refs[arch][0] == "untrained" else "")
        title = f"{SPECS[arch].label} · H = {m.config.hidden_size} · {m.cell.num_parameters():,} cell parameters"
        if refs[arch][0] == "yours":
            where = layer_name(config.layer, uploaded.num_layers) + \
                (f", {direction_name(config.direction)}" if uploaded.bidirectional else "")
            title = f"Your {SPECS[arch].label} · {where} · H = {m.config.hidden_size}"
            about += (": the reverse direction reads the text from its end, so step 1 is the last character"
                      if config.direction else "") + ("" if m.predicts else f"; no next-character bars ({m.no_predictions})")
        runs.append(RunSpec(arch, title, about, refs[arch]))
        mine = tuple(c for c in clamps if c.gate in SPECS[arch].clampable)
        if mine and len(mine) == len(clamps):
            runs.append(RunSpec(arch + "-whatif", f"{SPECS[arch].label} what-if: {describe(mine)}",
                                "the same weights, run through the reference equations with these gates pinned "
                                "(marked ⊣ pinned below)", refs[arch], mine))
    if clamps and not any(r.clamps for r in runs):
        msgs.append(Message("info", f"The scenario pins {', '.join(c.gate for c in clamps)}, which none of the "
                                    "chosen cells has: choose an LSTM (f, i, o, g) or a GRU (z, r)."))

    # a window of the text when T × H × panels would make stepping slow (MAX_VIEW_CELLS)
    def arrays_per_step(arch: str) -> int:  # what the payload sends per step: every quantity and aux term
        return (len(SPECS[arch].quantities) + len(SPECS[arch].aux)) * models[arch].config.hidden_size

    cells_per_step = sum(arrays_per_step(r.id.split("-")[0]) for r in runs)
    window = max(1, MAX_VIEW_CELLS // cells_per_step)
    offset = 0
    if len(text) > window:
        last = len(text) - window  # the last window's offset
        offset = int(min(max(config.start, 1) - 1, last))
        if int(config.t) > offset + window:  # a smaller window (another cell added) ended before the cursor:
            offset = int(min(max(int(config.t) - 1 - window // 2, 0), last))  # the window moves to it
        elif config.start - 1 > last:  # a link's start past the last window (windows are smaller at larger sizes)
            msgs.append(Message("info", f"The window starts at character {offset + 1:,}, the last start at this "
                                        "size."))
        msgs.append(Message("info", f"The view holds {window:,} steps at a time at this size (more would make "
                                    f"stepping slow); choose which part of the {len(text):,} characters to show. "
                                    "Each window starts with the memory the cell built reading everything before "
                                    "it."))
        first_pin = min((c.from_step for r in runs for c in r.clamps), default=None)
        if first_pin is not None and first_pin > offset + window:
            msgs.append(Message("info", f"The what-if's pins start at t = {first_pin:,}, after this window "
                                        f"(characters {offset + 1:,}–{offset + window:,}): move the window to see "
                                        "them."))
    view_text = text[offset: offset + window]
    t = min(max(int(config.t) - offset, 1), len(view_text))
    return CellExplorerScene(config=config, text=text, runs=tuple(runs), window=window, offset=offset,
                             view_text=view_text, t=t,
                             unit=min(max(int(config.unit), 0), models[chosen[0]].config.hidden_size - 1),
                             max_units=max_units, messages=tuple(msgs))
