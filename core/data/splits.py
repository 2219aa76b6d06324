"""Train/val/test splits of characters, and the writer split that keeps test writers unseen."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SPLITS = ("train", "val", "test")
SPLIT_SEED = 0  # the UNIPEN writer split: fixed, so the test writers never change
VAL_FRAC = TEST_FRAC = 0.15


def sort_labels(labels) -> list[str]:
    """Labels in order; labels that are all integers sort numerically ("2" before "10")."""
    labels = [str(c) for c in labels]
    if labels and all(c.lstrip("-").isdigit() for c in labels):
        return sorted(labels, key=int)
    return sorted(labels)


@dataclass
class CharSplits:
    """Train/val/test features and string labels, plus what they are.

    `groups` optionally maps each training sample to its original letter
    (augmented copies share the index of their original); the trainer draws
    one version of every letter per epoch. `writers` optionally names the
    writer of every validation and test sample (UNIPEN), for per-writer results.
    """

    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    description: dict = field(default_factory=dict)
    groups: np.ndarray | None = None
    writers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        """Every label of every split (as seed 000's label encoder), integers in numeric order."""
        return sort_labels(set(np.concatenate([self.y[s] for s in SPLITS]).tolist()))

    def sizes(self) -> dict[str, int]:
        return {s: int(len(self.y[s])) for s in SPLITS}


def writer_split(writers, seed: int = SPLIT_SEED, val_frac: float = VAL_FRAC,
                 test_frac: float = TEST_FRAC) -> dict[str, list[str]]:
    """Writers ("contributor/writer") into train/val/test, stratified by contributor.

    Per contributor with n writers: round(test_frac * n) test writers (at
    least one when n >= 3), then round(val_frac * n) validation writers,
    the rest train. Deterministic for a seed; no writer is in two splits.
    """
    by_contributor: dict[str, list[str]] = {}
    for w in sorted(set(writers)):
        by_contributor.setdefault(w.split("/")[0], []).append(w)
    rng = np.random.default_rng(seed)
    out: dict[str, list[str]] = {s: [] for s in SPLITS}
    for contributor in sorted(by_contributor):
        pool = by_contributor[contributor]
        order = [pool[i] for i in rng.permutation(len(pool))]
        n = len(pool)
        n_test = max(1 if n >= 3 else 0, int(round(test_frac * n)))
        n_val = min(int(round(val_frac * n)), n - n_test - 1)
        out["test"] += order[:n_test]
        out["val"] += order[n_test:n_test + max(n_val, 0)]
        out["train"] += order[n_test + max(n_val, 0):]
    return {s: sorted(v) for s, v in out.items()}


# The contributor split of the training corpus (unipen-train), chosen on 2026-12-02 from its table of
# categories by contributors, before any model was trained or tuned on it. A contributor is one lab
# with its own tablets and writers, so a figure on these is a figure on strangers. Test contributors
# hold characters (ced: 43 writers of digits, capitals, lowercase and symbols; kai: 13, no digits;
# cea, pri, lou: a few writers of every group) and isolated words (kai, cea, pri, lou: 25 writers);
# no split ever trains on them, in any category. Validation contributors choose recipes and epochs
# (characters: aga 14 writers, gmd 3, ceb 4; words: ceb, par, rim).
TEST_CONTRIBUTORS = ("ced", "kai", "cea", "pri", "lou")
VALIDATION_CONTRIBUTORS = ("aga", "gmd", "ceb", "par", "rim")
# A folder without them (the small test fixture of apb, art and lav) keeps its writer split for
# characters; the a-z reader keeps this contributor out of all its training, letters and words alike.
FIXTURE_TEST_CONTRIBUTOR = "art"


def uses_contributor_split(contributors) -> bool:
    """Whether a corpus is split by contributor: it holds some of the test contributors (the training
    corpus does; the small test fixture of apb, art and lav does not, and keeps its writer split)."""
    return bool(set(contributors) & set(TEST_CONTRIBUTORS))


def contributor_of(writer: str) -> str:
    """The contributor part of a "contributor/writer" name."""
    return writer.split("/")[0]


def contributor_role(contributor: str) -> str:
    """The split ("train", "val" or "test") of a contributor of a corpus split by contributor."""
    if contributor in TEST_CONTRIBUTORS:
        return "test"
    return "val" if contributor in VALIDATION_CONTRIBUTORS else "train"


def contributor_split(writers) -> dict[str, list[str]]:
    """Writers ("contributor/writer") into train/val/test by their contributor (`contributor_role`)."""
    out: dict[str, list[str]] = {s: [] for s in SPLITS}
    for w in sorted(set(writers)):
        out[contributor_role(contributor_of(w))].append(w)
    return out
