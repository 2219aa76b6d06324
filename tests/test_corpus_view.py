"""The Data page's corpus view: its tables, one sample's facts and repairs, and the page's tab (AppTest)."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.errors import InputError
from core.paths import REPO_ROOT as REPO
from dashboard.corpus_view import (
    CorpusView,
    by_contributor,
    category_summary,
    default_source,
    matching,
    source_of_path,
    tablet_facts,
)

# Three digits by one writer; the .PEN_UP before the first .PEN_DOWN is a quirk the tolerant reader repairs.
TINY = """.VERSION 1.0
.X_POINTS_PER_INCH 200
.Y_POINTS_PER_INCH 200
.POINTS_PER_SECOND 100
.WRITER_ID w1
.STYLE PRINTED
.PEN_UP
.PEN_DOWN
10 10
10 30
.PEN_UP
.PEN_DOWN
20 10
30 20
20 30
.PEN_UP
.PEN_DOWN
40 10
40 30
.PEN_UP
.PEN_DOWN
50 10
50 30
.PEN_UP
.SEGMENT CHARACTER 0 OK "1"
.SEGMENT CHARACTER 1 OK "2"
.SEGMENT CHARACTER 2-3 ? "4"
"""


@pytest.fixture()
def tiny(tmp_path, monkeypatch):
    """A UNIPEN folder of one repaired file (1a, contributor zzz) and one clean copy (zzz's second writer)."""
    monkeypatch.setenv("HWLAB_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "tiny"
    (root / "include").mkdir(parents=True)
    (root / "data" / "1a" / "zzz").mkdir(parents=True)
    (root / "data" / "1a" / "zzz" / "one.dat").write_text(TINY)
    clean = TINY.replace(".PEN_UP\n.PEN_DOWN\n10 10", ".PEN_DOWN\n10 10", 1).replace("w1", "w2")
    (root / "data" / "1a" / "zzz" / "two.dat").write_text(clean)
    return root


def test_tables_count_samples_and_writers_per_category_and_contributor(unipen_root):
    view = CorpusView.load("unipen")
    report = view.corpus.report
    summary = category_summary(view.table).set_index("category")
    assert summary["samples"].to_dict() == dict(report.samples)
    assert summary.loc["1c", "what"] == "isolated lowercase letters" and summary.loc["6", "contributors"] == 2
    assert summary.loc["6", "writers"] == len({s.writer for s in view.corpus.of("6")})
    samples = by_contributor(view.table, "samples").set_index("contributor")
    assert samples.loc["apb", "6"] == 0 and samples["all"].sum() == len(view.corpus.samples)
    assert (samples["1c"] + samples["6"] == samples["all"]).all()
    writers = by_contributor(view.table, "writers").set_index("contributor")
    assert writers.loc["art", "6"] == len({s.writer for s in view.corpus.of("6") if s.contributor == "art"})


def test_matching_filters_by_category_contributor_writer_and_label(unipen_root):
    view = CorpusView.load("unipen")
    rows = matching(view.table, "6", "lav", None, "e")
    assert len(rows) and all(view.sample(r).contributor == "lav" and "e" in view.sample(r).label
                             and view.sample(r).data_category == "6" for r in rows)
    writer = view.sample(rows[0]).writer
    mine = matching(view.table, "6", "lav", writer, "e")
    assert 0 < len(mine) <= len(rows) and {view.sample(r).writer for r in mine} == {writer}
    assert len(matching(view.table, "6", "apb")) == 0


def test_a_samples_tablet_facts_and_its_files_repairs(tiny):
    view = CorpusView.load(f"unipen:{tiny}")
    assert len(view.corpus.samples) == 6
    four = view.sample(matching(view.table, "1a", "zzz", "zzz/w1", "4")[0])
    facts = dict(tablet_facts(four))
    assert facts["x resolution"] == "200 points per inch" and facts["sampling rate"] == "100 points per second"
    assert facts["strokes, points"] == "2 strokes, 4 points" and facts["size"].startswith("10 × 20 tablet units")
    assert facts["quality"] == "?" and facts["style"] == "PRINTED" and facts["file"].endswith("one.dat")
    assert view.file_repairs(four) == {"orphan-pen-up": 1}
    clean = view.sample(matching(view.table, "1a", "zzz", "zzz/w2")[0])
    assert view.file_repairs(clean) == {}


def test_a_typed_path_is_checked_with_a_clear_message(tmp_path, tiny, monkeypatch):
    assert source_of_path(f"  '{tiny}' ") == f"unipen:{tiny}"
    with pytest.raises(InputError, match="no folder or archive at"):
        source_of_path(str(tmp_path / "nowhere"))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="a file but not an archive"):
        source_of_path(str(tmp_path / "notes.txt"))
    with pytest.raises(InputError, match="type the path"):
        source_of_path(" ")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no UNIPEN data"):
        CorpusView.load(source_of_path(str(empty)))
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "absent.tar.xz"))
    assert default_source() == "unipen"
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "notes.txt"))
    assert default_source() == "unipen-train"


def corpus_tab(monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "absent.tar.xz"))  # the fixture is the default
    at = AppTest.from_file(str(REPO / "dashboard" / "Home.py"), default_timeout=120).run()
    at.switch_page("../pages/data.py")
    at.session_state["data_tab"] = "UNIPEN corpus"
    return at.run()


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


@pytest.mark.page
def test_the_corpus_tab_browses_the_fixture(unipen_root, monkeypatch, tmp_path):
    at = corpus_tab(monkeypatch, tmp_path)
    assert not at.exception and at.radio(key="data_corpus_source").value == "unipen"
    tables = [d.value for d in at.dataframe]
    assert list(tables[0]["category"]) == ["1c", "6"] and list(tables[1]["contributor"]) == ["apb", "art", "lav"]
    at.radio(key="data_corpus_count").set_value("writers").run()
    assert at.dataframe[1].value.set_index("contributor").loc["lav", "6"] == 4
    at.selectbox(key="data_corpus_category").set_value("6").run()
    at.selectbox(key="data_corpus_contributor").set_value("lav").run()
    writer = at.selectbox(key="data_corpus_writer").options[1]
    at.selectbox(key="data_corpus_writer").set_value(at.selectbox(key="data_corpus_writer").options[1]).run()
    at.text_input(key="data_corpus_query").set_value("e").run()
    assert not at.exception and writer.split(" ")[0] in at.selectbox(key="data_corpus_writer").value
    drawn = titles(at)[0]
    assert drawn.startswith("'") and "e" in drawn.split("'")[1] and "(6 · isolated words), sample 1 of" in drawn
    ink = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert ink[1]["text"][:2] == ["1", "2"]  # the strokes are numbered in writing order
    facts = at.dataframe[2].value.set_index("fact")["value"]
    assert facts["x resolution"].endswith("points per inch") and "lav" in facts["file"]
    at.number_input(key="data_corpus_pick").set_value(2).run()
    assert ", sample 2 of" in titles(at)[0]
    at.text_input(key="data_corpus_query").set_value("zzzz").run()
    assert not titles(at) and "containing 'zzzz'" in at.info[0].value


@pytest.mark.page
def test_the_corpus_tab_reads_a_typed_folder_and_refuses_bad_paths(tiny, monkeypatch, tmp_path):
    at = corpus_tab(monkeypatch, tmp_path)
    at.radio(key="data_corpus_source").set_value("path").run()
    assert not at.exception and "Type the path" in at.info[0].value
    at.text_input(key="data_corpus_path").set_value(str(tmp_path / "nowhere")).run()
    assert "there is no folder or archive at" in at.error[0].value
    (tmp_path / "empty").mkdir()
    at.text_input(key="data_corpus_path").set_value(str(tmp_path / "empty")).run()
    assert "no UNIPEN data at" in at.error[0].value
    at.text_input(key="data_corpus_path").set_value(str(tiny)).run()
    assert not at.exception and not at.error
    at.selectbox(key="data_corpus_contributor").set_value("zzz").run()
    at.selectbox(key="data_corpus_writer").set_value("zzz/w1").run()
    at.text_input(key="data_corpus_query").set_value("4").run()
    assert titles(at)[0].startswith("'4' by zzz/w1 (1a · isolated digits)")
    repairs = at.dataframe[-1].value
    assert list(repairs["repair"]) == ["orphan-pen-up"] and list(repairs["times"]) == [1]
    at.selectbox(key="data_corpus_writer").set_value("zzz/w2").run()
    assert any("needed no repair" in s.value for s in at.success)
