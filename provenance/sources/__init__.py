"""Finding input files and reading them into documents.

The only stage that reads input.  Every file under the folder ends up either
as a ``Document`` or as a ``Skipped`` with a reason; nothing is lost silently
and nothing is ever written here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from provenance.model import Document, Skipped

TEXT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Loaded:
    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]


def _title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 120 else line[:117].rstrip() + "..."
    return ""


def read_text_file(path: Path, rel: str, max_bytes: int) -> Document | Skipped:
    """One plain-text file as a document, or the reason it cannot be one."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(rel, f"too large: {size} bytes (limit {max_bytes})")
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(rel, f"unreadable: {exc.strerror or exc}")
    if not data.strip():
        return Skipped(rel, "empty: no text")
    if b"\x00" in data:
        return Skipped(rel, "binary: contains NUL bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Skipped(rel, f"undecodable: not valid UTF-8 (byte {exc.start})")
    doc_id = str(Path(rel).with_suffix("")).replace(os.sep, "/")
    return Document(
        id=doc_id, path=rel, title=_title(text), text=text,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def load_folder(root: Path, max_bytes: int) -> Loaded:
    """Every ``.txt`` and ``.md`` file under ``root``, recursively, sorted by path."""
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if path.suffix.lower() not in TEXT_SUFFIXES:
            skipped.append(Skipped(rel, f"unsupported file type {path.suffix or '(none)'!r}"))
            continue
        got = read_text_file(path, rel, max_bytes)
        (docs if isinstance(got, Document) else skipped).append(got)  # type: ignore[arg-type]
    docs.sort(key=lambda d: d.id)
    return Loaded(documents=tuple(docs), skipped=tuple(skipped))
