from provenance.cli import entry

entry()
