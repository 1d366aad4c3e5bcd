"""Pretraining the shipped models on a long corpus: random streams, truncated BPTT, held-out bits/char.

This is not `explorer.training` (which fits a short typed text in seconds). Here B streams start at
random offsets of the corpus and walk through it in consecutive windows of T characters; the state
carries from one window to the next (detached: truncated backpropagation through time), so a unit can
learn to count brackets that opened hundreds of characters ago. A stream that runs off the end restarts
at a new random offset with a zero state.

Regenerate everything (one thread; about 10 minutes on the idle 2-core machine, longer when other
jobs share the cores). What is exact: the recipe (RECIPES, checked against every manifest by
`python -m explorer.pretrain --check`) and the corpora (file list and SHA-256). What is not: the weights'
bits. Float32 sums depend on the CPU's kernel path and the load, so a rerun matches the shipped files
for the first few hundred steps and then drifts (seen: synthetic-lstm after step 200); the shipped files
are the reference, and the tests check what they do, not their bytes.

    python -m explorer.pretrain --check              # recipe vs manifests, no training
    python -m explorer.pretrain                      # all six models into explorer/zoo/weights/
    python -m explorer.pretrain --corpus stdlib --arch lstm --steps 200 --out /tmp/w   # one, quickly

Each model is written as `<corpus>-<arch>.npz` (plain float32 arrays, loaded with allow_pickle=False)
and `<corpus>-<arch>.json` (its manifest: corpus and its hash, sizes, steps, seed, held-out bits per
character, training time).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from explorer.data.corpus import CORPORA, Corpus, load_corpus
from explorer.model import CharModel, ModelConfig

__all__ = ["PretrainConfig", "RECIPES", "SHIPPED_SEED", "check_manifests", "heldout_bits_per_char", "pretrain", "save_model",
           "WEIGHTS_DIR"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

@dataclass(frozen=True)
class PretrainConfig:
    corpus: str = "stdlib"  # "stdlib" or "synthetic"
    arch: str = "lstm"
    hidden_size: int = 128  # H
    steps: int = 4000  # optimizer steps
    batch_size: int = 32  # B parallel streams
    seq_len: int = 100  # T characters per window (the BPTT truncation length)
    lr: float = 0.02  # Adam, cosine-decayed to lr/10
    clip: float = 1.0  # gradient-norm clip
    seed: int = 3  # model init, stream offsets and the synthetic corpus
    forget_bias: float = 1.0  # added to the LSTM forget-gate bias at init (no effect on GRU/RNN here)


SHIPPED_SEED = 3


def _recipe(corpus: str, arch: str, hidden_size: int, steps: int, lr: float) -> PretrainConfig:
    return PretrainConfig(corpus=corpus, arch=arch, hidden_size=hidden_size, steps=steps, lr=lr, seed=SHIPPED_SEED)


# THE recipe of every shipped model: the single source of their manifests' `training` sections
# (`python -m explorer.pretrain --check` compares the two without training).
#
# Sizes: matched parameter counts (about 129k on the stdlib corpus, about 48k on the toy language, V = 98):
# a GRU has 3 gate blocks and an RNN 1 where the LSTM has 4, so they get more units.
# Steps: equal compute, not equal steps: each stdlib model trains for about 140 s on one idle thread
# (an RNN step with H = 273 costs ~1.3 and a GRU step ~1.6 LSTM steps); the toy-language ones ~40 s.
# Learning rates, the one thing tuned for the stdlib models (held-out bits/char after the same time):
# 3e-3 gave LSTM 2.76, GRU 2.57, RNN 2.50; 0.02 gave LSTM 2.12 and GRU 2.09, while the RNN did best at
# 0.005 (2.16). The toy-language models keep 3e-3.
# Seed 3 is a disclosed choice: of seeds 0..3 with the earlier recipe it gave the stdlib LSTM's best
# single bracket-depth unit (|r| = 0.71 against 0.67..0.70); with the recipe below that unit (123) reaches
# r = -0.87 on corpus.PYTHON_SAMPLE (a test holds it).
RECIPES: dict[str, PretrainConfig] = {
    "stdlib-lstm": _recipe("stdlib", "lstm", 128, 4000, 0.02),
    "stdlib-gru": _recipe("stdlib", "gru", 150, 2500, 0.02),
    "stdlib-rnn": _recipe("stdlib", "rnn", 273, 3000, 0.005),
    "synthetic-lstm": _recipe("synthetic", "lstm", 64, 3000, 3e-3),
    "synthetic-gru": _recipe("synthetic", "gru", 76, 1400, 3e-3),
    "synthetic-rnn": _recipe("synthetic", "rnn", 142, 2200, 3e-3),
}
# what a manifest's `training` section records beyond the recipe: measured, not prescribed
MEASURED = ("seconds", "threads", "torch", "train_curve_bits")


def _encode(corpus: Corpus) -> tuple[torch.Tensor, torch.Tensor]:
    idx = corpus.vocab.index()
    train = torch.tensor([idx[c] for c in corpus.train], dtype=torch.long)  # (N,)
    heldout = torch.tensor([idx[c] for c in corpus.heldout], dtype=torch.long)  # (M,)
    return train, heldout


@torch.no_grad()
def heldout_bits_per_char(model: CharModel, text: str, chunks: int = 16) -> float:
    """Mean cross-entropy in bits of predicting each next character of `text`.

    The text is cut into `chunks` equal pieces run side by side from a zero state (a batch, so it is
    fast); the first character of each piece is only read, never predicted.
    """
    tokens = model.vocab.encode(text)  # (M,)
    L = len(tokens) // chunks
    if L < 2:
        raise ValueError(f"held-out text too short: {len(tokens)} characters for {chunks} chunks")
    x = tokens[: L * chunks].view(chunks, L).T.contiguous()  # (L, C)
    logits, _ = model(x[:-1])  # (L-1, C, V)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[1:].reshape(-1))
    return float(ce) / math.log(2)


def _lr(step: int, cfg: PretrainConfig) -> float:
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / max(cfg.steps, 1))))


def pretrain(cfg: PretrainConfig, corpus: Corpus | None = None, on_progress=None) -> tuple[CharModel, dict]:
    """Train one model; returns it and its manifest (a JSON-ready dict). Deterministic given cfg."""
    corpus = corpus or load_corpus(cfg.corpus, seed=cfg.seed)
    train, _ = _encode(corpus)
    model = CharModel(corpus.vocab, ModelConfig(cfg.arch, cfg.hidden_size, cfg.seed,
                                                cfg.forget_bias if cfg.arch == "lstm" else 0.0))
    bits_init = heldout_bits_per_char(model, corpus.heldout)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed + 7)
    B, T, N = cfg.batch_size, cfg.seq_len, len(train)

    def new_start() -> int:
        return int(torch.randint(0, N - T - 1, (1,), generator=gen))

    pos = [new_start() for _ in range(B)]
    state = None
    curve = []
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        for b in range(B):  # a stream that would run off the end restarts elsewhere, from a zero state
            if pos[b] + T + 1 > N:
                pos[b] = new_start()
                if state is not None:
                    for s in (state if isinstance(state, tuple) else (state,)):
                        s[:, b] = 0  # state is detached, so zeroing in place touches no graph
        window = torch.stack([train[p: p + T + 1] for p in pos], dim=1)  # (T+1, B)
        logits, state = model(window[:-1], state)  # (T, B, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), window[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        for g in opt.param_groups:
            g["lr"] = _lr(step, cfg)
        opt.step()
        # truncated BPTT: keep the values, cut the graph
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        pos = [p + T for p in pos]
        if step % 100 == 0 or step == cfg.steps - 1:
            curve.append([step, round(loss.item() / math.log(2), 4)])
            if on_progress is not None:
                on_progress(step, loss.item() / math.log(2))
    seconds = time.perf_counter() - t0
    model.eval()
    manifest = {
        "name": f"{cfg.corpus}-{cfg.arch}",
        "arch": cfg.arch,
        "hidden_size": cfg.hidden_size,
        "vocab": "".join(corpus.vocab.chars),  # one code point per entry, UNK first
        "parameters": model.num_parameters(),
        "corpus": corpus.describe(),
        "training": {**asdict(cfg), "seconds": round(seconds, 1), "threads": torch.get_num_threads(),
                     "torch": torch.__version__, "train_curve_bits": curve},
        "heldout_bits_per_char": round(heldout_bits_per_char(model, corpus.heldout), 4),
        "heldout_bits_per_char_init": round(bits_init, 4),
    }
    return model, manifest


def save_model(model: CharModel, manifest: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write `<name>.npz` (plain float32 arrays) and `<name>.json`; the manifest records shapes and hash."""
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    npz, js = out_dir / f"{manifest['name']}.npz", out_dir / f"{manifest['name']}.json"
    tmp = out_dir / f".{manifest['name']}.tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, npz)
    manifest = {**manifest,
                "tensors": {k: {"shape": list(a.shape), "dtype": str(a.dtype)} for k, a in arrays.items()},
                "weights_file": npz.name,
                "weights_sha256": hashlib.sha256(npz.read_bytes()).hexdigest()}
    js.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return npz, js


def check_manifests(weights_dir: Path = WEIGHTS_DIR) -> list[str]:
    """Differences between every shipped manifest and RECIPES, found without training; [] when they agree.

    Compares each manifest's name, arch, hidden size and `training` section (all but the MEASURED keys)
    with its recipe, and its corpus description (file list, SHA-256, sizes) with the corpus rebuilt now.
    """
    problems = []
    found = sorted(p.stem for p in Path(weights_dir).glob("*.json"))
    for name in sorted(set(found) | set(RECIPES)):
        if name not in RECIPES:
            problems.append(f"{name}: shipped, but no recipe in RECIPES")
            continue
        if name not in found:
            problems.append(f"{name}: in RECIPES, but no {name}.json in {weights_dir}")
            continue
        manifest = json.loads((Path(weights_dir) / f"{name}.json").read_text(encoding="utf-8"))
        want = asdict(RECIPES[name])
        have = {k: v for k, v in manifest.get("training", {}).items() if k not in MEASURED}
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                problems.append(f"{name}: training.{key} is {have.get(key)!r} in the manifest, {want.get(key)!r} "
                                "in the recipe")
        for key, value in (("name", name), ("arch", want["arch"]), ("hidden_size", want["hidden_size"])):
            if manifest.get(key) != value:
                problems.append(f"{name}: {key} is {manifest.get(key)!r} in the manifest, {value!r} in the recipe")
        corpus = load_corpus(want["corpus"], seed=want["seed"]).describe()
        if manifest.get("corpus") != corpus:
            diff = sorted(k for k in set(corpus) | set(manifest.get("corpus", {}))
                          if corpus.get(k) != manifest.get("corpus", {}).get(k))
            problems.append(f"{name}: the corpus rebuilt now differs from the manifest's in {diff}")
    return problems


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m explorer.pretrain", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", choices=CORPORA + ("all",), default="all")
    ap.add_argument("--arch", choices=("lstm", "gru", "rnn", "all"), default="all")
    ap.add_argument("--steps", type=int, default=None, help="override the recipe's steps (a quick trial)")
    ap.add_argument("--check", action="store_true",
                    help="compare every shipped manifest with RECIPES, without training; exit 1 on any difference")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 leaves the machine usable)")
    ap.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    args = ap.parse_args(argv)
    if args.check:
        problems = check_manifests(args.out)
        for p in problems:
            print(p)
        print(f"{len(RECIPES)} recipes checked: " + (f"{len(problems)} difference(s)" if problems else "all agree"))
        raise SystemExit(1 if problems else 0)
    torch.set_num_threads(args.threads)
    corpora = CORPORA if args.corpus == "all" else (args.corpus,)
    archs = ("lstm", "gru", "rnn") if args.arch == "all" else (args.arch,)
    t_all = time.perf_counter()
    for name in corpora:
        corpus = load_corpus(name, seed=SHIPPED_SEED)
        for arch in archs:
            cfg = RECIPES[f"{name}-{arch}"]
            if args.steps:
                cfg = replace(cfg, steps=args.steps)
            print(f"[{name}-{arch}] H={cfg.hidden_size} steps={cfg.steps}", flush=True)
            model, manifest = pretrain(cfg, corpus, on_progress=lambda s, b: print(f"  step {s:5d}  {b:.3f} bits/char",
                                                                                   flush=True))
            npz, _ = save_model(model, manifest, args.out)
            print(f"  {manifest['parameters']:,} parameters, {manifest['training']['seconds']} s, held-out "
                  f"{manifest['heldout_bits_per_char']} bits/char (init {manifest['heldout_bits_per_char_init']}),"
                  f" {npz.stat().st_size / 1e6:.2f} MB -> {npz}", flush=True)
    print(f"done in {time.perf_counter() - t_all:.0f} s", flush=True)


if __name__ == "__main__":
    main()
