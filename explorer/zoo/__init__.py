"""The shipped models: their recipe (pretrain), their loader (shipped, plain arrays only, no pickle),
the .npz/.csv exports (export), and the weights themselves (weights/, a JSON manifest beside each .npz)."""
