"""Every size the app caps, named by what it limits, in one place; pages print these in their notices."""

MAX_TEXT_CHARS = 2000  # characters a page traces; longer text is cut with a visible notice
MAX_TABLE_CHARS = 40  # characters per side of the Train page's followers table (the commonest; counts cover all)
MAX_TABLE_ROWS = 200  # positions the Train page's table draws at once (Markdown: 2,000 rows took the browser ~4 s)
MAX_TRAIN_CHARS = 2000  # characters a training text keeps (History.notice says so): a step stays in milliseconds
MAX_TRAIN_HIDDEN = 256  # H a training run accepts: above it a step would no longer take milliseconds on 2 cores
MAX_TRAIN_STEPS = 5000  # optimiser steps of the longest training run
MAX_LAB_STEPS = 1000  # T of the longest sequence the Gradient Lab measures
MAX_RACE_HIDDEN = 128  # H of a Memory Race contestant
MAX_VIEW_CELLS = 600_000  # T·H·panels the stepping component is sent; beyond it the page shows a window
MAX_PATTERN_LEN = 200  # characters of a user's regular expression
MAX_WEIGHTS_BYTES = 2_000_000  # a shipped .npz, on disk and unpacked (the largest is ~0.52 MB)
MAX_RACE_LAG = 400  # T of a Memory Race task (copy: MAX_COPY_LAG), so one race step stays well under a second
MAX_COPY_LAG = 200
MAX_RACE_SECONDS = 120  # time budget of one race
MAX_SWEEP_SECONDS = 240  # time budget of a sweep over T
MAX_CHECKPOINT_BYTES = 50_000_000  # an uploaded model checkpoint (state dict or .safetensors)
MAX_VOCAB_BYTES = 2_000_000  # an uploaded vocabulary file
