"""Property tests of the file readers users feed by hand: Ink JSON / canvas JSON (core.ink.io) and UNIPEN
(core.ink.unipen). Whatever the file holds, the reader gives finite ink or raises InputError: never another
exception, which the command line would show as a traceback and a page as a crash."""
from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.ink.io import ink_from_json, load_ink_file, write_ink_json
from core.ink.unipen import read_unipen_bytes, read_unipen_file
from core.paths import REPO_ROOT as REPO
from core.synth.generator import render_word

FIXTURE = REPO / "tests" / "fixtures" / "canvas_drawing.json"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_good_ink(ink) -> None:
    """What a reader promises about ink it returns: (n, 2) finite float strokes."""
    for stroke in ink:
        assert stroke.ndim == 2 and stroke.shape[1] == 2 and np.isfinite(stroke).all()


def read_or_refuse(read, *args):
    try:
        return read(*args)
    except InputError:
        return None


# ---------------------------------------------------------------- Ink JSON and canvas JSON

numbers = st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(-10 ** 400, 10 ** 400))
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=6))
keys = st.one_of(st.sampled_from(["strokes", "label", "objects", "type", "path", "left", "top", "width", "height",
                                  "scaleX", "scaleY", "angle", "originX", "originY", "pathOffset", "x", "y",
                                  "strokeWidth"]), st.text(max_size=4))
json_like = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
                         max_leaves=40)
points = st.lists(st.one_of(numbers, scalars), max_size=3)
ink_json = st.fixed_dictionaries({"strokes": st.lists(st.lists(points, max_size=6), max_size=4)},
                                 optional={"label": scalars})
commands = st.tuples(st.sampled_from(["M", "L", "Q", "C", "z", "m", ""]), st.lists(numbers, max_size=5)).map(
    lambda c: [c[0], *c[1]])
path_objects = st.fixed_dictionaries({"type": st.sampled_from(["path", "Path", "rect"]),
                                      "path": st.lists(commands, max_size=6)},
                                     optional={k: st.one_of(numbers, json_like) for k in
                                               ("left", "top", "width", "height", "scaleX", "scaleY", "angle",
                                                "originX", "originY", "pathOffset", "strokeWidth")})
canvas_json = st.fixed_dictionaries({"objects": st.lists(path_objects, max_size=4)})


@given(st.one_of(json_like, ink_json, canvas_json))
@SETTINGS
@pytest.mark.slow
def test_any_json_value_gives_finite_ink_or_an_input_error(tmp_path, obj):
    got = read_or_refuse(ink_from_json, obj)
    if got is not None:
        assert_good_ink(got[0])
    path = tmp_path / "value.json"
    path.write_text(json.dumps(obj))
    got = read_or_refuse(load_ink_file, path)
    if got is not None:
        assert_good_ink(got[0])


@given(st.text(max_size=300))
@SETTINGS
def test_any_text_file_gives_finite_ink_or_an_input_error(tmp_path, text):
    path = tmp_path / "text.json"
    path.write_text(text, encoding="utf-8")
    got = read_or_refuse(load_ink_file, path)
    if got is not None:
        assert_good_ink(got[0])


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@given(st.binary(min_size=1, max_size=200).filter(_not_utf8))
@SETTINGS
def test_bytes_that_are_not_utf8_are_refused_as_such(tmp_path, data):
    path = tmp_path / "bytes.json"
    path.write_bytes(data)
    with pytest.raises(InputError, match="UTF-8"):
        load_ink_file(path)


def test_deeply_nested_json_is_an_input_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"strokes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InputError, match="deep.json"):
        load_ink_file(path)


def valid_files(tmp_path) -> dict[str, bytes]:
    write_ink_json(tmp_path / "ink.json", render_word("tonic", "seed", 2).ink, "tonic")
    return {"ink": (tmp_path / "ink.json").read_bytes(), "canvas": FIXTURE.read_bytes()}


@pytest.mark.parametrize("kind", ["ink", "canvas"])
def test_every_truncation_of_a_valid_file_gives_finite_ink_or_an_input_error(tmp_path, kind):
    data = valid_files(tmp_path)[kind]
    whole = load_ink_file(_write(tmp_path / "whole.json", data))[0]
    cut = tmp_path / "cut.json"
    refused = 0
    for k in range(0, len(data), max(1, len(data) // 400)):
        got = read_or_refuse(load_ink_file, _write(cut, data[:k]))
        refused += got is None
        if got is not None:  # only a cut in the trailing whitespace still parses: then it is the whole ink
            assert len(got[0]) == len(whole) and all(np.array_equal(a, b) for a, b in zip(got[0], whole))
    assert refused >= 100


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- UNIPEN

_names = itertools.count()


def unipen_root(tmp_path) -> Path:
    """A data folder with an include file of two strokes and one that includes itself."""
    (tmp_path / "data" / "6" / "zz").mkdir(parents=True, exist_ok=True)
    (tmp_path / "include").mkdir(exist_ok=True)
    (tmp_path / "include" / "pen.dat").write_text(".WRITER_ID w1\n.PEN_DOWN\n0 0\n5 5\n.PEN_UP\n.PEN_DOWN\n1 2\n"
                                                  "3 4\n.PEN_UP\n")
    (tmp_path / "include" / "loop.dat").write_text(".INCLUDE loop.dat\n")
    return tmp_path


def read_unipen(root: Path, data: bytes, level: str | None = None, strict: bool = False):
    """Each example gets a new file: the reader caches parses by file and modification time."""
    path = root / "data" / "6" / "zz" / f"f{next(_names)}.dat"
    path.write_bytes(data)
    samples = read_or_refuse(read_unipen_file, path, root, level, strict)
    for s in samples or []:
        assert_good_ink(s.ink)
        assert isinstance(s.label, str)
    return samples


number = st.integers(-10 ** 6, 10 ** 6).map(str)
coordinate = st.one_of(number, number, number, st.floats().map(repr), st.text(max_size=4),
                       st.sampled_from(["nan", "inf", "-inf", "1e400", "0x10", "1_000"]))
stroke = st.lists(st.builds(lambda x, y: f"{x} {y}", coordinate, coordinate), max_size=5).map(
    lambda pts: "\n".join([".PEN_DOWN", *pts, ".PEN_UP"]))
statement = st.one_of(
    stroke, stroke, stroke,
    st.sampled_from([".PEN_DOWN", ".PEN_UP", ".INCLUDE pen.dat", ".INCLUDE loop.dat", ".INCLUDE ../../etc/passwd",
                     ".INCLUDE", ".INCLUDE missing.dat", ".INCLUDE a\x00b", ".INCLUDE " + "a" * 300,
                     ".WRITER_ID w7", ".POINTS_PER_SECOND 100", ".VERSION 1.0", "", ".", ".SEGMENT"]),
    st.builds(lambda lvl, d, q, label: f'.SEGMENT {lvl} {d} {q} "{label}"', st.sampled_from(["WORD", "CHARACTER"]),
              st.one_of(st.integers(0, 6).map(str), st.text(alphabet="0123456789-,:", min_size=1, max_size=8)),
              st.sampled_from(["OK", "?", "BAD"]), st.text(max_size=4)),
    st.text(max_size=30))
unipen_text = st.lists(statement, max_size=40).map("\n".join)


@given(unipen_text)
@SETTINGS
@pytest.mark.slow
def test_any_unipen_like_text_gives_finite_ink_or_an_input_error(tmp_path, text):
    read_unipen(unipen_root(tmp_path), text.encode("latin-1", "replace"))
    read_unipen(unipen_root(tmp_path), text.encode("utf-8"), "WORD")


@given(st.binary(max_size=400))
@SETTINGS
def test_any_bytes_give_finite_ink_or_an_input_error(tmp_path, data):
    read_unipen(unipen_root(tmp_path), data)


def valid_unipen(root: Path | None) -> bytes:
    """A complete UNIPEN file: the first strokes of a real pen file when the data is here, else made up."""
    if root is None:
        pen = "".join(f".PEN_DOWN\n{i} {i}\n{i + 3} {2 * i}\n{i + 1} 7\n.PEN_UP\n" for i in range(12))
        return (".VERSION 1.0\n.WRITER_ID w3\n.POINTS_PER_SECOND 200\n" + pen +
                '.SEGMENT WORD 0-3 OK "abc"\n.SEGMENT WORD 4,6,8-11 ? "de"\n').encode()
    real = (root / "include" / "lav" / "data" / "lav1" / "mp_0005.dat").read_text(encoding="latin-1")
    pen = real[:real.index(".PEN_UP", 3000) + len(".PEN_UP\n")]
    return (pen + '.SEGMENT WORD 4-10 OK "qeitlna"\n.SEGMENT WORD 11-12 OK "na"\n').encode("latin-1")


@pytest.mark.parametrize("source", ["made-up", "real"])
def test_every_truncation_of_a_valid_unipen_file_gives_finite_ink_or_an_input_error(tmp_path, request, source):
    real_root = request.getfixturevalue("unipen_root") if source == "real" else None
    data, root = valid_unipen(real_root), unipen_root(tmp_path)
    assert len(read_unipen(root, data)) == 2
    refused = 0
    for k in range(0, len(data), max(1, math.ceil(len(data) / 300))):
        refused += read_unipen(root, data[:k]) is None
    assert refused > 0  # a cut inside the strokes a segment names, or with the pen down, is refused


@given(unipen_text)
@SETTINGS
def test_any_unipen_like_text_gives_finite_ink_or_an_input_error_in_strict_mode_too(tmp_path, text):
    read_unipen(unipen_root(tmp_path), text.encode("latin-1", "replace"), strict=True)


QUIRKS = [".PEN_UP", ".PEN_DOWN", "5", "x y", "nan 1", "1e400 2", "   .PEN_DOWN and .PEN_UP.", "  .SEGMENT WORD 0 OK \"a\"",
          '.SEGMENT WORD 99-100 OK "x"', '.SEGMENT WORD 3:2-4:900 OK "y"', '.SEGMENT TEXT 0-2 GOOD "a \\"b\\""',
          ".INCLUDE pen.dat", ".INCLUDE loop.dat", ".SEGMENT", "", "1 2 3 4"]
mutation = st.tuples(st.sampled_from(["delete", "duplicate", "swap", "insert"]), st.integers(0, 10 ** 6),
                     st.sampled_from(QUIRKS))


def mutate(data: bytes, ops) -> bytes:
    lines = data.decode("latin-1").split("\n")
    for op, at, quirk in ops:
        i = at % max(len(lines), 1)
        if op == "delete" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 1:
            lines[i], lines[i - 1] = lines[i - 1], lines[i]
        else:
            lines.insert(i, quirk)
    return "\n".join(lines).encode("latin-1")


@pytest.mark.parametrize("source", ["made-up", "real"])
def test_mutated_files_give_samples_or_an_input_error_in_both_modes(tmp_path, request, source):
    real_root = request.getfixturevalue("unipen_root") if source == "real" else None
    data = valid_unipen(real_root)

    @given(st.lists(mutation, min_size=1, max_size=8))
    @settings(max_examples=150, deadline=None)
    def check(ops):
        root = unipen_root(tmp_path)
        changed = mutate(data, ops)
        tolerant, strict = read_unipen(root, changed), read_unipen(root, changed, strict=True)
        if strict is not None and not re.search(rb"(^|\n)\s+\.", changed):
            # what a strict reader reads needed no repair: the tolerant reader reads the same
            assert tolerant is not None and [(s.label, len(s.ink)) for s in tolerant] == \
                [(s.label, len(s.ink)) for s in strict]
        for strict_mode in (False, True):
            got = read_or_refuse(read_unipen_bytes, changed, "mutated.dat", root, strict_mode)
            for s in got or []:
                assert_good_ink(s.ink)

    check()
