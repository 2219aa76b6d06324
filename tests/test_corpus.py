"""UNIPEN corpora as people get them (folders, archives, the training corpus) and the parsed-corpus cache.

Every test builds a small corpus in tmp_path from the fixture and keeps the cache folder in tmp_path.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.data import archives, corpus
from core.data.archives import unpacked_folder
from core.data.corpus import corpus_cache_file, load_corpus, unipen_folder
from core.data.letters import char_splits
from core.errors import InputError
from core.ink.unipen import read_file_samples, read_folder


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HWLAB_CACHE", str(tmp_path / "cache"))


def small_corpus(fixture: Path, dest: Path) -> Path:
    """Three letter files and two word files of the fixture with the include files they read."""
    picks = sorted((fixture / "data" / "1c").rglob("*.dat"))[:3] + sorted((fixture / "data" / "6").rglob("*.dat"))[:2]
    for f in picks:
        for path in read_file_samples(f, fixture).files:  # the data file and every file it includes
            target = dest / Path(path).relative_to(fixture.resolve())
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return dest


@pytest.fixture()
def small(unipen_root, tmp_path) -> Path:
    return small_corpus(unipen_root, tmp_path / "small" / "unipen-small")


def pack(folder: Path, archive: Path) -> Path:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive, "w") as zf:
            for p in sorted(folder.rglob("*")):
                zf.write(p, p.relative_to(folder.parent))
    else:
        with tarfile.open(archive, "w:" + archive.name.rsplit(".", 1)[1].replace("tgz", "gz")) as tf:
            tf.add(folder, arcname=folder.name)
    return archive


def same_samples(a, b) -> bool:
    fields = ("label", "writer", "contributor", "category", "source", "header", "data_category", "quality", "x_dpi",
              "y_dpi", "points_per_second")
    return len(a) == len(b) and all(
        all(getattr(x, k) == getattr(y, k) for k in fields) and len(x.ink) == len(y.ink)
        and all(np.array_equal(p, q) and p.dtype == q.dtype for p, q in zip(x.ink, y.ink)) for x, y in zip(a, b))


def same_reports(a, b) -> bool:
    return (a.files, a.read, a.with_samples, a.repaired, a.skipped, a.samples) == \
        (b.files, b.read, b.with_samples, b.repaired, b.skipped, b.samples)


# ---------------------------------------------------------------- sources and archives

def test_folder_sources(small, unipen_root):
    assert unipen_folder("unipen") == unipen_root
    assert unipen_folder(f"unipen:{small}") == small
    assert unipen_folder(f"unipen:{small.parent}") == small  # a folder holding the corpus folder
    for bad in ("unipen:", "unipenx", "mnist"):
        with pytest.raises(InputError, match="unknown UNIPEN source"):
            unipen_folder(bad)
    with pytest.raises(InputError, match="no UNIPEN folder or archive"):
        unipen_folder(f"unipen:{small / 'missing'}")


@pytest.mark.parametrize("suffix", [".tar.xz", ".tar.gz", ".zip"])
def test_an_archive_is_unpacked_once_into_the_cache_and_reused_while_unchanged(small, tmp_path, suffix):
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    archive = pack(small, shelf / f"unipen-small{suffix}")
    said = []
    root = corpus.corpus_root(archive, said.append)
    assert root == unpacked_folder(archive) / "unipen-small" and root.is_relative_to(tmp_path / "cache")
    assert list(shelf.iterdir()) == [archive]  # nothing beside the archive
    assert len(said) == 2 and said[0].startswith("unpacking unipen-small") and "unpacked" in said[1]
    fresh = read_folder(small)[0]
    got = load_corpus(f"unipen:{archive}", progress=None).samples
    assert [(s.label, s.writer) for s in got] == [(s.label, s.writer) for s in fresh]
    assert all(np.array_equal(a.ink[0], b.ink[0]) for a, b in zip(got, fresh) if a.ink)
    said.clear()
    assert corpus.corpus_root(archive, said.append) == root and said == []  # reused
    (root / "data" / "extra.txt").write_text("x")
    os.utime(archive, ns=(1, 1))  # the archive changed: unpacked again, the old folder replaced
    assert corpus.corpus_root(archive, said.append) == root and len(said) == 2
    assert not (root / "data" / "extra.txt").exists()


def test_unipen_train_names_the_training_archive(small, tmp_path, monkeypatch):
    archive = pack(small, tmp_path / "train.tar.gz")
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(archive))
    assert unipen_folder("unipen-train", None) == unpacked_folder(archive) / "unipen-small"
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "none.tar.xz"))
    with pytest.raises(InputError, match="training corpus is not at"):
        unipen_folder("unipen-train")


def test_the_data_sources_take_archives(small, tmp_path):
    empty = tmp_path / "empty" / "corpus"
    (empty / "data").mkdir(parents=True)
    archive = pack(empty, tmp_path / "empty.tgz")
    with pytest.raises(InputError, match=f"no UNIPEN category 1c letters at {unpacked_folder(archive)}"):
        char_splits(f"unipen:{archive}")


def test_archives_that_lead_outside_or_are_broken_are_refused(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tf:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(InputError, match="cannot unpack"):
        unipen_folder(f"unipen:{evil}", None)
    assert not (tmp_path / "cache" / "outside.txt").exists() and not (tmp_path / "outside.txt").exists()
    broken = tmp_path / "broken.tar.xz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(InputError, match="cannot unpack .*broken.tar.xz"):
        unipen_folder(f"unipen:{broken}", None)
    with pytest.raises(InputError, match="cannot unpack"):
        unipen_folder(f"unipen:{(tmp_path / 'b.zip').write_bytes(b'PK no') and tmp_path / 'b.zip'}", None)


def test_an_archive_that_unpacks_to_more_than_a_corpus_is_refused(small, tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(InputError, match="unpacks to more than"):
        unipen_folder(f"unipen:{pack(small, tmp_path / 'big.zip')}", None)


# ---------------------------------------------------------------- the corpus cache

def test_the_cached_corpus_equals_a_fresh_parse(small):
    fresh, fresh_report = read_folder(small)
    cold = load_corpus(small, progress=None)
    warm = load_corpus(small, progress=None)
    assert cold.report.from_cache == 0 and warm.report.from_cache == 5
    assert same_samples(cold.samples, fresh) and same_samples(warm.samples, fresh)
    assert same_reports(warm.report, fresh_report) and same_reports(cold.report, fresh_report)
    assert warm.report.samples == {"1c": len(warm.of("1c")), "6": len(warm.of("6"))}
    assert [s.label for s in warm.letters()] == [s.label for s in fresh if s.data_category == "1c" and s.ink]
    assert len(warm.words(lowercase_only=True)) <= len(warm.words())
    assert corpus_cache_file(small, "1c").is_relative_to(corpus.cache_dir())
    manifest = corpus_cache_file(small, "1c")
    assert json.loads(manifest.read_text())["files"][0]["rel"]  # JSON and plain arrays: nothing needs pickle
    arrays = sorted(manifest.parent.glob("1c.*.npy"))
    assert len(arrays) == 9 and all(np.load(a, allow_pickle=False).dtype != object for a in arrays)


def test_only_changed_files_are_parsed_again(small):
    load_corpus(small, progress=None)
    words = sorted((small / "data" / "6").rglob("*.dat"))
    words[0].write_text(words[0].read_text() + '.SEGMENT WORD 0 ? "added"\n')
    again = load_corpus(small, progress=None)
    assert again.report.from_cache == 4 and "added" in [s.label for s in again.of("6")]
    assert same_samples(again.samples, read_folder(small)[0])
    include = next(Path(p) for p in read_file_samples(words[1], small).files if "include" in p)
    include.write_text(include.read_text() + "\n")  # same content for the reader, but a new size
    assert load_corpus(small, progress=None).report.from_cache == 4
    words[1].unlink()
    gone = load_corpus(small, progress=None)
    assert gone.report.read == 4 and same_samples(gone.samples, read_folder(small)[0])
    assert len(list(corpus_cache_file(small, "6").parent.glob("6.*.npy"))) == 9  # older generations are gone


def test_coordinates_that_are_not_integers_are_cached_exactly(tmp_path):
    (tmp_path / "c" / "data" / "1c" / "zz").mkdir(parents=True)
    (tmp_path / "c" / "include").mkdir()
    body = ".PEN_DOWN\n0.125 1e-3\n-7.5 3\n.PEN_UP\n.PEN_DOWN\n1 2\n.PEN_UP\n" + '.SEGMENT CHARACTER 0-1 ? "a"\n'
    (tmp_path / "c" / "data" / "1c" / "zz" / "f.dat").write_text(body)
    load_corpus(tmp_path / "c", progress=None)
    (s,) = load_corpus(tmp_path / "c", progress=None).samples
    assert s.ink[0].tolist() == [[0.125, 0.001], [-7.5, 3.0]] and s.ink[0].dtype == np.float64


def test_strict_and_tolerant_loads_are_cached_apart_and_skips_are_remembered(small):
    bad = sorted((small / "data" / "1c").rglob("*.dat"))[0]
    bad.write_text(".PEN_UP\n" + bad.read_text())
    tolerant = load_corpus(small, progress=None)
    strict = load_corpus(small, strict=True, progress=None)
    assert tolerant.report.read == 5 and list(tolerant.report.repaired) == [str(bad)]
    assert strict.report.read == 4 and strict.report.skipped[0].line == 1
    again = load_corpus(small, strict=True, progress=None)
    assert again.report.from_cache == 5 and same_reports(again.report, strict.report)
    assert same_reports(again.report, read_folder(small, strict=True)[1])


def test_a_new_parser_version_or_a_damaged_cache_file_rebuilds(small, monkeypatch):
    load_corpus(small, progress=None)
    monkeypatch.setattr(corpus, "_VERSIONS", {**corpus._VERSIONS, "reader": -1})
    assert load_corpus(small, progress=None).report.from_cache == 0
    corpus_cache_file(small, "6").write_bytes(b"damaged")
    rebuilt = load_corpus(small, progress=None)
    assert rebuilt.report.from_cache == 3 and same_samples(rebuilt.samples, read_folder(small)[0])
