"""provenance: find the passages articles share and decide who copied whom."""

from provenance.api import audit_path, outputs, write
from provenance.archive import Archive
from provenance.audit import audit
from provenance.model import AuditResult, Document, PairEvidence, Passage, Skipped
from provenance.settings import Settings

__version__ = "0.1.0"

__all__ = ["Archive", "AuditResult", "Document", "PairEvidence", "Passage", "Settings", "Skipped", "__version__", "audit",
           "audit_path", "outputs", "write"]
