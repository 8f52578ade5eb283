"""The ``--manifest`` CSV: metadata per input file (date, url, site, title, author).

A manifest row names a file by its path relative to the audited folder (or by
the document id), as the audit shows it (``safe.name``: a control character or
a byte that is not UTF-8 written as its escape); the values it gives override
what was found in the file.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from provenance.model import Document
from provenance.sources import safe

_KEY = ("file", "path", "id")
_FIELDS = {"date": "published", "published": "published", "url": "url", "site": "site",
           "publisher": "site", "title": "title", "author": "author"}


@dataclass(frozen=True)
class Manifest:
    rows: dict[str, dict[str, str]]
    source: str

    def apply(self, doc: Document) -> Document:
        row = self.rows.get(doc.path) or self.rows.get(doc.id)
        if row is None:
            return doc
        changes: dict[str, str] = {}
        meta = dict(doc.meta)
        for column, value in row.items():
            field = _FIELDS.get(column)
            if field and value.strip():
                changes[field] = safe.field(value.strip())
                # where the publication date came from is one key whatever the column's name
                meta["published_from" if field == "published" else f"{column}_from"] = "manifest"
        return dataclasses.replace(doc, meta=tuple(sorted(meta.items())), **changes)  # type: ignore[arg-type]


def load_manifest(path: Path) -> Manifest:
    """Read a manifest; ``ValueError`` naming the file and line when it is unusable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the manifest: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    key = next((k for k in _KEY if k in header), None)
    if key is None:
        raise ValueError(f"{path}: the manifest needs a 'file' (or 'path' or 'id') column, found {header}")
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        clean = {str(k).strip().lower(): (v or "") for k, v in row.items() if k is not None}
        name = clean.get(key, "").strip()
        if not name:
            raise ValueError(f"{path}: line {reader.line_num}: empty {key!r}")
        rows[name] = {k: v for k, v in clean.items() if k != key}
    return Manifest(rows=rows, source=str(path))
