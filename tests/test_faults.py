"""Faults of our own: a build killed (SIGKILL) at every step, two builds at once, a damaged cache,
a full and a read-only disk. Each leaves the last good site whole, and the next build correct.

Builds run as a user runs them, ``csa-stats build`` in a process of its own, which the tests kill
at a named step (``CSA_STATS_KILL_AT``, read by :func:`csa_stats.build.publish.fault_point`) or at a
moment they observe (a notebook running, the book rendering).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from csa_stats import paths
from csa_stats.build.publish import KILL_AT_ENV, MARKER, PublishError, recover, swap_in

pytestmark = pytest.mark.build

OLD = ["--period-end", "2024-03"]
NEW = ["--period-end", "2024-02"]


def _cli(
    args: list[str], kill_at: str | None = None, wait: bool = True
) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    env = {**os.environ, KILL_AT_ENV: kill_at or ""}
    command = [sys.executable, "-m", "csa_stats.cli", "build", "--no-progress", *args]
    if not wait:
        return subprocess.Popen(
            command,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    return subprocess.run(command, env=env, text=True, capture_output=True, timeout=600)


def _tree(folder: Path) -> dict[str, str]:
    """Every file of a site and its digest."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _leftovers(target: Path) -> list[Path]:
    return [*target.parent.glob(f".{target.name}.swap-*"), *paths.build_dir().glob("staging-*")]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str], Path]:
    """The last good site (the 12 months to March 2024) and what a good build for February gives."""
    root = tmp_path_factory.mktemp("faults")
    for name, args in (("old", OLD), ("new", NEW)):
        done = _cli(["--output", str(root / name), *args])
        assert done.returncode == 0, done.stderr
    return _tree(root / "old"), _tree(root / "new"), root


def _last_good_site(sites, name: str) -> Path:
    _, _, root = sites
    target = root / name
    shutil.copytree(root / "old", target)
    return target


# Each step, and whether the new site is in place once the build is killed there.
STEPS = [
    ("notebooks-done", False),
    ("book-built", False),
    ("notebooks-published", False),
    ("staged:{site}", False),
    ("exchanged:{site}", True),
    ("published", True),
]


@pytest.mark.parametrize(("step", "replaced"), STEPS)
def test_a_build_killed_at_any_step_leaves_a_whole_site_and_the_next_build_is_right(
    sites, step: str, replaced: bool
) -> None:
    old, new, _ = sites
    target = _last_good_site(sites, f"site-{step.split(':')[0]}")
    done = _cli(["--output", str(target), *NEW], kill_at=step.format(site=target.name))
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert _tree(target) == (new if replaced else old)  # the old site, or the new, never a mix
    again = _cli(["--output", str(target), *NEW])
    assert again.returncode == 0, again.stderr
    assert _tree(target) == new
    assert _leftovers(target) == []


def _kill_when(process: subprocess.Popen[str], seen: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 300
    while not seen():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_a_build_killed_while_a_notebook_runs_leaves_the_last_good_site(sites) -> None:
    old, _, _ = sites
    target = _last_good_site(sites, "site-notebooks")
    running = _cli(["--output", str(target), "--period-end", "2023-12"], wait=False)
    work = paths.build_dir() / "cache" / "notebooks"
    _kill_when(running, lambda: any(work.glob(".*-*")))  # a chapter's run folder exists
    assert _tree(target) == old


def test_a_build_killed_while_the_book_renders_leaves_the_last_good_site(sites) -> None:
    old, new, _ = sites
    target = _last_good_site(sites, "site-render")
    running = _cli(["--output", str(target), *NEW], wait=False)  # chapters cached: straight on
    _kill_when(running, lambda: any(paths.build_dir().glob("staging-*/_build/html")))
    assert _tree(target) == old
    assert _cli(["--output", str(target), *NEW]).returncode == 0
    assert _tree(target) == new


def test_a_second_build_started_meanwhile_refuses_in_one_line(sites) -> None:
    _, new, root = sites
    first = _cli(["--output", str(root / "first"), *NEW], wait=False)
    lock = paths.build_dir() / ".lock"
    deadline = time.monotonic() + 60
    while not (lock.is_file() and lock.read_text().strip() == str(first.pid)):
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    second = _cli(["--output", str(root / "second"), *NEW])
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another build of this project is running" in lines[0], lines
    assert not (root / "second").exists()
    _, errors = first.communicate(timeout=600)
    assert first.returncode == 0, errors
    assert _tree(root / "first") == new


def test_an_unrelated_file_in_the_output_folder_is_never_touched(tmp_path: Path) -> None:
    mine = tmp_path / "site"
    mine.mkdir()
    (mine / "my-notes.txt").write_text("not the project's")
    done = _cli(["--output", str(mine), *NEW])
    assert done.returncode == 2
    assert "holds files that csa-stats did not publish" in done.stderr
    assert [p.name for p in mine.iterdir()] == ["my-notes.txt"]


# ---- the exchange itself, and disks that cannot be written --------------------------------------


def _folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "index.html").write_text(text)
    (path / MARKER).write_text("{}")
    return path


def test_without_an_atomic_exchange_the_fallback_is_recovered_after_a_kill(tmp_path, monkeypatch):
    """Where renameat2 cannot exchange (another kernel, a file system without it), two renames are
    used; killed between them, the next build puts the old site back before anything else."""
    import csa_stats.build.publish as publish

    def unsupported(a: Path, b: Path) -> None:
        raise OSError(errno.ENOSYS, "no exchange")

    monkeypatch.setattr(publish, "_exchange", unsupported)
    target = _folder(tmp_path / "site", "old")
    swap_in(_folder(tmp_path / "new", "new"), target)
    assert (target / "index.html").read_text() == "new" and _leftovers_of(target) == []
    # what a kill between the renames leaves: no target, the old folder beside it
    (tmp_path / ".site.swap-abc-old").mkdir()
    (tmp_path / ".site.swap-abc-old" / "index.html").write_text("old")
    shutil.rmtree(target)
    recover(target)
    assert (target / "index.html").read_text() == "old" and _leftovers_of(target) == []


def _leftovers_of(target: Path) -> list[Path]:
    return list(target.parent.glob(f".{target.name}.swap-*"))


def test_a_full_disk_while_copying_to_another_file_system_leaves_the_old_site(
    tmp_path, monkeypatch
) -> None:
    """The copy beside the target runs out of space half-way: the target is untouched, the
    half-copy removed, and the error is one line naming why."""
    import csa_stats.build.publish as publish

    target = _folder(tmp_path / "site", "old")
    new = _folder(tmp_path / "new", "new")
    for k in range(20):
        (new / f"page{k}.html").write_text("x" * 1000)
    copied = []

    def copy_until_full(src: str, dst: str, *args: object, **kwargs: object) -> str:
        if len(copied) >= 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)
        copied.append(dst)
        return shutil.copy2(src, dst)

    def move_across(src: str, dst: str) -> str:  # as shutil.move does across file systems
        shutil.copytree(src, dst, copy_function=copy_until_full)
        shutil.rmtree(src)
        return dst

    monkeypatch.setattr(publish.shutil, "move", move_across)
    with pytest.raises(PublishError, match="No space left on device"):
        swap_in(new, target)
    assert _tree(target) == {"index.html": _digest("old"), MARKER: _digest("{}")}
    assert _leftovers_of(target) == []


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path, sites):
    """A real file system with room for one site and not for a second (a tmpfs; needs the right
    to mount)."""
    _, _, root = sites
    size = sum(p.stat().st_size for p in (root / "old").rglob("*") if p.is_file())
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, str(int(size * 1.6) + 2_000_000)):
        pytest.skip("cannot mount a tmpfs here (needs root); the monkeypatched test covers it")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_publishing_to_a_full_disk_is_one_line_and_the_old_site_stays(sites, small_disk) -> None:
    old, _, root = sites
    target = small_disk / "site"
    shutil.copytree(root / "old", target)
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(0, free - 200_000))  # room for little more than a page
    done = _cli(["--output", str(target), *NEW])
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], lines
    assert _tree(target) == old
    assert _leftovers(target) == []


def test_publishing_to_a_read_only_disk_is_one_line_and_the_old_site_stays(
    sites, small_disk
) -> None:
    old, _, root = sites
    target = small_disk / "site"
    shutil.copytree(root / "old", target)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    done = _cli(["--output", str(target), *NEW])
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Read-only file system" in lines[0], lines
    assert _tree(target) == old


def test_a_cached_chapter_edited_by_hand_is_run_again_not_served(tmp_path: Path) -> None:
    """A cache entry whose files are not the ones its run wrote (an output edited, a figure
    truncated) is run again; the published chapter is the true one."""
    from csa_stats.build.execute import run_or_reuse
    from csa_stats.chapters import ChapterSpec

    source = tmp_path / "tiny.ipynb"
    source.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "p",
                        "metadata": {"tags": ["parameters"]},
                        "outputs": [],
                        "source": "edition = ''",
                    },
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "a",
                        "metadata": {},
                        "outputs": [],
                        "source": "print('the true figure', 6 * 7)",
                    },
                ],
                "metadata": {
                    "kernelspec": {
                        "name": "python3",
                        "display_name": "Python 3",
                        "language": "python",
                    }
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    tiny = ChapterSpec("tiny", "tiny", "tiny", ())
    cache = tmp_path / "cache"
    entry, ran = run_or_reuse(tiny, "", source, cache, "k" * 32)
    assert ran and "the true figure 42" in (entry / "tiny.ipynb").read_text()
    assert run_or_reuse(tiny, "", source, cache, "k" * 32)[1] is False  # whole: reused
    notebook = entry / "tiny.ipynb"
    notebook.write_text(notebook.read_text().replace("the true figure 42", "the true figure 41"))
    entry, ran = run_or_reuse(tiny, "", source, cache, "k" * 32)
    assert ran and "the true figure 42" in (entry / "tiny.ipynb").read_text()
    (entry / ".digests.json").write_text("{garbled")
    assert run_or_reuse(tiny, "", source, cache, "k" * 32)[1] is True


def test_a_read_only_build_folder_is_one_line_and_nothing_changes(tmp_path: Path) -> None:
    """The project's own ``_build`` on a read-only file system: refused in one line, status 2."""
    project = tmp_path / "project"
    project.mkdir()
    root = paths.project_root()
    for name in ("_config.yml", "_toc.yml", "CHANGELOG.md"):
        shutil.copy2(root / name, project / name)
    for name in ("book", "notebooks", "data"):
        shutil.copytree(root / name, project / name, ignore=shutil.ignore_patterns("extracts"))
    build = project / "_build"
    if not _mount_tmpfs(build, "1m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        subprocess.run(["mount", "-o", "remount,ro", str(build)], check=True)
        before = _tree(project / "book")
        env = {**os.environ, paths.ROOT_ENV: str(project)}
        done = subprocess.run(
            [sys.executable, "-m", "csa_stats.cli", "build", "--no-progress"],
            env=env,
            text=True,
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Read-only file system" in lines[0], lines
        assert _tree(project / "book") == before
    finally:
        subprocess.run(["umount", "-l", str(build)], check=False)
