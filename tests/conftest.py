"""Shared fixtures: where the seed articles and the labelled corpora are."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings as hyp_settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPORA = ROOT.parent / "shared" / "corpora"

# Deterministic property tests everywhere (CI and local): same examples every run.
hyp_settings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
hyp_settings.load_profile("default")


def corpus_dir(name: str) -> Path:
    """The labelled corpus ``name`` under ../shared/corpora, or skip the test."""
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"corpus {name!r} not found at {path} (it lives in ../shared/corpora beside the project)")
    return path


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS
