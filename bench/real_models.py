"""The real-ink models on strangers: the test contributors of the training corpus, per decoder and per group.

    .venv/bin/python bench/real_models.py [--reader CKPT ...] [--classifier CKPT ...] [--fast-real RUN ...]

Every figure is on the test contributors of `core.data.splits` (labs whose
writers no split trains on): readers on their isolated lowercase words
(category 6; words with other characters are counted as not scored), per
decoder (greedy, beam 10, lexicon decoding with the reader's default list
and with English plus the test words, so that no word is out of the
lexicon), with the seconds each decoder took for all of them; classifiers on their isolated
characters (1a-1d) among the model's classes, per group (digits, capitals,
lowercase, symbols), top-1, top-5 and case-insensitive top-1. The training
time is the one the checkpoint recorded. For a `fast-real` run folder
(`python -m core train reader --preset fast-real`) it prints the wall time
at which its live test curve (500 test words) first reached CER 0.35, and
its best epoch's greedy CER on every test word.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.data.az_words import default_lexicon, lexicon_for  # noqa: E402
from core.data.splits import TEST_CONTRIBUTORS  # noqa: E402
from core.evaluation.cards import classifier_card, classifier_test, write_card  # noqa: E402
from core.evaluation.scoring import score_reader  # noqa: E402
from core.evaluation.sources import labelled_samples  # noqa: E402
from core.ink.unipen_categories import WORDS  # noqa: E402
from core.models.checkpoint import load_checkpoint  # noqa: E402
from core.models.inference import load_reader  # noqa: E402

SOURCE = "unipen-train"
TARGET_CER = 0.35


def _writers(result: dict) -> str:
    return f"{len(result['by_writer'])} writers of {len(result['by_contributor'])} contributors"


def _subset(samples: list, limit: int | None) -> list:
    """A seeded random `limit` of the samples (all when None), in their order."""
    if not limit or limit >= len(samples):
        return samples
    keep = set(random.Random(0).sample(range(len(samples)), limit))
    return [s for i, s in enumerate(samples) if i in keep]


def training_minutes(ckpt: dict) -> str:
    seconds = (ckpt.get("metrics") or {}).get("seconds")
    return f"{seconds / 60:.0f} min" if seconds else "not recorded"


def bench_reader(path: str, limit: int | None) -> None:
    ckpt = load_checkpoint(path, kind="reader")
    samples, _ = labelled_samples(SOURCE, ckpt, [WORDS], list(TEST_CONTRIBUTORS))
    samples = _subset(samples, limit)
    reader = load_reader(ckpt)
    print(f"\n### reader {path} (trained {training_minutes(ckpt)})\n")
    print("| decoder | words | CER | corpus CER | word accuracy | seconds |\n|---|---|---|---|---|---|")
    greedy = None
    default = default_lexicon(ckpt)
    closed = lexicon_for([s.label for s in samples])  # English plus every test word: no word out of the lexicon
    for name, decoder, lexicon in (("greedy", "greedy", None), ("beam (10)", "beam", None),
                                   (f"lexicon, default ({len(default):,} words)", "lexicon", default),
                                   (f"lexicon, English + test words ({len(closed):,})", "lexicon", closed)):
        t0 = time.perf_counter()
        r = score_reader(reader, samples, decoder, lexicon, 10)
        greedy = greedy or r
        print(f"| {name} | {r['n']:,} | {r['cer']:.3f} | {r['corpus_cer']:.3f} | {r['word_acc']:.3f} | "
              f"{time.perf_counter() - t0:.1f} |")
    print(f"\nGreedy, per contributor, hardest first ({_writers(greedy)}; not scored: "
          f"{', '.join(f'{n} {why}' for why, n in greedy['skipped'].items()) or 'none'}):\n")
    print("| contributor | writers | words | CER | word accuracy |\n|---|---|---|---|---|")
    for name, r in greedy["by_contributor"].items():
        writers = sum(w.startswith(name + "/") for w in greedy["by_writer"])
        print(f"| {name} | {writers} | {r['n']:,} | {r['cer']:.3f} | {r['word_acc']:.3f} |")


def bench_classifier(path: str, limit: int | None, card: dict | None = None) -> None:
    """Its figures on the test contributors; with `card` ({name, summary, command}) also its card.json."""
    t0 = time.perf_counter()
    r = classifier_test(path, SOURCE, limit)  # a limited look is printed, never a card
    ckpt = load_checkpoint(path, kind="classifier")
    print(f"\n### classifier {path} ({len(ckpt['alphabet'])} classes; trained "
          f"{training_minutes(ckpt)}; scored in {time.perf_counter() - t0:.1f} s; {_writers(r)})\n")
    print("| group | characters | top-1 | top-5 | case-insensitive top-1 | top-1 told the group |\n"
          "|---|---|---|---|---|---|")
    for name, g in [*r["by_group"].items(), ("all", r)]:
        print(f"| {name} | {g['n']:,} | {g['accuracy']:.3f} | {g['top5']:.3f} | {g['case_insensitive']:.3f} | "
              f"{g['within_group']:.3f} |")
    print("\n| contributor | writers | characters | top-1 | case-insensitive |\n|---|---|---|---|---|")
    for name, c in r["by_contributor"].items():
        print(f"| {name} | {c['writers']} | {c['n']:,} | {c['accuracy']:.3f} | {c['case_insensitive']:.3f} |")
    worst = list(r["by_writer"].items())[:5]
    print("\nhardest writers: " + ", ".join(f"{w} {v['accuracy']:.3f} ({v['n']})" for w, v in worst))
    if r["skipped"]:
        print(f"\nnot scored: {', '.join(f'{n} {why}' for why, n in r['skipped'].items())}")
    if card and not limit:
        out = write_card(Path(path) if Path(path).is_dir() else Path(path).parent,
                         classifier_card(path, test=r, **card))
        print(f"\nwrote {out}")


def bench_fast_real(run: str) -> None:
    rows = list(csv.DictReader(open(Path(run) / "metrics.csv", encoding="utf-8")))
    curve = [(int(r["epoch"]), float(r["seconds"]), float(r["test_cer"])) for r in rows if r.get("test_cer")]
    reached = next(((e, s, c) for e, s, c in curve if c <= TARGET_CER), None)
    print(f"\n### fast-real run {run}\n")
    print("| epoch | seconds | test CER (500 words) |\n|---|---|---|")
    for e, s, c in curve:
        print(f"| {e} | {s:.0f} | {c:.3f} |")
    print(f"\nCER {TARGET_CER} " + (f"reached at epoch {reached[0]}, {reached[1] / 60:.1f} min of training"
                                 if reached else "not reached"))
    bench_reader(str(Path(run) / "best.pt"), None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", nargs="*", default=["checkpoints/reader-az"])
    ap.add_argument("--classifier", nargs="*", default=["checkpoints/classifier-az"])
    ap.add_argument("--fast-real", nargs="*", default=[], metavar="RUN")
    ap.add_argument("--limit", type=int, default=None, help="score only N samples drawn at random (a quick look)")
    ap.add_argument("--card", nargs=3, metavar=("NAME", "SUMMARY", "COMMAND"), default=None,
                    help="write each classifier's card.json from these figures (its name, a summary, the command "
                         "that trained it)")
    args = ap.parse_args()
    print(f"Test contributors {', '.join(TEST_CONTRIBUTORS)} of the training corpus; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    for path in args.reader:
        bench_reader(path, args.limit)
    for path in args.classifier:
        bench_classifier(path, args.limit, dict(zip(("name", "summary", "command"), args.card)) if args.card else None)
    for run in args.fast_real:
        bench_fast_real(run)


if __name__ == "__main__":
    main()
