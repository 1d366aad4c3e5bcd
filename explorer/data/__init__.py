"""What the models read: text corpora (corpus), long-range tasks with known answers (tasks), and the
per-character features the Unit Finder correlates units with (features)."""
