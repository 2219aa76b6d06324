import numpy as np
import pytest

from core.errors import InputError
from core.ink.unipen import load_letters, load_words, read_unipen_file


def test_category_1c_has_12494_letters_from_52_writers(unipen_root):
    letters = load_letters(unipen_root)
    assert len(letters) == 12494
    assert len({s.writer for s in letters}) == 52
    assert {s.contributor for s in letters} == {"apb", "art", "lav"}
    assert all(len(s.label) == 1 for s in letters)
    s = letters[0]
    assert s.ink and s.ink[0].shape[1] == 2 and "POINTS_PER_SECOND" in s.header or s.header


def test_category_6_has_900_words(unipen_root):
    words = load_words(unipen_root)
    assert len(words) == 900
    assert {s.contributor for s in words} == {"art", "lav"}
    lower = load_words(unipen_root, lowercase_only=True)
    assert len(lower) == 627 and all(w.label.isalpha() and w.label.islower() for w in lower)


def _write(tmp_path, body, name="x.dat"):
    (tmp_path / "data" / "6" / "zz").mkdir(parents=True, exist_ok=True)
    (tmp_path / "include" / "zz").mkdir(parents=True, exist_ok=True)
    f = tmp_path / "data" / "6" / "zz" / name
    f.write_text(body)
    return f


PEN = ".PEN_DOWN\n0 0\n10 10\n.PEN_UP\n.PEN_DOWN\n5 5\n6 6\n.PEN_UP\n.PEN_DOWN\n1 1\n2 3\n.PEN_UP\n"


def test_includes_ranges_and_comma_lists(tmp_path):
    (tmp_path / "include" / "zz").mkdir(parents=True)
    (tmp_path / "include" / "zz" / "pen.dat").write_text(".WRITER_ID w7\n.POINTS_PER_SECOND 100\n" + PEN)
    f = _write(tmp_path, '.INCLUDE zz/pen.dat\n.SEGMENT WORD 0-1 OK "ab"\n.SEGMENT WORD 0,2 ? "c"\n')
    a, b = read_unipen_file(f, tmp_path)
    assert a.label == "ab" and len(a.ink) == 2 and a.writer == "zz/w7"
    assert np.array_equal(b.ink[1], [[1, 1], [2, 3]]) and b.header["POINTS_PER_SECOND"] == "100"


@pytest.mark.parametrize("body,where", [
    (".PEN_DOWN\n0 zero\n.PEN_UP\n", "line 2"),
    (PEN + '.SEGMENT WORD 0-9 OK "x"\n', "line 13"),
    (PEN + ".SEGMENT WORD 0 OK\n", "line 13"),
    (".INCLUDE ../../../etc/passwd\n", "line 1"),
    (".PEN_UP\n", "line 1"),
])
def test_malformed_files_name_the_file_and_line(tmp_path, body, where):
    f = _write(tmp_path, body)
    with pytest.raises(InputError, match=where) as err:
        read_unipen_file(f, tmp_path)
    assert "x.dat" in str(err.value)


def test_truncated_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="pen down"):
        read_unipen_file(_write(tmp_path, ".PEN_DOWN\n1 2\n3 4\n"), tmp_path)
