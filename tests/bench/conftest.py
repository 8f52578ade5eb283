"""Benchmark sizes: small by default (the suite runs each benchmark once in CI),
the real sizes with ``PROVENANCE_BENCH_SCALE=full``."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_dir


@pytest.fixture(scope="session")
def news_corpus() -> None:
    """Skip unless the news-2018 corpus the synthetic articles come from is present."""
    corpus_dir("news-2018")
