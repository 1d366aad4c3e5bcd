import io
import pickle

import numpy as np
import pytest
import torch

from explorer.zoo.export import model_from_npz, model_npz, traces_csv, traces_npz
from explorer.model import CharModel, ModelConfig
from explorer.text import Vocab


def _model(arch="lstm"):
    return CharModel(Vocab.from_text("hello, world"), ModelConfig(arch, 6, seed=2))


def test_trace_npz_and_csv_hold_the_trace():
    m = _model()
    tt = m.trace_text('a,"b\n')
    npz = np.load(io.BytesIO(traces_npz({"lstm": tt})), allow_pickle=False)
    np.testing.assert_allclose(npz["lstm/f"], tt.trace.gates["f"].numpy(), rtol=1e-7)
    assert "".join(map(chr, npz["text_codepoints"])) == 'a,"b\n'
    lines = traces_csv({"lstm": tt}).splitlines()
    assert lines[0] == "run,quantity,t,char,unit,value"
    assert len(lines) == 1 + 6 * 5 * 6  # 6 quantities, T = 5, H = 6
    assert all(len(line.split(",")) == 6 for line in lines)


@pytest.mark.parametrize("arch", ["lstm", "gru", "rnn"])
def test_model_round_trip_gives_identical_predictions(arch):
    m = _model(arch)
    back = model_from_npz(model_npz(m))
    assert back.vocab == m.vocab and back.config.arch == arch
    torch.testing.assert_close(back.trace_text("hello").probs, m.trace_text("hello").probs, atol=0, rtol=0)


def test_loading_rejects_pickles_wrong_shapes_oversize_and_junk():
    buf = io.BytesIO()
    np.savez(buf, evil=np.array([object()], dtype=object), arch=np.array(0), hidden_size=np.array(6),
             vocab_codepoints=np.array([0xFFFD, 97]))
    with pytest.raises(ValueError, match="pickled"):
        model_from_npz(buf.getvalue())
    arrays = dict(np.load(io.BytesIO(model_npz(_model())), allow_pickle=False))
    arrays["cell.weight_hh"] = np.zeros((3, 3), dtype=np.float32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(ValueError, match="shape"):
        model_from_npz(buf.getvalue())
    with pytest.raises(ValueError, match="capped"):
        model_from_npz(model_npz(_model()), max_bytes=100)
    with pytest.raises(ValueError, match="not a .npz"):
        model_from_npz(b"<script>alert(1)</script>")
    with pytest.raises(ValueError, match="not a .npz|not a model"):
        model_from_npz(pickle.dumps({"a": 1}))
