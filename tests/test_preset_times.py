"""Time promises come from measurement: bench/preset_times.py's figures, said in words."""
import json

import pytest

from core.models import preset_times, reader
from core.models.preset_times import estimate_seconds, in_words, preset_note, preset_time


def test_a_promise_is_the_start_plus_every_epoch_at_the_measured_pace():
    measured = {"start_s": 40.0, "epoch_s": 25.0, "epochs": 8}
    assert estimate_seconds(measured) == 240.0
    assert estimate_seconds(measured, epochs=2) == 90.0


@pytest.mark.parametrize("seconds,words", [(12, "about 10 s"), (119, "about 120 s"), (240, "about 4 minutes"),
                                           (5400, "about 90 minutes"), (9000, "about 2.5 hours")])
def test_durations_are_said_as_a_person_says_them(seconds, words):
    assert in_words(seconds) == words


def test_an_unmeasured_preset_promises_no_time(monkeypatch, tmp_path):
    times = tmp_path / "times.json"
    times.write_text(json.dumps({"reader": {"tiny": {"start_s": 20.0, "epoch_s": 1.0, "epochs": 2}}}))
    monkeypatch.setattr(preset_times, "TIMES_FILE", times)
    preset_times._times.cache_clear()
    try:
        assert preset_time("reader", "tiny") == "about 20 s on one core (measured)"
        assert preset_note("reader", "tiny").endswith("; about 20 s on one core (measured)")
        assert preset_time("reader", "fast") is None
        assert preset_note("reader", "fast") == reader.PRESET_NOTES["fast"]
    finally:
        preset_times._times.cache_clear()


def test_every_kept_measurement_names_a_preset_and_how_it_was_taken():
    if not preset_times.TIMES_FILE.is_file():
        pytest.skip("no measurements kept yet (python bench/preset_times.py --write)")
    from core.models import classifier

    kept = json.loads(preset_times.TIMES_FILE.read_text())
    assert "python bench/preset_times.py" in kept["measured"]["command"]
    for kind, presets in (("reader", reader.PRESETS), ("classifier", classifier.PRESETS)):
        for name, m in kept.get(kind, {}).items():
            assert name in presets and m["epochs"] == presets[name].epochs and m["epoch_s"] > 0
