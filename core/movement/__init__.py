"""Data movement: seed 001's last question, how much of a BLSTM reader's training step moves data in CTC and how
much in BPTT. `meter` prices reads on ByteDMD's LRU stack of bytes, `traced_ctc` and `traced_step` run one word's
training step in numpy through it, and `study` measures the settings, beside FLOPs and torch's time."""
