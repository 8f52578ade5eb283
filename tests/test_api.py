"""The Python API as the README shows it: the example runs, and it gives what the command line gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import provenance
from provenance.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


def test_readme_example_runs_and_matches_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").symlink_to(seeds_dir)
    exec(compile(_example(), "README.md", "exec"), {})  # noqa: S102 - the README's own example
    printed = capsys.readouterr().out
    assert " -> " in printed
    assert main(["audit", "seeds", "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    for name in ("audit.json", "report.html"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_audit_path_takes_settings_and_reading_options(seeds_dir: Path) -> None:
    everything = provenance.audit_path(seeds_dir)
    assert everything.settings["min_len"] == 8 and everything.settings["min_len_chosen"]
    only_two = provenance.audit_path(seeds_dir, include=["000*", "001*"], max_gap=5, align=False)
    assert [d.id[:3] for d in only_two.documents] == ["000", "001"]
    assert only_two.settings["max_gap"] == 5 and not only_two.settings["align"]
    with pytest.raises(ValueError, match="max_gapp"):
        provenance.audit_path(seeds_dir, max_gapp=5)


def test_a_document_needs_no_hash() -> None:
    a = provenance.Document(id="a", path="a.txt", title="A", text="one two three")
    assert a.sha256 == provenance.Document(id="b", path="b.txt", title="B", text="one two three").sha256
    assert len(a.sha256) == 64
