"""Training and evaluation: the shared loop, each model's trainer, metrics, run folders, sweeps, research."""
