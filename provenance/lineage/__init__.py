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

The forest is a maximum spanning arborescence (networkx, Edmonds) over the
documents and a virtual root, per connected family; a document whose best
incoming edge is weak hangs off the root.  Documents that share text which
their parent in the tree does not contain point at a source missing from the
folder: a latent node, named from the attribution cues of its children.
"""

from provenance.lineage.evidence import attribution_cues, candidates, quoted_mask
from provenance.lineage.forest import infer, verbatim_pairs

__all__ = ["attribution_cues", "candidates", "infer", "quoted_mask", "verbatim_pairs"]
