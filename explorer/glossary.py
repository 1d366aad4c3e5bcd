"""Every term a student may not know, defined once; the pages' sidebars and tooltips read them from here.

One name per thing across pages: 'toy language' (never 'synthetic corpus'), 'carry gate' for the gate that
keeps the old state, 'the note' for the lecture note the app grew from.
"""
from __future__ import annotations

__all__ = ["GLOSSARY", "define", "matching"]

GLOSSARY: dict[str, str] = {
    "the note": "The lecture note on LSTM and GRU (2021) this app grew from. Every claim it makes is shown "
                "here on real numbers; where it is imprecise the app says so.",
    "unit": "One of the H numbers in a state vector; heatmaps draw one row per unit.",
    "hidden state hₜ": "What the cell outputs at step t, in −1..1; the next step reads it.",
    "cell state cₜ": "The LSTM's long memory, updated additively: cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ. Unbounded.",
    "forget gate f": "LSTM: how much of cₜ₋₁ is kept (0 forget, 1 keep all). The LSTM's carry gate.",
    "input gate i": "LSTM: how much of the candidate gₜ is written into the cell.",
    "candidate g (the note's gate gate)": "LSTM: the new content proposed for the cell, in −1..1.",
    "output gate o": "LSTM: how much of tanh(cₜ) is exposed as hₜ.",
    "update gate z": "GRU: in PyTorch the share of hₜ₋₁ kept (the note writes 1 − z). The GRU's carry gate.",
    "reset gate r": "GRU: how much of Wₕₙ hₜ₋₁ enters the candidate nₜ.",
    "carry gate": "The gate that decides how much of the old state is kept: the LSTM's f, the GRU's z. Near 1, "
                  "memory and gradients survive many steps.",
    "what-if (clamp)": "The same weights run through the equations with a gate pinned to a value; pinned values "
                       "are marked, never shown as computed.",
    "sensitivity": "$\\lVert\\partial h_T/\\partial x_t\\rVert$: how much the last hidden state $h_T$ moves per "
                   "unit change of the input $x_t$, T − t steps back.",
    "reach": "The distance at which the sensitivity first falls below 1/1,000 (or 1/1,000,000) of its start. A growing "
             "curve has no reach: it explodes.",
    "spectral radius": "The largest |eigenvalue| of Wₕₕ: what the RNN's radius knob sets.",
    "σₘₐₓ": "The largest singular value of Wₕₕ (its largest stretch): the RNN's gradient is at most σₘₐₓ^d.",
    "Pearson r": "Correlation between a unit and a feature over the text: +1 moves with it, −1 mirrors it, 0 "
                 "unrelated.",
    "bits per character": "The average surprise of each next character, −log2 p: lower is better; 6.6 is "
                          "guessing among 98 characters.",
    "held-out text": "Text kept aside while training, never shown to the model: scores on it say how well the "
                     "model does on text it has not memorised.",
    "seed": "The number that starts a random number generator: the same seed gives the same weights, texts and "
            "pictures every time.",
    "toy language": "A seeded text of nested brackets, strings and comments whose ground truth is known exactly.",
    "Dyck-1": "Strings of balanced brackets of one kind; the bracket task asks for the depth after each one.",
    "baseline": "What the best strategy without memory scores on a task (e.g. always the most common answer).",
    "one-hot": "A character as a vector of zeros with a single 1 at its index in the vocabulary.",
    "presenter mode": "Large type, the sidebar folded, one figure at a time: for a projector.",
    "vanilla RNN": "The plain recurrent cell, hₜ = tanh(Wᵢₕ xₜ + Wₕₕ hₜ₋₁ + b), with no gates.",
    "⟨unk⟩ (unknown token)": "A character the model never saw in training; it is read as one shared token.",
    "Jacobian": "The matrix of all partial derivatives of one vector with respect to another, e.g. ∂hₜ/∂hₜ₋₁.",
    "backprop (backpropagation)": "Computing gradients by the chain rule, from the output back to every input.",
    "autograd": "PyTorch's automatic differentiation: it records a forward pass and replays it backwards.",
    "float32, float64": "Numbers with about 7 and about 16 significant digits; float64 also reaches far smaller values.",
    "saliency": "How much each input character moves the result: here ‖∂h_T/∂xₜ‖, drawn on the text.",
    "cross-entropy, nats": "The training loss: −ln p of the right next character; measured in nats (ln), or bits (log2).",
    "Adam": "The optimiser used to train: gradient steps with a per-parameter, adaptive step size.",
    "temperature": "How adventurous generation is: 0 always picks the most likely character, higher is more random.",
    "top-k": "The k most likely next characters and their probabilities.",
    "MSE": "Mean squared error: the average of (prediction − answer)², for tasks whose answer is a number.",
    "distractors": "The symbols between the one to remember and the question, there only to be forgotten.",
    "99th percentile": "The value that 99 % of all values lie below.",
    "KiB": "1,024 bytes.",
    "sigmoid σ": "σ(x) = 1 / (1 + e⁻ˣ): squeezes any number into 0..1, so a gate can say 'none' (0) to 'all' (1).",
    "tanh": "Squeezes any number into −1..1; the cell's candidate and its hidden state use it.",
    "readout": "The linear layer after the cell that turns hₜ into one score per possible next character "
               "(or token); softmax turns the scores into probabilities.",
    "embedding": "A table with one learned vector per token, read instead of a one-hot input.",
    "state dict": "A PyTorch model's weights as named tensors (model.state_dict()); saved with torch.save. "
                  "It holds numbers only, no code, and is read here with torch.load(weights_only=True).",
    "safetensors": "A file format for named tensors that cannot contain code; the safe way to share weights.",
    "checkpoint": "A file of a model's weights, saved during or after training.",
    "regex (regular expression)": "A pattern for text, e.g. `\\(` matches '(' and `[a-z]+` a run of letters; "
                                  "the Unit Finder marks the characters inside each match.",
    "bidirectional": "Two cells per layer, one reading forward and one backward; their outputs are joined.",
}


def define(term: str) -> str:
    """The definition of `term` (KeyError names the terms there are)."""
    try:
        return GLOSSARY[term]
    except KeyError:
        raise KeyError(f"no glossary entry {term!r}; have {sorted(GLOSSARY)}") from None


def matching(query: str) -> list[str]:
    """The terms whose name or definition contains `query` (case and surrounding spaces ignored), in the
    glossary's order; every term for an empty query."""
    needle = query.strip().casefold()
    return [term for term, text in GLOSSARY.items() if needle in term.casefold() or needle in text.casefold()]
