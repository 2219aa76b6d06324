"""AppTest: a tiny run started from the Train page finishes and shows on the Runs page."""
import time

from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT as REPO
from core.train.runs import list_runs, read_status, run_path

def data_key(at, kind: str = "reader") -> str:
    """The Train page's data widget key: one widget per model kind and preset."""
    return f"train_data_{kind}_{at.selectbox(key=f'train_preset_{kind}').value}"



def wait_finished(run_id, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = read_status(run_path(run_id))["state"]
        if state not in ("starting", "running"):
            return state
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def train_page(kind: str = "reader", preset: str = "tiny") -> AppTest:
    """The Train page with `preset` chosen (tiny: seconds, as tests need; the page's default is az-quick)."""
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60).run()
    if kind != "reader":
        at.radio(key="train_kind").set_value(kind).run()
    at.selectbox(key=f"train_preset_{kind}").set_value(preset).run()
    assert not at.exception
    return at


def test_the_default_preset_reads_the_canvas_and_every_option_is_labelled_in_words():
    from dataclasses import fields

    from core.models.reader import ReaderConfig

    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60).run()
    assert not at.exception
    assert at.selectbox(key="train_preset_reader").value == "az-quick"
    assert at.selectbox(key=data_key(at)).value in ("unipen", "synthetic")  # a-z data, not seed 001's
    helps = {f.name: f.metadata["help"] for f in fields(ReaderConfig)}
    widgets = list(at.slider) + list(at.toggle) + list(at.selectbox) + list(at.number_input)
    options = [w for w in widgets if w.key.startswith("train_reader_az-quick_")]
    assert len(options) >= 15
    for w in options:
        name = w.key.removeprefix("train_reader_az-quick_")
        assert w.label == helps[name].split(": ")[0] and w.label != name  # words, not the field name
        assert helps[name] in w.help and f"--{name.replace('_', '-')}" in w.help  # the same text as --help
    at.selectbox(key=data_key(at)).set_value("seed").run()
    assert any("knows ten letters only" in i.value for i in at.info)
    at.selectbox(key="train_preset_reader").set_value("tiny").run()
    assert any("the tests use" in c.value for c in at.caption)


def test_tiny_reader_run_from_the_train_page_appears_in_runs():
    at = train_page()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    run_id = at.session_state["train_run"]
    assert wait_finished(run_id) == "finished"
    at.run()
    assert any("finished" in m.value for m in at.markdown)
    runs = AppTest.from_file(str(REPO / "pages" / "runs.py"), default_timeout=60).run()
    assert not runs.exception
    table = runs.dataframe[0].value
    assert run_id in set(table["run"]) and table.set_index("run").loc[run_id, "state"] == "finished"
    # Named and listed by model and preset, with the data it trained on
    assert "-reader-tiny" in run_id
    row = table.set_index("run").loc[run_id]
    assert row["model"] == "reader" and row["preset"] == "tiny" and row["data"] == "seed"


def test_a_run_that_failed_before_its_first_epoch_still_names_its_model_preset_and_data(tmp_path):
    import subprocess
    import sys

    run = tmp_path / "runs" / "failed"
    proc = subprocess.run([sys.executable, "-m", "core", "train", "reader", "--preset", "tiny", "--data",
                           f"unipen:{tmp_path / 'nowhere'}", "--run-dir", str(run)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    (row,) = [r for r in list_runs(tmp_path / "runs") if r["id"] == "failed"]
    assert (row["state"], row["kind"], row["preset"]) == ("failed", "reader", "tiny")
    assert row["data"] == f"unipen:{tmp_path / 'nowhere'}"


def test_changed_options_reach_the_trainer():
    at = train_page()
    at.slider(key="train_reader_tiny_hidden").set_value(12).run()
    at.button(key="train_start").click().run()
    run_id = at.session_state["train_run"]
    wait_finished(run_id)
    import json

    assert json.loads((run_path(run_id) / "config.json").read_text())["hidden"] == 12


def test_more_runs_than_cores_are_refused_with_a_message():
    import os

    from core.paths import runs_dir
    from core.train.runs import RunFolder

    for i in range(os.cpu_count() or 1):  # runs that look active: their pid (this test) is alive
        RunFolder(runs_dir() / f"busy-{i}").set_status("running", 1, "busy")
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert any("at most one run per CPU core" in e.value for e in at.error)
    assert len(list_runs()) == (os.cpu_count() or 1)


def test_classifier_options_come_from_its_presets():
    at = train_page("classifier")
    assert at.selectbox(key="train_classifier_tiny_readout").value == "last"


def test_a_sweep_from_the_train_page_runs_and_the_runs_page_groups_it(tmp_path, monkeypatch):
    from core.train.sweep import read_sweep

    monkeypatch.setenv("HWLAB_SWEEPS_DIR", str(tmp_path / "sweeps"))
    at = train_page()
    at.selectbox(key="sweep_key1_reader").set_value("hidden").run()
    at.text_input(key="sweep_vals1_reader_hidden").set_value("8, 12").run()
    at.text_input(key="sweep_seeds_reader").set_value("0").run()
    assert any("2 runs of preset `tiny`" in c.value for c in at.caption)
    at.button(key="sweep_start_reader").click().run()
    assert not at.exception and not at.error
    sweep_id = at.session_state["train_sweep"]
    deadline = time.time() + 240
    while time.time() < deadline and len(read_sweep(sweep_id)[1]) < 2:
        time.sleep(1)
    assert sorted(read_sweep(sweep_id)[1]["hidden"]) == [8, 12]
    runs = AppTest.from_file(str(REPO / "pages" / "runs.py"), default_timeout=60).run()
    runs.selectbox(key="runs_sweep").set_value(sweep_id).run()
    assert not runs.exception
    table = runs.dataframe(key="runs_table").value
    assert len(table) == 2 and set(table["sweep"]) == {sweep_id} and set(table["state"]) == {"finished"}
    assert any("2 of 2 runs finished" in m.value for m in runs.markdown)


def test_a_bad_sweep_grid_is_a_clear_error_and_starts_nothing():
    at = train_page()
    at.text_input(key="sweep_seeds_reader").set_value("0, x").run()
    assert any("Seeds must be integers" in e.value for e in at.error)
    at.text_input(key="sweep_seeds_reader").set_value("0").run()
    at.text_input(key="sweep_vals1_reader_hidden").set_value("").run()
    assert at.error and not at.exception
    assert list_runs() == []


def _finished_run(run_id: str, lr: float = 0.01) -> None:
    from core.files.atomic import append_csv_row, write_json
    from core.paths import runs_dir
    from core.train.runs import RunFolder

    folder = runs_dir() / run_id
    RunFolder(folder).set_status("finished", 2, "finished 2 epochs", total_epochs=2, kind="reader")
    write_json(folder / "config.json", {"kind": "reader", "lr": lr, "schedule": "cosine", "epochs": 2})
    for epoch, scheduled in ((1, lr / 2), (2, 0.0)):  # a cosine schedule ends at (almost) 0
        append_csv_row(folder / "metrics.csv", {"epoch": epoch, "train_loss": 3.0 - epoch, "invocab_cer": 0.5,
                                                "invocab_word_acc": 0.1, "heldout_cer": 0.6, "heldout_word_acc": 0.0,
                                                "lr": scheduled, "seconds": epoch})


def test_the_runs_table_shows_the_configured_learning_rate():
    _finished_run("20260101-000000-reader-cosine", lr=0.01)
    runs = AppTest.from_file(str(REPO / "pages" / "runs.py"), default_timeout=60).run()
    assert not runs.exception
    table = runs.dataframe(key="runs_table").value.set_index("run")
    assert table.loc["20260101-000000-reader-cosine", "lr"] == 0.01


def test_the_reader_loss_chart_says_per_word_as_the_trainer_averages():
    import json

    _finished_run("20260101-000000-reader-done")
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60)
    at.session_state["train_run"] = "20260101-000000-reader-done"
    at.run()
    assert not at.exception
    loss = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "train_loss_chart" in c.proto.id]
    assert len(loss) == 1
    assert loss[0]["layout"]["yaxis"]["title"]["text"] == "loss per word"


def test_fast_real_trains_on_the_training_corpus_and_says_how_it_is_split(monkeypatch, tmp_path):
    at = train_page("reader", "fast-real")
    assert not at.exception
    from core.paths import unipen_train_archive

    if unipen_train_archive().is_file():
        assert at.selectbox(key=data_key(at)).value == "unipen-train"
        assert any("never trained on" in c.value for c in at.caption)
    monkeypatch.setenv("HWLAB_UNIPEN_TRAIN", str(tmp_path / "missing.tar.xz"))
    at = train_page("reader", "fast-real")
    assert at.selectbox(key=data_key(at)).value != "unipen-train"  # its small subset instead
    at.selectbox(key=data_key(at)).set_value("unipen-train").run()
    assert any("training corpus is not at" in w.value for w in at.warning)


def test_the_text_presets_are_described_and_their_options_shown_as_they_are():
    """The line reader's presets: charset text (not shown as az), encoding delta-line, and where they start from."""
    at = train_page(preset="fast-text")
    labels = {o: at.selectbox(key="train_preset_reader").format_func(o) for o in ("fast-text", "text")}
    assert "while you watch" in labels["fast-text"] and "reader-az's weights" in labels["fast-text"]
    assert "shipped reader-text" in labels["text"]
    assert at.selectbox(key="train_reader_fast-text_charset").value == "text"
    assert at.selectbox(key="train_reader_fast-text_charset").options == ["az", "text"]
    encoding = at.selectbox(key="train_reader_fast-text_encoding")
    assert encoding.value == "delta-line" and encoding.options == ["delta", "delta-line", "seed", "graves25"]
    init = at.text_input(key="train_reader_fast-text_init")
    assert init.value == "checkpoints/reader-az" and init.label == "Start from the weights of"
    assert "fresh weights" in init.placeholder and "--init" in init.help
    classifier_page = train_page("classifier", "chars")
    assert classifier_page.selectbox(key="train_classifier_chars_charset").options == ["az", "chars"]
    assert classifier_page.selectbox(key="train_classifier_chars_charset").value == "chars"


def _launched(monkeypatch) -> list:
    """Replace the trainer's launch by a recorder: the page's arguments, never a training."""
    from core.train import runs

    calls = []
    monkeypatch.setattr(runs, "launch_training",
                        lambda kind, config, name=None, preset=None: calls.append((kind, config)) or "fake")
    return calls


def test_starting_fast_text_launches_a_line_reader_from_reader_az(monkeypatch):
    from core.models.reader import ReaderConfig

    calls = _launched(monkeypatch)
    at = train_page(preset="fast-text")
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    ((kind, config),) = calls
    cfg = ReaderConfig.from_dict(config)
    assert (cfg.charset, cfg.encoding, cfg.init) == ("text", "delta-line", "checkpoints/reader-az")
    assert cfg.data.startswith("unipen")  # the training corpus, or its small subset on a machine without it


def test_a_reader_to_start_from_that_is_not_there_is_refused_before_launching(monkeypatch):
    calls = _launched(monkeypatch)
    at = train_page(preset="fast-text")
    at.text_input(key="train_reader_fast-text_init").set_value("checkpoints/no-such-reader").run()
    at.button(key="train_start").click().run()
    assert not at.exception and not calls
    assert any("cannot start from checkpoints/no-such-reader" in e.value for e in at.error)
    at.text_input(key="train_reader_fast-text_init").set_value("").run()  # fresh weights
    at.button(key="train_start").click().run()
    ((_, config),) = calls
    assert config["init"] == ""
