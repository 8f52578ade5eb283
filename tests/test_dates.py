"""Publication dates as feeds and spreadsheets write them, read into ISO 8601
(or left out, with the reason) so that lineage can compare them."""

from __future__ import annotations

import csv
import email.utils
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lhtml

from provenance.cli import main
from provenance.sources.dates import read_date

DAYS = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2079, 12, 31))


@settings(max_examples=200)
@given(DAYS, st.sampled_from(["%B %d, %Y", "%d %B %Y", "%a, %d %b %Y", "%Y/%m/%d", "%d.%m.%Y %H:%M"]))
def test_a_written_out_date_reads_as_the_day_it_names(when: datetime, form: str) -> None:
    """Formatted by Python itself, the oracle: the same day comes back (for a
    numeric form only when the day cannot be taken for the month)."""
    text = when.strftime(form)
    iso, why = read_date(text)
    if form == "%d.%m.%Y %H:%M" and when.day <= 12 and when.day != when.month:
        assert iso is None and why is not None and "ambiguous" in why, (text, iso)
    else:
        assert why is None and iso is not None and iso[:10] == when.date().isoformat(), (text, iso, why)


@settings(max_examples=100)
@given(DAYS, st.integers(-12 * 60, 14 * 60))
def test_an_rss_date_keeps_its_time_and_zone(when: datetime, minutes: int) -> None:
    aware = when.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes)))
    iso, why = read_date(email.utils.format_datetime(aware))
    assert why is None and iso is not None and datetime.fromisoformat(iso) == aware


def test_what_does_not_settle_a_day_is_not_read() -> None:
    for text in ("2018", "July 2018", "Monday", "12:30", "soon", "05/07/2018", "18-07-15"):
        iso, why = read_date(text)
        assert iso is None and why, text
    assert read_date("2018-07-15 (updated)") == ("2018-07-15", None)  # an ISO day with words after it
    # digits other than 0-9 are likely another calendar's: this is 10 May 2020 in the Solar Hijri one
    for text in ("۱۳۹۹/۰۲/۲۱ - ۱۸:۵۹", "۲۰۲۰-۰۵-۱۰"):
        iso, why = read_date(text)
        assert iso is None and why and "0-9" in why, text


def test_dates_as_a_feed_writes_them_decide_direction(tmp_path: Path) -> None:
    """A collection dated in RSS and long form: the copy hangs below the earlier
    source by dates; a date that could be either of two days is reported,
    kept as found in meta, and not used."""
    story = (Path(__file__).parent.parent / "seeds" / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    with open(tmp_path / "feed.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "text"])
        w.writerow(["copy", "July 16, 2018", "Copied and shortened. " + story[:3000]])
        w.writerow(["src", "Sun, 15 Jul 2018 07:54:28 -0400", story])
        w.writerow(["other", "05/07/2018", "Unrelated: the harbour ferry terminal opens in September."])
    out = tmp_path / "out"
    assert main(["audit", str(tmp_path / "feed.csv"), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in data["documents"]}
    assert docs["feed#src"]["published"] == "2018-07-15T07:54:28-04:00"
    assert docs["feed#src"]["meta"]["published_as_found"] == "Sun, 15 Jul 2018 07:54:28 -0400"
    assert docs["feed#src"]["meta"]["published_from"] == "collection field date"
    assert docs["feed#other"]["published"] is None
    assert "ambiguous" in docs["feed#other"]["meta"]["published_not_read"]
    (edge,) = data["lineage"]["edges"]
    assert (edge["child"], edge["parent"]) == ("feed#copy", "feed#src")
    assert edge["evidence"]["direction"]["by"] == "dates"
    page = lhtml.fromstring((out / "report.html").read_bytes())
    (listed,) = [h.getnext() for h in page.iter("h3") if h.text_content().startswith("Dates not read")]
    assert "feed#other" in listed.text_content() and "05/07/2018" in listed.text_content()


def test_times_in_their_zones_decide_a_same_day_copy(tmp_path: Path) -> None:
    """Two versions published on one day: the moments decide, read in their
    zones.  The copy's clock reads 04:00 in New York, before the source's
    09:00 in Berlin, but it came out an hour later.  The copy holds all of the
    source and adds to it, so without the times containment would call it
    the source; a copy whose time has no zone is not compared."""
    story = (Path(__file__).parent.parent / "seeds" / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    records = [
        {"id": "copy", "date": "2018-07-15T04:00:00-04:00",
         "text": story + "\n\nAdditional reporting by our correspondent, who adds that talks continue."},
        {"id": "src", "date": "2018-07-15T09:00:00+02:00", "text": story},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(tmp_path / "a.jsonl"), "--out", str(out), "-q"]) == 0
    (edge,) = json.loads((out / "audit.json").read_text(encoding="utf-8"))["lineage"]["edges"]
    assert (edge["child"], edge["parent"], edge["evidence"]["direction"]["by"]) == ("a#copy", "a#src", "times")
    assert edge["evidence"]["direction"]["times"] == {"parent": records[1]["date"], "child": records[0]["date"]}

    records[0]["date"] = "2018-07-15T04:00:00"  # no zone: the time says nothing next to another zone's
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert main(["audit", str(tmp_path / "a.jsonl"), "--out", str(out), "-q"]) == 0
    (edge,) = json.loads((out / "audit.json").read_text(encoding="utf-8"))["lineage"]["edges"]
    assert edge["evidence"]["direction"]["by"] != "times"


def test_moments_outrank_the_days_on_two_zones_clocks(tmp_path: Path) -> None:
    """The source came out at 01:00 on the 16th in Berlin (23:00 UTC on the
    15th), the copy at 23:30 on the 15th in New York (03:30 UTC on the 16th):
    the copy's day is the earlier, though it came out later.  The moments
    decide, against the days' reading."""
    story = (Path(__file__).parent.parent / "seeds" / "001_24a45464d321b182.txt").read_text(encoding="utf-8")
    records = [
        {"id": "first", "date": "2018-07-16T01:00:00+02:00", "text": story},
        {"id": "second", "date": "2018-07-15T23:30:00-04:00", "text": "Copied and shortened. " + story[:3000]},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(tmp_path / "a.jsonl"), "--out", str(out), "-q"]) == 0
    (edge,) = json.loads((out / "audit.json").read_text(encoding="utf-8"))["lineage"]["edges"]
    assert (edge["child"], edge["parent"], edge["evidence"]["direction"]["by"]) == ("a#second", "a#first", "times")
