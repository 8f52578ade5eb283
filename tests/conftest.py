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


def matched(name: str, limit: int = 300) -> tuple[list, list, list]:  # type: ignore[type-arg]
    """The first ``limit`` documents (by id) of corpus ``name`` (news-2018: its
    CSV), their token streams and the pairs an audit with the defaults finds
    among them (aligned passages included)."""
    from provenance import sources
    from provenance.audit import chosen, match_stage, tokenize_stage
    from provenance.settings import Settings

    root = corpus_dir(name)
    loaded = sources.load(root / "helsinki_articles.csv" if name == "news-2018" else root)
    docs = sorted(loaded.documents, key=lambda d: d.id)[:limit]
    settings = Settings()
    streams = tokenize_stage(docs, settings)
    pairs, _ = match_stage(docs, streams, chosen(docs, streams, settings))
    return docs, streams, pairs


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS
