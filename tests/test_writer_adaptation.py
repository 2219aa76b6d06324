"""The writer-adaptation measurement: each writer's words split once, other writers' words fixed, changes summarised."""
import csv

from hypothesis import given
from hypothesis import strategies as st

from core.paths import checkpoints_dir
from core.train.adapt import AdaptConfig
from core.train.writer_adaptation import (COLUMNS, adaptation_sweep, others_sample, split_writer, summarise,
                                          write_sweep, writer_words)


@given(st.integers(1, 80), st.integers(0, 80), st.integers(0, 5))
def test_a_writer_is_split_into_disjoint_pool_and_evaluation_words_the_same_way_every_time(n, pool, seed):
    pairs = [(None, f"w{k}") for k in range(n)]
    a, b = split_writer(pairs, pool, seed)
    assert len(a) == min(pool, n) and len(a) + len(b) == n
    assert {t for _, t in a}.isdisjoint({t for _, t in b})
    assert split_writer(pairs, pool, seed) == (a, b)


def test_other_writers_words_never_include_the_writer():
    words = {"x/a": [(None, "a1"), (None, "a2")], "x/b": [(None, "b1")], "x/c": [(None, "c1"), (None, "c2")]}
    got = others_sample(words, "x/a", 10, 0)
    assert sorted(t for _, t in got) == ["b1", "c1", "c2"]
    assert len(others_sample(words, "x/c", 2, 0)) == 2


def test_the_summary_averages_relative_changes_per_writer():
    rows = [{"writer": w, "n": n, "own_cer": c, "others_cer": o, "seconds": 1.0}
            for w, n, c, o in [("a", 0, 0.2, 0.1), ("a", 20, 0.1, 0.11), ("b", 0, 0.4, 0.1), ("b", 20, 0.4, 0.1)]]
    s = {r["n"]: r for r in summarise(rows)}
    assert s[0]["own_change"] == 0.0
    assert abs(s[20]["own_change"] - (-0.25)) < 1e-9  # -50% and 0%
    assert abs(s[20]["others_change"] - 0.05) < 1e-9
    assert abs(s[20]["own_cer"] - 0.25) < 1e-9


def test_the_sweep_adapts_to_real_words_and_scores_the_writer_and_the_others(tmp_path, unipen_root):
    words = writer_words("unipen", ("art", "lav"), 12)
    assert all(len(p) >= 12 for p in words.values()) and len(words) >= 2
    words = dict(list(words.items())[:2])
    rows = adaptation_sweep(checkpoints_dir() / "reader-az", words, ns=(4,),
                            cfg=AdaptConfig(steps=2, eval_every=2, batch_size=4, threads=1), others=10,
                            max_eval=8, progress=lambda m: None)
    assert [(r["writer"], r["n"]) for r in rows] == [(w, n) for w in words for n in (0, 4)]
    assert all(r["own_words"] == 8 and r["others_words"] == 10 and 0 <= r["own_cer"] for r in rows)
    out = write_sweep(rows, tmp_path / "adaptation", {"writers": 2})
    with open(out) as f:
        back = list(csv.DictReader(f))
    assert tuple(back[0]) == COLUMNS and len(back) == 4
