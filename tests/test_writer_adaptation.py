"""The writer-adaptation measurement: each writer's words split once, other writers' words fixed, changes summarised."""
import csv

from hypothesis import given
from hypothesis import strategies as st

from core.paths import checkpoints_dir
from core.train.adapt import AdaptConfig
from core.train.adaptation_recipes import choose_recipe, recipe_search, summarise_recipes, write_recipes
from core.train.writer_adaptation import (COLUMNS, adaptation_sweep, others_sample, poorly_read, split_writer,
                                          summarise, summarise_groups, write_sweep, writer_words)


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


def row(writer, n, own, own_chars, others=0.1, others_chars=100, seconds=1.0):
    return {"writer": writer, "n": n, "own_words": own_chars // 5, "own_corpus_cer": own, "own_chars": own_chars,
            "others_corpus_cer": others, "others_chars": others_chars, "seconds": seconds}


ROWS = [row("x/a", 0, 0.20, 100), row("x/a", 20, 0.10, 100, 0.11, seconds=30.0),
        row("y/b", 0, 0.40, 300), row("y/b", 20, 0.40, 300, 0.10, seconds=50.0),
        row("y/c", 0, 0.05, 100), row("y/c", 20, 0.06, 100, 0.09, seconds=40.0)]


def test_poorly_read_writers_are_those_read_at_cer_010_or_worse_as_shipped():
    assert poorly_read(ROWS) == ["x/a", "y/b"]
    assert poorly_read(ROWS, 0.3) == ["y/b"]
    assert poorly_read(ROWS + [row("z/d", 0, 0.10, 50)]) == ["x/a", "y/b", "z/d"]  # 0.10 itself counts
    assert poorly_read([r for r in ROWS if r["n"] == 20]) == []  # only the reader as shipped decides


def test_the_summary_pools_letters_and_compares_the_same_writers_at_n_0():
    s = {r["n"]: r for r in summarise(ROWS)}
    # own: (20 + 120 + 5) / 500 = 0.29 as shipped; (10 + 120 + 6) / 500 = 0.272 after
    assert abs(s[0]["own_cer"] - 0.29) < 1e-9 and abs(s[20]["own_cer"] - 0.272) < 1e-9
    assert abs(s[20]["own_change"] - (0.272 / 0.29 - 1)) < 1e-9
    assert abs(s[20]["own_change_mean"] - (-0.5 + 0.0 + 0.2) / 3) < 1e-9  # each writer's change, averaged
    assert s[20]["worse"] == 1 and s[20]["writers"] == 3 and s[20]["contributors"] == 2
    assert abs(s[20]["others_change"] - 0.0) < 1e-9  # (0.11 + 0.10 + 0.09) / 3 against 0.1
    assert s[20]["seconds"] == 40.0 and s[20]["seconds_max"] == 50.0


def test_the_groups_are_the_poorly_read_writers_and_all_writers():
    groups = summarise_groups(ROWS)
    poor = {r["n"]: r for r in groups["poor"]}
    assert poor[20]["writers"] == 2 and abs(poor[0]["own_cer"] - 0.35) < 1e-9  # (20 + 120) / 400
    assert abs(poor[20]["own_change"] - (130 / 400 / 0.35 - 1)) < 1e-9
    assert groups["all"] == summarise(ROWS)
    assert summarise_groups(ROWS, 0.5)["poor"] == []


def test_recipes_are_summarised_per_group_against_the_shipped_reader():
    rows = [{"recipe": "shipped" if r["n"] == 0 else "fast", **r} for r in ROWS]
    rows += [{"recipe": "slow", **r, "own_corpus_cer": 0.0} for r in ROWS if r["n"] == 20 and r["writer"] != "y/c"]
    fast, slow = summarise_recipes(rows)
    assert fast["recipe"] == "fast" and fast["poor_writers"] == 2 and fast["all_writers"] == 3
    assert abs(fast["poor_own_change"] - (130 / 400 / 0.35 - 1)) < 1e-9
    assert slow["poor_own_change"] == -1.0 and slow["all_writers"] == 2  # scored on the writers it ran on


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


def test_the_chosen_recipe_cuts_the_poorly_read_most_within_the_cost_to_others_and_the_time():
    def s(name, own, others, seconds=10.0):
        return {"recipe": name, "poor_own_change": own, "poor_others_change": others, "all_others_change": others,
                "all_cpu_seconds_max": seconds}
    summary = [s("gentle", -0.20, 0.01), s("greedy", -0.30, 0.06), s("slow", -0.40, 0.0, 61.0), s("best", -0.25, 0.05)]
    assert choose_recipe(summary) == "best"
    assert choose_recipe(summary, others=0.1) == "greedy"
    assert choose_recipe([s("greedy", -0.3, 0.2)]) is None


def test_the_recipe_search_scores_each_recipe_on_each_writer(tmp_path, unipen_root):
    words = dict(list(writer_words("unipen", ("art", "lav"), 12).items())[:2])
    recipes = {"two steps": {"steps": 2, "batch_size": 4}, "anchored": {"steps": 2, "batch_size": 4, "anchor": 0.1}}
    rows = recipe_search(checkpoints_dir() / "reader-az", words, recipes, n=4, others=10, max_eval=8,
                         progress=lambda m: None)
    assert [(r["recipe"], r["writer"]) for r in rows] == [(k, w) for w in words for k in ("shipped", *recipes)]
    assert all(r["n"] == (0 if r["recipe"] == "shipped" else 4) and r["own_words"] == 8 for r in rows)
    write_recipes(rows, tmp_path, recipes, {"n": 4})
    with open(tmp_path / "recipes.csv") as f:
        assert len(list(csv.DictReader(f))) == 6
