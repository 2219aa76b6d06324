"""The UNIPEN training corpus: unpacking, cold and warm loads, memory, and what the tolerant reader made of it.

    .venv/bin/python bench/corpus.py [--archive PATH] [--cache DIR] [--warm 3] [--strict]

Each phase runs in its own process, so times and memory are those of a
fresh program: unpacking the archive into an empty cache folder (a new
temporary folder unless `--cache` names one), a cold load (every data file
parsed, the corpus cache written), then `--warm` warm loads (from the
cache). Memory is the resident set size the loaded corpus adds to the
process (after a load minus before it) and the bytes of its point arrays.
`--strict` adds a cold load with the strict reader, for comparison.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.paths import unipen_train_archive  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def phase(name: str, strict: bool) -> dict:
    """Run one phase in this process and return its figures."""
    from core.data.archives import unpacked
    from core.data.corpus import load_corpus

    if name == "unpack":
        t0 = time.perf_counter()
        folder = unpacked(unipen_train_archive(), print)
        return {"seconds": time.perf_counter() - t0, "folder": str(folder)}
    before = rss_mb()
    t0 = time.perf_counter()
    corpus = load_corpus("unipen-train", strict=strict)
    seconds = time.perf_counter() - t0
    bases = {id(a.base): a.base.nbytes for s in corpus.samples for a in s.ink if a.base is not None}
    r = corpus.report
    return {"seconds": seconds, "rss_mb": rss_mb() - before, "max_rss_mb": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "points_mb": sum(bases.values()) / 2**20,
        "samples": len(corpus.samples), "from_cache": r.from_cache, "seen": r.seen, "read": r.read,
        "with_samples": r.with_samples, "files_repaired": len(r.repaired), "repairs": dict(r.repairs_by_kind()),
        "files_by_kind": dict(r.files_by_kind()), "skipped": dict(r.skipped_by_reason()),
        "per_category": dict(sorted(r.samples.items())), "files_per_category": dict(sorted(r.files.items())),
        "levels": {lvl: sum(s.category == lvl for s in corpus.samples) for lvl in ("CHARACTER", "WORD", "TEXT")}}


def run(name: str, cache: Path, strict: bool = False) -> dict:
    env = {**os.environ, "HWLAB_CACHE": str(cache)}
    out = subprocess.run([sys.executable, __file__, "--phase", name] + (["--strict"] if strict else []),
                         env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", default=None, help="the corpus archive (default: core.paths.unipen_train_archive)")
    ap.add_argument("--cache", default=None, help="an empty cache folder to use (default: a new temporary one)")
    ap.add_argument("--warm", type=int, default=3, help="warm loads")
    ap.add_argument("--strict", action="store_true", help="also a cold load with the strict reader")
    ap.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.strict)))
        return
    if args.archive:
        os.environ["HWLAB_UNIPEN_TRAIN"] = str(Path(args.archive).resolve())
    cache = Path(args.cache) if args.cache else Path(tempfile.mkdtemp(prefix="hwlab-bench-corpus-"))
    try:
        unpack = run("unpack", cache)
        cold = run("cold", cache)
        warm = [run("warm", cache) for _ in range(args.warm)]
        strict = run("strict", cache, strict=True) if args.strict else None
        report(unipen_train_archive(), unpack, cold, warm, strict)
    finally:
        if not args.cache:
            shutil.rmtree(cache, ignore_errors=True)


def report(archive: Path, unpack: dict, cold: dict, warm: list[dict], strict: dict | None) -> None:
    w = statistics.median(x["seconds"] for x in warm)
    print(f"UNIPEN training corpus {archive.name} ({archive.stat().st_size / 2**20:.0f} MB), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print("| what | figure |\n|---|---|")
    print(f"| unpack into the cache folder (once) | {unpack['seconds']:.1f} s |")
    print(f"| cold load: parse every data file, write the cache | {cold['seconds']:.1f} s |")
    print(f"| warm load from the cache (median of {len(warm)}) | {w:.1f} s "
          f"({', '.join(format(x['seconds'], '.1f') for x in warm)}) |")
    print(f"| memory of the loaded corpus (RSS added, warm) | {statistics.median(x['rss_mb'] for x in warm):,.0f} MB, "
          f"of which point arrays {warm[0]['points_mb']:,.0f} MB |")
    print(f"| peak RSS of a cold load | {cold['max_rss_mb']:,.0f} MB |")
    print(f"| data files read / seen | {cold['read']:,} / {cold['seen']:,} |")
    print(f"| data files yielding samples | {cold['with_samples']:,} ({cold['with_samples'] / cold['seen']:.2%}) |")
    kinds = ", ".join(f"{k} {n:,} ({cold['repairs'][k]:,} repairs)" for k, n in cold["files_by_kind"].items())
    print(f"| data files repaired | {cold['files_repaired']:,}: {kinds or 'none'} |")
    skipped = ", ".join(f"{n:,} {reason}" for reason, n in cold["skipped"].items())
    print(f"| data files skipped | {sum(cold['skipped'].values()):,}{': ' + skipped if skipped else ''} |")
    print(f"| samples | {cold['samples']:,} ({', '.join(f'{k} {n:,}' for k, n in cold['levels'].items())}) |")
    if strict:
        print(f"| strict reader: data files yielding samples | {strict['with_samples']:,} "
              f"({strict['with_samples'] / strict['seen']:.2%}); refused: "
              f"{', '.join(f'{n:,} {r}' for r, n in strict['skipped'].items())} |")
    print("\n| category | data files | samples |" + (" samples (strict) |" if strict else "") + "\n|---|---|---|"
          + ("---|" if strict else ""))
    for cat, n in cold["per_category"].items():
        extra = f" {strict['per_category'].get(cat, 0):,} |" if strict else ""
        print(f"| {cat} | {cold['files_per_category'][cat]:,} | {n:,} |{extra}")
    assert all(x["from_cache"] == cold["seen"] for x in warm) and cold["from_cache"] == 0
    assert all(x["samples"] == cold["samples"] for x in warm)


if __name__ == "__main__":
    main()
