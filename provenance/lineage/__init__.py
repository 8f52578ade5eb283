"""Who copied whom: direction, confidence and evidence per related pair, and
the derivation forest.

For every pair the engine relates, two quantities are measured from the text:

* **relatedness**: how much of the would-be child is explained by the
  would-be parent: its share of tokens inside shared passages, with passages
  inside quotation marks (independent reports quote the same speaker) and stock
  phrases (found across many documents) discounted; and the share of its
  distinct word pairs (stemmed bigrams) found in the parent, which survives the
  edits of a heavy rewrite that split exact runs.
* **direction**, strongest evidence first: publication dates (a copy cannot
  precede its source); attribution (the child names the parent's outlet, "the
  BBC reported"); containment asymmetry (most of the child is in the parent,
  less of the parent in the child).

Both are measured on verbatim evidence: passages aligned across edits
(``provenance.align``) are shown in the report but set aside here, keeping
their exact runs, because independent reports of one event, and answers to one
question, also say the same things in other words.

The forest (``provenance.lineage.forest``): a family of versions of one text
gets a tree fitted to its variants (``tree``), any other family a maximum
spanning arborescence of containment (``arborescence``); sources missing from
the folder become latent nodes.  It is imported when a forest is built
(networkx, scikit-bio), so that the pair evidence alone (``provenance check``)
does not load them.
"""

from __future__ import annotations

from collections.abc import Sequence

from provenance.lineage.evidence import attribution_cues, derivation, quoted_mask, weigh
from provenance.model import Document, Lineage, PairEvidence, TokenStream
from provenance.passages import verbatim
from provenance.settings import Settings

__all__ = ["attribution_cues", "derivation", "infer", "quoted_mask", "verbatim_pairs", "weigh"]


def verbatim_pairs(docs: Sequence[Document], streams: Sequence[TokenStream],
                   pairs: Sequence[PairEvidence]) -> list[PairEvidence]:
    """Each pair's passages as the suffix array found them (aligned passages give back their exact parts)."""
    size = {d.id: len(s) for d, s in zip(docs, streams)}
    return [verbatim(p, size[p.a], size[p.b]) for p in pairs]


def infer(docs: Sequence[Document], streams: Sequence[TokenStream], pairs: Sequence[PairEvidence],
          settings: Settings, jobs: int = 1) -> Lineage:
    """The derivation forest of ``docs`` (``provenance.lineage.forest.infer``)."""
    from provenance.lineage import forest

    return forest.infer(docs, streams, pairs, settings, jobs=jobs)
