"""The Python API in two calls: ``audit_path`` reads and audits what
``provenance audit PATH`` would, and ``write`` makes its files.

    import provenance
    result = provenance.audit_path("seeds")            # the command line's defaults
    provenance.write(result, "reports/seeds")          # audit.json and report.html
    for e in result.lineage.edges:
        print(e.parent, "->", e.child, e.confidence)
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from provenance import export
from provenance.model import AuditResult
from provenance.settings import Settings, usable_cores

#: Keywords of ``audit_path`` that choose what is read (``sources.Options``);
#: every other keyword is a ``Settings`` field.
_SOURCE_OPTIONS = ("include", "exclude", "manifest", "columns", "max_bytes", "read_timeout")


def audit_path(path: str | Path, *, jobs: int | None = None, **options: Any) -> AuditResult:
    """Audit a folder (searched recursively) or one collection file, as
    ``provenance audit PATH`` does: the same defaults (``min_len`` chosen from
    the texts), the same documents and skipped inputs.  ``options`` are
    ``Settings`` fields (``max_gap=5``, ``align=False``...) and what to read
    (``include``, ``exclude``, ``manifest``, ``columns=sources.Columns(...)``,
    ``max_bytes``).  Raises ``ValueError`` naming the path or the option."""
    from provenance import sources
    from provenance.audit import audit

    fields = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(options) - fields - set(_SOURCE_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}: Settings fields and {', '.join(_SOURCE_OPTIONS)} are known")
    settings = Settings(**{"min_len": None, **{k: v for k, v in options.items() if k in fields}})
    read = {k: v for k, v in options.items() if k in _SOURCE_OPTIONS}
    for key in ("include", "exclude"):
        if key in read:
            read[key] = tuple(read[key])
    if "manifest" in read and read["manifest"] is not None:
        read["manifest"] = Path(read["manifest"])
    read.setdefault("max_bytes", settings.max_bytes)
    jobs = jobs or usable_cores()
    loaded = sources.load(Path(path), sources.Options(**read), jobs=jobs)
    return audit(loaded.documents, settings, skipped=loaded.skipped, jobs=jobs)


def _made(result: AuditResult, formats: Iterable[str], source: str | None,
          audited_at: str | None) -> dict[str, Callable[[], export.Content]]:
    """Each wanted file of an audit as a function that makes it (``audit.json``
    as text in pieces, streamed), in the order they are made."""
    from provenance import __version__

    wanted = set(formats)
    if not wanted or wanted - {"json", "html", "csv"}:
        raise ValueError(f"formats are json, html and csv, not {sorted(wanted)}")
    data = export.to_dict(result, __version__)
    out: dict[str, Callable[[], export.Content]] = {}
    if "json" in wanted:
        out["audit.json"] = lambda: export.iter_json(data)
    if "html" in wanted:
        def html() -> bytes:
            from provenance.report import render

            return render(data, source=source, audited_at=audited_at)

        out["report.html"] = html
    if "csv" in wanted:
        tables: dict[str, bytes] = {}

        def table(name: str) -> bytes:
            if not tables:
                tables.update(export.to_csv(data))
            return tables[name]

        for name in ("documents.csv", "pairs.csv", "edges.csv"):
            out[name] = functools.partial(table, name)
    return out


def outputs(result: AuditResult, formats: Iterable[str] = ("json", "html"), *, source: str | None = None,
            audited_at: str | None = None) -> dict[str, bytes]:
    """The files of an audit, by name, made in memory: ``audit.json``,
    ``report.html`` (``source``: the audited path its header names) and the
    CSV files, as ``formats`` asks (``write`` streams ``audit.json`` to disk
    instead of holding it)."""
    from provenance.audit import gc_paused

    out: dict[str, bytes] = {}
    with gc_paused():
        for name, make in _made(result, formats, source, audited_at).items():
            content = make()
            out[name] = content if isinstance(content, bytes) else "".join(content).encode("utf-8")
    return out


def write(result: AuditResult, folder: str | Path, formats: Iterable[str] = ("json", "html"), *,
          source: str | None = None, audited_at: str | None = None) -> list[Path]:
    """Write the files of an audit into ``folder``, each atomically, none
    renamed into place before all are made (``audit.json`` streamed to its
    temporary file); returns their paths.  Raises ``export.WriteError``
    naming the file that could not be written."""
    from provenance.audit import gc_paused

    with gc_paused():
        made = {Path(folder) / name: make for name, make in _made(result, formats, source, audited_at).items()}
        export.write_files(made)
    return list(made)
