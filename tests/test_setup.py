"""The README's first Quickstart command installs what an audit needs and no
more: no test or Dask package.

The command is run as the README writes it, in a copy of the project whose
``.venv/bin/python`` records what it is asked to do instead of doing it, so
the test sees the very ``pip install`` a fresh machine would run.  The set
that install brings is then resolved from the project's ``pyproject.toml``
and the installed packages' own requirements (every package a fresh
``pip install`` of that target would pull in, offline).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

#: what only the tests and a cluster need
NOT_FOR_AN_AUDIT = {"pytest", "pytest-benchmark", "hypothesis", "playwright", "pytest-timeout", "suffix-trees",
                    "ruff", "mypy", "dask", "distributed"}


def _first_quickstart_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the Quickstart has no sh block"
    first = next(line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#"))
    return first.split("#", 1)[0].strip()


def _pip_installs(command: str, tmp_path: Path) -> list[list[str]]:
    """The ``pip install`` argument lists ``command`` runs, from a copy of the project's scripts."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "scripts", project / "scripts")
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    (project / "seeds").mkdir()
    log = tmp_path / "calls.log"
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "provenance"):
        fake = bin_dir / tool
        fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" >> "{log}"\n', encoding="utf-8")
        fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    subprocess.run(["bash", "-c", command], cwd=project, env=env, check=True, capture_output=True, timeout=60)
    calls = log.read_text(encoding="utf-8").splitlines()
    installs = [c.split()[1:] for c in calls if c.startswith("python -m pip install")]
    return [[a for a in args[3:] if not a.startswith("-")] for args in installs]


def _closure(project_requires: list[str], extras: set[str]) -> set[str]:
    """Every distribution name installing the project with ``extras`` brings in."""
    todo = [(r, extras) for r in project_requires]
    seen: set[str] = set()
    while todo:
        text, active = todo.pop()
        req = Requirement(text)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (active or {""})):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(req.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (a platform's optional dependency): nothing more to follow
        todo.extend((r, set(req.extras)) for r in requires)
    return seen


def _project_requires() -> tuple[list[str], dict[str, list[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["dependencies"], project.get("optional-dependencies", {})


def test_the_first_quickstart_command_installs_no_test_or_dask_package(tmp_path: Path) -> None:
    command = _first_quickstart_command()
    assert command == "bash scripts/audit-seeds.sh"  # what a new user runs first
    installs = _pip_installs(command, tmp_path)
    targets = [t for args in installs for t in args if t != "pip"]
    assert targets == ["."], installs  # the project alone, no [extras]
    dependencies, optional = _project_requires()
    installed = _closure(dependencies, set())
    assert installed & NOT_FOR_AN_AUDIT == set(), sorted(installed & NOT_FOR_AN_AUDIT)
    # the check can fail: the test extras do bring them
    with_tests = _closure(dependencies + [r for e in ("test", "dask") for r in optional[e]], set())
    assert {"pytest", "playwright", "dask", "suffix-trees"} <= with_tests
    # and the audit's own libraries are there
    assert {"numpy", "nltk", "trafilatura", "pypdf", "python-docx", "click"} <= installed


def test_the_test_command_installs_the_test_and_dask_extras(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    calls = _pip_installs("bash scripts/setup.sh test", tmp_path)
    assert [t for args in calls for t in args if t != "pip"] == [".[test,dask]"]


def test_building_the_package_prints_no_setuptools_warning(tmp_path: Path) -> None:
    """The package builds (as pip installs it, in an isolated build
    environment with the setuptools pyproject asks for) without one warning:
    the license is an SPDX expression (setuptools >= 77), not the deprecated
    table that printed 145 lines of warnings on every install.  Built from a
    copy of the sources, so the working tree gets no build folder.  With the
    old ``license = {text = "MIT"}`` and a license classifier the same build
    printed 135 lines here, 9 of them BuildBackendWarnings."""
    import sys

    import pytest

    src = tmp_path / "src"
    shutil.copytree(ROOT / "provenance", src / "provenance", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "wheel"),
                           str(src)], capture_output=True, text=True, timeout=600, check=False)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0 and "setuptools" in log and ("No matching distribution" in log or "Could not" in log):
        pytest.skip(f"no package index to fetch the build's setuptools from: {log[-300:]}")
    assert proc.returncode == 0, log[-3000:]
    warnings = [line for line in log.splitlines() if re.search(r"warning|deprecat", line, re.IGNORECASE)
                and "[notice]" not in line]
    assert warnings == [], warnings[:20]
    assert list((tmp_path / "wheel").glob("provenance-*.whl"))
