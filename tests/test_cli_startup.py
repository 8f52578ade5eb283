"""The command line starts light: ``import provenance.cli`` and ``--help`` load
none of the heavy libraries (each command imports what it runs), and the
library's ``provenance.audit`` is still the function, however the modules
were imported.  Each check runs in a child process: a fresh ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

#: what the engine, the readers and the report bring: none is needed to print help
HEAVY = ("numpy", "nltk", "numba", "scipy", "lxml", "trafilatura", "networkx", "skbio", "pydivsufsort", "dask")


def _loaded_after(code: str) -> set[str]:
    """Top-level names of the modules a child has imported after running ``code``."""
    proc = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {name.split(".")[0] for name in json.loads(proc.stdout.strip().splitlines()[-1])}


def test_importing_the_cli_loads_no_heavy_module() -> None:
    loaded = _loaded_after("import provenance.cli")
    assert not loaded & set(HEAVY), f"import provenance.cli loaded {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("argv", [["--help"], ["audit", "--help"], ["compare", "--help"], ["eval", "--help"],
                                  ["eval", "pan13", "--help"], ["--version"], ["archive", "--help"],
                                  ["archive", "add", "--help"], ["check", "--help"]])
def test_help_loads_no_heavy_module(argv: list[str]) -> None:
    code = ("import contextlib, io\nfrom provenance.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()) as out:\n    rc = main({argv!r})\n"
            f"shown = 'version' if {argv == ['--version']!r} else 'Usage:'\n"
            "assert rc == 0 and shown in out.getvalue(), (rc, out.getvalue())")
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), f"provenance {' '.join(argv)} loaded {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("first", ["import provenance", "from provenance.audit import match_stage",
                                   "import provenance.align", "import provenance.cli"])
def test_provenance_audit_is_the_function(first: str) -> None:
    """``provenance.audit`` names both a module and the function the package
    exports: the function, whichever is imported first."""
    code = (f"{first}\nimport provenance, provenance.align\nfrom provenance import audit\n"
            "assert audit is provenance.audit and callable(audit) and audit.__module__ == 'provenance.audit', audit")
    _loaded_after(code)


def test_command_line_imports_nltk_without_scipy_stats_and_scipy_still_works() -> None:
    """The command line loads nltk with scipy hidden (0.45 s of its start, see
    ``provenance._nltk``); scipy is importable afterwards, and a program that
    imports provenance as a library gets nltk as it is."""
    lean = ("import os\nos.environ['PROVENANCE_NLTK_WITHOUT_SCIPY'] = '1'\nimport sys\nimport provenance.tokenize\n"
            "assert 'nltk' in sys.modules and 'scipy.stats' not in sys.modules, sorted(sys.modules)\n"
            "import scipy.stats, skbio\nassert scipy.stats.fisher_exact([[1, 2], [3, 4]]).pvalue > 0\n"
            "from provenance.tokenize import Vocabulary\nv = Vocabulary()\nassert v.term('running') == v.term('run')")
    _loaded_after(lean)
    library = ("import os\nos.environ.pop('PROVENANCE_NLTK_WITHOUT_SCIPY', None)\nimport sys\nimport provenance.tokenize\n"
               "from nltk.metrics import association\nassert association.fisher_exact.__module__.startswith('scipy')")
    _loaded_after(library)
