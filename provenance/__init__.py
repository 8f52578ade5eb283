"""provenance: find the passages articles share and decide who copied whom."""

from provenance.audit import audit
from provenance.model import AuditResult, Document, PairEvidence, Passage, Skipped
from provenance.settings import Settings

__version__ = "0.1.0"

__all__ = ["AuditResult", "Document", "PairEvidence", "Passage", "Settings", "Skipped", "__version__", "audit"]
