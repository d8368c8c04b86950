"""The main job at this stage: `outputsaving demo` on the shipped image."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import roifile
import tifffile

from outputsaving.demo import OUTPUT_NAMES

pytestmark = pytest.mark.slow  # runs the demo in a new Python


def test_demo_writes_four_outputs_that_pass(tmp_path):
    output = tmp_path / "demo"
    completed = subprocess.run(
        [sys.executable, "-m", "outputsaving", "demo", "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "All outputs pass." in completed.stdout
    assert sorted(p.name for p in output.iterdir()) == sorted(OUTPUT_NAMES.values())

    labels = tifffile.imread(output / OUTPUT_NAMES["labels"])
    assert labels.dtype == np.uint16
    assert labels.max() == 6, "six shapes pass the 0-1000 px filter"
    table = pd.read_csv(output / OUTPUT_NAMES["table"], sep="\t")
    assert table["area"].tolist() == np.bincount(labels.ravel())[1:].tolist()
    assert len(roifile.roiread(output / OUTPUT_NAMES["rois"])) == 6


def test_demo_rerun_replaces_outputs(tmp_path):
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-m", "outputsaving", "demo", "--output", str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert completed.returncode == 0, completed.stdout
    assert len(roifile.roiread(tmp_path / OUTPUT_NAMES["rois"])) == 6
