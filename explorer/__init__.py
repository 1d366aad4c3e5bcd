"""explorer: instrumented RNN, LSTM and GRU cells, and the views built on them.

Importable from a notebook; nothing here imports streamlit except `explorer.ui`.

Symbols used in shape comments throughout:
    T time steps, B batch, I input size, H hidden size, V vocabulary size, G gates (4, 3 or 1).
"""
