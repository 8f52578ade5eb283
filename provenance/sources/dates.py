"""Publication dates as found, read into ISO 8601.

A collection's date field or a manifest may write a date in any of the
forms feeds and spreadsheets use: ``Sun, 15 Jul 2018 07:54:28 -0400``
(RSS), ``July 15, 2018``, ``15.07.2018``.  Lineage compares dates as ISO
strings, so a form it cannot compare would count for nothing without a
word.  python-dateutil reads the form; what it reads is kept only when the
text settles it:

- the day, month and year must all be written (``2018`` or ``Monday`` is
  not a date: read with two different defaults, a field the text lacks
  comes out differently);
- the day and the month (or the year) must not be interchangeable
  (``05/07/2018`` is 5 July in London and May 7 in New York: read both
  ways, the readings must agree); a four-digit year written first is
  followed by the month, as in ISO 8601;
- the digits must be 0-9: a date in other digits (``۱۳۹۹/۰۲/۲۱``) is
  likely another calendar's (that one is Solar Hijri, 10 May 2020), and
  Python would read them as Gregorian digits without a word.

A date that is not kept leaves ``published`` empty and says why in the
document's ``meta``; one that is read keeps the text as found in ``meta``.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime

from dateutil import parser

__all__ = ["is_date", "read_date"]

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\b")
_YEAR_FIRST = re.compile(r"\d{4}\D")
_DEFAULTS = (datetime(1900, 1, 1, 0, 0, 0), datetime(1901, 2, 2, 1, 1, 1))


def read_date(raw: str) -> tuple[str | None, str | None]:
    """(the date in ISO 8601, None) or (None, why it was not read)."""
    text = raw.strip()
    if any(c.isdigit() and not c.isascii() for c in text):
        return None, "not in the digits 0-9 (another calendar's date, perhaps)"
    if _ISO.fullmatch(text):
        return text, None
    readings = set()
    # a four-digit year written first is followed by the month (2018/07/15): no one writes Y/D/M
    orders = [(False, True)] if _YEAR_FIRST.match(text) else [(d, y) for d in (False, True) for y in (False, True)]
    for dayfirst, yearfirst in orders:
        got = []
        for default in _DEFAULTS:
            try:
                with warnings.catch_warnings():  # an unknown zone name ("EST") is read as no zone
                    warnings.simplefilter("ignore")
                    got.append(parser.parse(text, default=default, dayfirst=dayfirst, yearfirst=yearfirst))
            except (ValueError, OverflowError):
                lead = _ISO_DAY.match(text)  # an ISO day with words after it ("2018-07-15 (updated)")
                return (lead.group(), None) if lead else (None, "not a date")
        a, b = got
        if a.date() != b.date():
            return None, "not a whole date (day, month and year)"
        timed = (a.hour, a.minute) == (b.hour, b.minute)
        readings.add(a.isoformat() if timed else a.date().isoformat())
    if len({r[:10] for r in readings}) > 1:
        return None, "ambiguous: the day and the month (or the year) could be read either way"
    return min(readings), None


#: the words a date, a time or the label before it is written with (months and
#: weekdays in full and abbreviated, ordinal suffixes, clock and zone words,
#: the byline's leftovers "By", "Updated", "Published on")
_DATE_WORDS = frozenset(word for line in (
    "january february march april may june july august september october november december",
    "jan feb mar apr jun jul aug sep sept oct nov dec",
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun",
    "st nd rd th am pm a m p gmt utc bst cet cest est edt cst cdt mst mdt pst pdt z t",
    "by updated published posted last modified on at of the and today yesterday",
) for word in line.split())
_WORD = re.compile(r"[^\W\d_]+|\d+")


def is_date(value: str) -> bool:
    """Whether ``value`` is a date or a piece of one rather than a name: it
    reads as a date or a time as a whole (python-dateutil), or every word of
    it is a month, a weekday, a number or a byline's label ("July",
    "Updated July", "Monday", "15"); "April Ryan" and "June Carter" are
    names, since "Ryan" and "Carter" are not date words."""
    words = _WORD.findall(value.lower())
    if not words:
        return False
    if all(w.isdigit() or w in _DATE_WORDS for w in words):
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parser.parse(value)
    except (ValueError, OverflowError):
        return False
    return True
