"""Choose the writer-adaptation recipe on the validation contributors' writers (core/train/adaptation_recipes.py).

    python bench/adaptation_recipes.py                      # every recipe, N = 20, 6 writers (about 40 minutes)
    python bench/adaptation_recipes.py --recipes "anchor 1e-1" --max-writers 2

Writes checkpoints/research/adaptation/recipes.csv and recipes.json and prints, per recipe, the pooled CER change
of the poorly read writers (CER >= 0.10 as shipped) and of all writers, the other writers' change and seconds.
"""
import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from core.files.atomic import read_json  # noqa: E402  (after the thread setting)
from core.paths import checkpoints_dir, research_dir  # noqa: E402
from core.train.adaptation_recipes import RECIPES, run_recipes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipes", nargs="*", default=list(RECIPES),
                    help="names of core.train.adaptation_recipes.RECIPES")
    ap.add_argument("--n", type=int, default=20, help="words adapted to")
    ap.add_argument("--max-writers", type=int, default=None)
    ap.add_argument("--reader", default=str(checkpoints_dir() / "reader-az"))
    ap.add_argument("--out", default=str(research_dir() / "adaptation"))
    args = ap.parse_args()
    out = Path(args.out)
    run_recipes(out, args.reader, {k: RECIPES[k] for k in args.recipes}, args.n, max_writers=args.max_writers,
                progress=lambda m: print(m, flush=True))
    print(f"\n{'recipe':42s} {'poor: CER':>10s} {'change':>7s} {'all':>7s} {'others':>7s} {'s':>5s} writers")
    result = read_json(out / "recipes.json")
    for s in result["summary"]:
        print(f"{s['recipe']:42s} {s['poor_own_cer']:10.3f} {s['poor_own_change']:+7.1%} {s['all_own_change']:+7.1%} "
              f"{s['all_others_change']:+7.1%} {s['all_cpu_seconds']:5.0f} {s['poor_writers']}/{s['all_writers']}")
    print(f"chosen (the largest cut for the poorly read, others within 5%, at most 60 s): {result['chosen']}")


if __name__ == "__main__":
    main()
