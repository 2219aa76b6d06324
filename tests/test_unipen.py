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


# ---------------------------------------------------------------- repairs of real files' quirks

from core.ink import unipen_repairs as kinds  # noqa: E402
from core.ink.unipen import read_file_samples, read_folder, read_unipen_bytes  # noqa: E402
from core.ink.unipen_parse import _read_lines  # noqa: E402

SEG = '.SEGMENT WORD 0-1 OK "ab"\n'


def _repaired(tmp_path, body, kind, strict_message, include=None):
    """The file reads with one repair of `kind` (or more) and gives samples; strict refuses it as before."""
    if include:
        (tmp_path / "include" / "zz").mkdir(parents=True, exist_ok=True)
        (tmp_path / "include" / "zz" / include[0]).write_text(include[1])
    f = _write(tmp_path, body)
    fs = read_file_samples(f, tmp_path)
    assert fs.labels and {r.kind for r in fs.repairs} == {kind}, fs.repairs
    with pytest.raises(InputError, match=strict_message):
        read_unipen_file(f, tmp_path, strict=True)
    return fs, read_unipen_file(f, tmp_path)


def test_an_orphan_pen_up_is_a_trajectory_in_the_air_and_counts_in_the_numbering(tmp_path):
    # as in contributor tos: the file starts with a pen-up trajectory, which delineations count
    fs, (s,) = _repaired(tmp_path, ".PEN_UP\n7 7\n8 8\n" + PEN + '.SEGMENT WORD 0-2 OK "x"\n', kinds.ORPHAN_PEN_UP,
                         "x.dat, line 1: .PEN_UP without .PEN_DOWN")
    assert [r.line for r in fs.repairs] == [1]
    assert [a.tolist() for a in s.ink] == [[[0, 0], [10, 10]], [[5, 5], [6, 6]]]  # components 1 and 2, ink only


def test_a_pen_down_while_down_closes_the_open_stroke(tmp_path):
    body = ".PEN_DOWN\n1 1\n.PEN_DOWN\n2 2\n3 3\n.PEN_UP\n" + SEG
    _, (s,) = _repaired(tmp_path, body, kinds.STROKE_LEFT_OPEN, "x.dat, line 3: .PEN_DOWN while the pen is already down")
    assert [a.tolist() for a in s.ink] == [[[1, 1]], [[2, 2], [3, 3]]]


def test_pen_data_that_ends_with_the_pen_down_is_closed_when_segments_follow(tmp_path):
    fs, (s,) = _repaired(tmp_path, ".INCLUDE zz/open.dat\n" + SEG, kinds.STROKE_LEFT_OPEN,
                         "x.dat: the file ends with the pen down", ("open.dat", PEN + ".PEN_DOWN\n4 4\n4 5\n"))
    assert len(s.ink) == 2 and fs.repairs[0].file.endswith("open.dat")


def test_a_segment_whose_strokes_are_missing_is_dropped(tmp_path):
    body = PEN + '.SEGMENT WORD 0-9 OK "x"\n.SEGMENT WORD 1:1-2:0 OK "y"\n.SEGMENT WORD 2:5 OK "z"\n' + SEG
    fs, got = _repaired(tmp_path, body, kinds.MISSING_STROKES, "x.dat, line 13: delineation '0-9' refers to strokes")
    assert [s.label for s in got] == ["y", "ab"] and len(fs.repairs) == 2
    assert [a.tolist() for a in got[0].ink] == [[[6, 6]], [[1, 1]]]  # point 1 of stroke 1 to point 0 of stroke 2


def test_lines_inside_pen_data_that_are_not_coordinates_are_skipped(tmp_path):
    body = ".PEN_DOWN\n0 0\n5\nAlgorithm: while(word){\n10 10\n.PEN_UP\n.PEN_DOWN\n1 1\n.PEN_UP\n" + SEG
    fs, (s,) = _repaired(tmp_path, body, kinds.NOT_COORDINATES, "x.dat, line 3: expected 'X Y' pen coordinates, found '5'")
    assert [r.line for r in fs.repairs] == [3, 4] and s.ink[0].tolist() == [[0, 0], [10, 10]]


def test_an_indented_keyword_in_a_fields_text_is_text(tmp_path):
    # as in contributor lou's .doc includes: a .PAD field's text mentions ".PEN_DOWN and .PEN_UP."
    doc = ".PAD Sampling mode: between\n        .PEN_DOWN and .PEN_UP.\n     Algorithm: while(word){\n.X_DIM 330\n"
    fs, (s,) = _repaired(tmp_path, ".INCLUDE zz/a.doc\n" + PEN + SEG, kinds.INDENTED_STATEMENT,
                         "a.doc, line 3: expected 'X Y'", ("a.doc", doc))
    assert [a.tolist() for a in s.ink] == [[[0, 0], [10, 10]], [[5, 5], [6, 6]]]


def test_a_file_whose_repairs_leave_nothing_is_refused_with_its_first_problem(tmp_path):
    with pytest.raises(InputError, match="x.dat, line 1: .PEN_UP without .PEN_DOWN") as err:
        read_unipen_file(_write(tmp_path, ".PEN_UP\n" + PEN), tmp_path)
    assert (err.value.line, err.value.reason) == (1, ".PEN_UP without .PEN_DOWN")


def test_non_finite_coordinates_are_refused_in_both_modes(tmp_path):
    f = _write(tmp_path, ".PEN_DOWN\n0 0\nnan 1\n.PEN_UP\n" + '.SEGMENT WORD 0 OK "a"\n')
    for strict in (False, True):
        with pytest.raises(InputError, match="line 3: pen coordinates must be finite"):
            read_unipen_file(f, tmp_path, strict=strict)


def test_pen_up_trajectories_count_in_the_numbering_but_are_not_ink(tmp_path):
    body = ".PEN_DOWN\n0 0\n1 1\n.PEN_UP\n2 2\n3 3\n.PEN_DOWN\n4 4\n.PEN_UP\n.PEN_DOWN\n5 5\n.PEN_UP\n"
    f = _write(tmp_path, body + '.SEGMENT CHARACTER 2 OK "b"\n.SEGMENT CHARACTER 0-2 OK "ab"\n')
    b, ab = read_unipen_file(f, tmp_path, strict=True)
    assert b.ink[0].tolist() == [[4, 4]] and [a.tolist() for a in ab.ink] == [[[0, 0], [1, 1]], [[4, 4]]]


def test_every_level_and_label_with_what_the_tablet_was(tmp_path):
    head = ".X_POINTS_PER_MM 40\n.Y_POINTS_PER_INCH 1000\n.POINTS_PER_SECOND 200\n.WRITER_ID w1\n.HAND right\n"
    body = head + PEN + ('.SEGMENT TEXT 0-2 GOOD "Don\'t be \\"fool\\" - {\\\\} !@#$%^&*()"\n'
                         '.SEGMENT WORD 0-1 OK "be"\n.SEGMENT CHARACTER 2 ? "\\@"\n')
    (tmp_path / "data" / "8" / "zz").mkdir(parents=True)
    f = tmp_path / "data" / "8" / "zz" / "t.dat"
    f.write_text(body)
    text, word, char = read_unipen_file(f, tmp_path)
    assert (text.category, word.category, char.category) == ("TEXT", "WORD", "CHARACTER")
    assert text.label == 'Don\'t be "fool" - {\\} !@#$%^&*()' and char.label == "\\@"
    assert (text.data_category, text.contributor, text.writer, text.quality) == ("8", "zz", "zz/w1", "GOOD")
    assert (text.x_dpi, text.y_dpi, text.points_per_second) == (pytest.approx(1016.0), 1000.0, 200.0)
    assert text.source == str(f.resolve()) and text.header["HAND"] == "right"
    assert not text.ink[0].flags.writeable  # samples of a file share their arrays


def test_a_folder_load_reports_files_read_repaired_and_skipped(tmp_path):
    _write(tmp_path, PEN + SEG, "good.dat")
    _write(tmp_path, ".PEN_UP\n" + PEN + SEG, "orphan.dat")
    _write(tmp_path, PEN + '.SEGMENT WORD 0 OK\n', "broken.dat")
    samples, report = read_folder(tmp_path)
    assert len(samples) == 2 and report.read == 2 and report.files == {"6": 3} and report.samples == {"6": 2}
    assert report.repairs_by_kind() == {kinds.ORPHAN_PEN_UP: 1} and list(report.repaired) == [
        str(tmp_path / "data" / "6" / "zz" / "orphan.dat")]
    (skip,) = report.skipped
    assert skip.file.endswith("broken.dat") and skip.line == 13 and skip.reason.startswith("malformed .SEGMENT")
    assert "read 2 of 3" in report.summary() and "1 skipped" in report.summary()
    strict, strict_report = read_folder(tmp_path, strict=True)
    assert len(strict) == 1 and len(strict_report.skipped) == 2  # strict refuses the quirk, and still goes on


def test_uploads_are_repaired_too_unless_strict(tmp_path):
    (tmp_path / "include").mkdir()
    data = (".PEN_UP\n" + PEN + SEG).encode()
    assert [s.label for s in read_unipen_bytes(data, "mine.dat", tmp_path)] == ["ab"]
    with pytest.raises(InputError, match="mine.dat, line 1: .PEN_UP without .PEN_DOWN"):
        read_unipen_bytes(data, "mine.dat", tmp_path, strict=True)


@pytest.mark.parametrize("text", ["1 2\n3 4\n", "1 2 9\n\n3 4 0 0\n", " 1\t2\n3 x\n", "1 2\n5\n", "1e3 -2.5\n+1 .5\n",
                                  "1_0 2\n", "nan 1\n2 2\n", "1e400 1\n", "0x10 1\n", "\n\n", "a b c\n"])
def test_the_fast_and_the_line_by_line_reading_of_coordinates_agree(text):
    pts, problems = _read_lines(text, 1)
    slow = []
    for i, line in enumerate(text.split("\n")):
        parts = line.split()
        if parts:
            try:
                x, y = float(parts[0]), float(parts[1])
            except (ValueError, IndexError):
                continue
            if np.isfinite([x, y]).all():
                slow.append((x, y))
    assert pts.tolist() == [list(p) for p in slow]
    assert len(problems) == sum(1 for line in text.split("\n") if line.split()) - len(slow)


# ---------------------------------------------------------------- a pressure channel


def test_zero_pressure_inside_a_pen_down_is_the_pen_in_the_air(tmp_path):
    # A whole line as one .PEN_DOWN, its lifts as runs of zero pressure (as some pressure tablets record it);
    # the header and .COORD come from an include, as in contributor dar.
    (tmp_path / "include" / "zz").mkdir(parents=True)
    (tmp_path / "include" / "zz" / "pad.doc").write_text(".X_POINTS_PER_MM 100\n.COORD X Y P\n")
    body = (".INCLUDE zz/pad.doc\n.PEN_DOWN\n0 0 50\n1 1 60\n2 2 0\n3 3 0\n4 4 70\n5 5 80\n6 6 0\n.PEN_UP\n"
            ".PEN_DOWN\n0 0 0\n.PEN_UP\n.PEN_DOWN\n9 9 10\n9 8 10\n.PEN_UP\n"
            '.SEGMENT TEXT 0-2 OK "a b"\n.SEGMENT WORD 0:3-0:5 OK "b"\n')
    line, word = read_unipen_file(_write(tmp_path, body), tmp_path)
    assert [a.tolist() for a in line.ink] == [[[0, 0], [1, 1]], [[4, 4], [5, 5]], [[9, 9], [9, 8]]]
    assert [a.tolist() for a in word.ink] == [[[4, 4], [5, 5]]]  # point numbers still count the lifted points


def test_a_coordinate_channel_other_than_pressure_leaves_the_strokes_whole(tmp_path):
    body = ".COORD X Y T\n.PEN_DOWN\n0 0 0\n1 1 0\n2 2 5\n.PEN_UP\n" + '.SEGMENT WORD 0 OK "a"\n'
    (s,) = read_unipen_file(_write(tmp_path, body), tmp_path)
    assert [a.tolist() for a in s.ink] == [[[0, 0], [1, 1], [2, 2]]]
