"""The nltk names the package uses, imported in one place.

nltk's package ``__init__`` imports its collocation measures, which try
``from scipy.stats import fisher_exact``, and its transition parser, which
tries ``scipy.sparse``; both fall back to a stub when scipy is missing.
Importing scipy.stats is 0.45 s of the 0.65 s nltk takes to import on this
machine, paid by every command, and it was most of what kept a fresh
``provenance check`` over 2 s.  Provenance uses neither: only the Snowball
stemmer, the hardened regex and the Punkt sentence splitter.  So where
``PROVENANCE_NLTK_WITHOUT_SCIPY=1`` (the command line sets it for itself
and its workers) scipy, or its stats where scipy is loaded already, is
hidden while nltk loads, then un-hidden: the aligner and scikit-bio import
scipy normally later.  A program that imports provenance as a library gets
nltk as it is.
"""

from __future__ import annotations

import os
import sys

if os.environ.get("PROVENANCE_NLTK_WITHOUT_SCIPY") == "1" and "nltk" not in sys.modules:
    # scipy itself where it is not loaded yet, else its stats (numba, imported first by the
    # aligning processes, loads scipy but not its stats)
    hidden = "scipy" if "scipy" not in sys.modules else "scipy.stats" if "scipy.stats" not in sys.modules else None
    if hidden is not None:
        sys.modules[hidden] = None  # type: ignore[assignment]  # an import of it now fails, as if absent
    try:
        import nltk  # noqa: F401
    finally:
        if hidden is not None:
            del sys.modules[hidden]

from nltk import redos
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize.punkt import PunktSentenceTokenizer

__all__ = ["PunktSentenceTokenizer", "SnowballStemmer", "redos"]
