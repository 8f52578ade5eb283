"""A persistent, incremental archive, and ``check`` of new texts against it.

    import provenance
    archive = provenance.Archive("newsroom.archive")
    archive.add("articles/2026-12-01")          # anything `provenance audit` reads
    result = archive.check("incoming/story.html")
    for m in result.matches:
        print(m.archived.id, m.covered_checked, m.direction, m.confidence)

``store`` owns the files (SQLite catalogue, immutable segments of
fingerprint postings, atomic commits, tiered merges); ``check`` runs the
audit's engine on a checked text and the archived documents it shares runs
with.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.model import Document, Skipped
from provenance.settings import Settings

if TYPE_CHECKING:  # numpy behind them: loaded on first use, so the command line's --help stays light
    from provenance.archive.check import CheckMatch, CheckResult
    from provenance.archive.store import AddResult, ArchiveError

__all__ = ["AddResult", "Archive", "ArchiveError", "CheckMatch", "CheckResult"]


def __getattr__(name: str) -> Any:
    if name in ("CheckMatch", "CheckResult"):
        from provenance.archive import check

        return getattr(check, name)
    if name in ("AddResult", "ArchiveError"):
        from provenance.archive import store

        return getattr(store, name)
    raise AttributeError(f"module 'provenance.archive' has no attribute {name!r}")


def _read(paths: Iterable[str | Path], options: Any) -> tuple[list[Document], list[Skipped]]:
    """Documents and skipped inputs of each path, as ``provenance audit PATH`` reads it."""
    from provenance import sources

    docs: list[Document] = []
    skipped: list[Skipped] = []
    for p in paths:
        loaded = sources.load(Path(p), options)
        docs.extend(loaded.documents)
        skipped.extend(loaded.skipped)
    return docs, skipped


class Archive:
    """An archive folder (created by the first ``add``).

    ``settings`` apply when the archive is created (``min_len=None``, the
    default, chooses it from the first documents added, as an audit does);
    afterwards they are the archive's and cannot change."""

    def __init__(self, path: str | Path, settings: Settings | None = None) -> None:
        from provenance.archive.store import Store

        self.path = Path(path)
        self.store = Store(self.path)
        self._settings = settings

    def add(self, *paths: str | Path, documents: Iterable[Document] = (), options: Any = None,
            progress: Any = None) -> AddResult:
        """Archive what ``paths`` hold (folders or collection files, read as an
        audit reads them; ``options``: a ``sources.Options``) and ``documents``,
        in one commit."""
        from provenance import sources

        docs, skipped = _read(paths, options or sources.Options())
        docs.extend(documents)
        kwargs = {"progress": progress} if progress is not None else {}
        return self.store.add(docs, skipped, self._settings, **kwargs)

    def remove(self, *ids: str) -> tuple[list[str], list[str]]:
        """Remove documents by id; returns (removed, not archived)."""
        return self.store.remove(ids)

    def check(self, *paths: str | Path, documents: Iterable[Document] = (), max_df: int | None = None,
              options: Any = None) -> CheckResult:
        """Check what ``paths`` hold and ``documents`` against one committed
        state of the archive.  ``max_df``: boilerplate above this many
        documents (default: the archive's)."""
        from provenance import sources
        from provenance.archive.check import check

        docs, skipped = _read(paths, options or sources.Options())
        docs.extend(documents)
        if max_df is not None:
            Settings(max_df=max_df)  # validated as an audit's
        with self.store.snapshot() as snap:
            return check(snap, docs, max_df=max_df, skipped=skipped)

    def info(self) -> dict[str, Any]:
        """Counts, sizes and settings."""
        from provenance.archive.store import info

        return info(self.store)

    def verify(self) -> tuple[list[str], list[str]]:
        """Integrity problems (none in a sound archive) and notes."""
        from provenance.archive.store import verify

        return verify(self.store)

    @property
    def settings(self) -> Settings:
        with self.store.snapshot() as snap:
            return snap.settings
