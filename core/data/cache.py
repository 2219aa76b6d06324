"""Feature sets that take seconds to build, kept as `.npz` files in the cache folder.

A set's file name is a digest of what it depends on: the kind of set, its
parameters, `CACHE_VERSION` and the version constants of the code that
shapes it (`core.ink.features.FEATURES_VERSION`, the generator's and the
UNIPEN reader's), and for real data the content of its files (not their
place or time: a copied folder reuses the cache, an edited file rebuilds
it). Bump a version constant when its code changes what it produces.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from core.ink.features import FEATURES_VERSION
from core.ink.unipen import UNIPEN_READER_VERSION
from core.paths import cache_dir
from core.synth.generator import GENERATOR_VERSION

CACHE_VERSION = 4  # bump when a split or augmentation rule of core.data.letters changes
VERSIONS = {"cache": CACHE_VERSION, "features": FEATURES_VERSION, "generator": GENERATOR_VERSION,
            "unipen": UNIPEN_READER_VERSION}


def content_digest(files: Iterable[Path]) -> str:
    """A digest of the files' contents, in the order given."""
    h = hashlib.sha1()
    for f in files:
        h.update(Path(f).read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


def cache_path(key: dict) -> Path:
    full = {**key, "versions": VERSIONS}
    digest = hashlib.sha1(json.dumps(full, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / f"chars-{key.get('kind', 'set')}-{digest}.npz"


def cached_arrays(key: dict, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Arrays built once per `key` and kept as an .npz file (written atomically)."""
    path = cache_path(key)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError):
            pass  # a damaged cache file is rebuilt
    arrays = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return arrays
