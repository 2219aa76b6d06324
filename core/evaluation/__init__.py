"""Evaluation of trained models on any labelled data: scoring, the data it is scored on, the shipped models' cards.

The command line (`python -m core evaluate --data ...`), the Evaluate
page and the benches all score through this package, so their figures
agree. A trainer's per-epoch evaluation is `core.train.evaluate`'s.
"""
