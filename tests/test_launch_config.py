"""A run is started from its config: the page hands launch_training a checked config, which becomes the run
folder's config.json before the trainer starts, and `train --config FILE` trains exactly that."""
import json
import time

import pytest

from core.cli.main import build_parser
from core.cli.reader import config_from_args
from core.errors import InputError
from core.models.reader import ReaderConfig, preset
from core.train.runs import launch_training, list_runs, read_status, run_path


def test_a_saved_config_is_the_base_and_flags_beside_it_still_change_it(tmp_path):
    saved = preset("tiny", hidden=12, augment={**preset("tiny").augment, "slant": 0.4})
    path = tmp_path / "config.json"
    path.write_text(json.dumps(saved.to_dict()))
    parse = build_parser().parse_args
    assert config_from_args(parse(["train", "reader", "--config", str(path)])) == saved
    assert config_from_args(parse(["train", "reader", "--config", str(path), "--epochs", "3"])) == \
        saved.replace(epochs=3)
    assert config_from_args(parse(["train", "reader"])) == preset("fast")  # neither: the default preset


@pytest.mark.parametrize("text,message", [("{not json", "cannot read the config"), ("[1, 2]", "holds no config"),
                                          ('{"hiden": 8}', "hiden")])
def test_a_bad_config_file_is_refused_with_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        config_from_args(build_parser().parse_args(["train", "reader", "--config", str(path)]))


def test_a_launched_run_trains_the_config_it_was_given():
    config = preset("tiny", epochs=1, hidden=12).to_dict()
    run_id = launch_training("reader", config, name="cfg", preset="tiny")
    path = run_path(run_id)
    assert json.loads((path / "config.json").read_text()) == {**config, "kind": "reader"}  # before the trainer
    deadline = time.time() + 180
    while time.time() < deadline and read_status(path).get("state") not in ("finished", "failed"):
        time.sleep(0.5)
    assert read_status(path)["state"] == "finished", (path / "log.txt").read_text()[-2000:]
    trained = json.loads((path / "config.json").read_text())
    assert trained.pop("kind") == "reader" and ReaderConfig.from_dict(trained) == ReaderConfig.from_dict(config)
    (listed,) = [r for r in list_runs() if r["id"] == run_id]
    assert listed["preset"] == "tiny" and run_id.endswith("-reader-tiny-cfg")
