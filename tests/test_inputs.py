"""What an input may be: a regular file of a stated size, read within a stated time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from csa_stats.cli import main
from csa_stats.reference.policy import Limits
from csa_stats.sources import inputs
from csa_stats.sources.inputs import InputError, check_input, read_deadline


def test_a_pipe_where_a_file_is_expected_is_refused_before_anything_reads_it(tmp_path) -> None:
    pipe = tmp_path / "populations.csv"
    os.mkfifo(pipe)  # reading it would wait for a writer for ever
    result = CliRunner().invoke(
        main, ["check", "--period-end", "2024-03", "--population", str(pipe)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"csa-stats: error: parameter population_path: {pipe}: is a pipe, not a file"
    )


def test_a_file_larger_than_the_limit_is_refused_by_name(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(inputs, "load_limits", lambda: Limits(1_000, 600))
    big = tmp_path / "extract.csv"
    big.write_bytes(b"x" * 1_001)
    with pytest.raises(
        InputError, match=r"extract.csv: is 1,001 bytes, more than the limit of 1,000"
    ):
        check_input(big, "file")
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 1_000)
    check_input(small, "file")  # at the limit: accepted


def test_a_folder_where_a_folder_is_expected_and_a_file_where_not(tmp_path: Path) -> None:
    check_input(tmp_path, "folder")
    check_input(tmp_path, "file or folder")
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(InputError, match=r"a.csv: is a file, not a folder"):
        check_input(tmp_path / "a.csv", "folder")


def test_a_read_that_runs_past_the_time_limit_is_stopped_with_a_message() -> None:
    started = time.monotonic()
    with (
        pytest.raises(InputError, match=r"slow.csv: reading took longer than 0.2 s"),
        read_deadline("slow.csv", 0.2),
    ):
        time.sleep(5)
    assert time.monotonic() - started < 2
    with read_deadline("quick.csv", 5):  # and a read within it is left alone, the timer cleared
        pass
    time.sleep(0.3)
