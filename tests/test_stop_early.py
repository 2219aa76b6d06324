"""A stop before the first epoch is acknowledged at once; a run says what it does before its first epoch."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.paths import REPO_ROOT
from core.train.runs import StopFlag, StopRequested


def test_a_stop_flag_raises_until_the_loop_polls_and_is_polled_after():
    flag = StopFlag()
    with pytest.raises(StopRequested):
        flag.handle(signal.SIGTERM, None)
    assert flag()
    later = StopFlag()
    later.polling()
    later.handle(signal.SIGTERM, None)  # the loop polls it between batches: no exception
    assert later()


def test_stop_while_the_corpus_loads_ends_the_run_at_once_and_says_so(tmp_path):
    from core.paths import unipen_train_archive

    if not unipen_train_archive().is_file():
        if os.environ.get("REQUIRE_UNIPEN") == "1":
            pytest.fail("the UNIPEN training corpus is required")
        pytest.skip("no UNIPEN training corpus")
    run = tmp_path / "run"
    env = {**os.environ, "HWLAB_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(REPO_ROOT)}  # an empty cache:
    proc = subprocess.Popen([sys.executable, "-m", "core", "train", "reader", "--preset", "fast-text",  # minutes
                             "--run-dir", str(run)], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    status = {}
    while time.time() < deadline and status.get("message") != "loading the training data" \
            and "unpacking" not in status.get("message", ""):
        time.sleep(0.2)
        try:
            status = json.loads((run / "status.json").read_text())
        except (OSError, ValueError):
            pass
    assert status.get("state") == "running", status  # the page shows what it does, not "starting"
    proc.send_signal(signal.SIGTERM)
    t0 = time.time()
    out, err = proc.communicate(timeout=30)
    assert time.time() - t0 < 10, "the stop was not acknowledged at once"
    assert proc.returncode == 0, err
    final = json.loads((run / "status.json").read_text())
    assert final["state"] == "stopped" and "before the first epoch" in final["message"]
