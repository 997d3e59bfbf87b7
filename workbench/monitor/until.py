"""An "as of" time for Monitor: the period ends at a fixed time from a link (``?until=2026-12-05T14:00Z``) instead
of now, so that an alert from three days ago opens on the windows where it fired.

A link can hold anything: `parse_until` refuses what is not a time, lies in the future or before 2000 with a
one-line reason, and the page then ends the period now.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from workbench.time_text import SHORT_MINUTE

from .windows import Period

UNTIL_PARAM = "until"
LINK_FORMAT = "%Y-%m-%dT%H:%MZ"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SLACK = timedelta(minutes=1)  # a link made a moment ago on a clock a little ahead is not "the future"


def parse_until(value: object, now: datetime) -> tuple[datetime | None, str]:
    """(the time, "") for a time like ``2026-12-05T14:00Z`` (no zone: UTC); (None, why) for anything else."""
    shown = " ".join(str(value).split())[:40]
    after = "Monitor shows the period up to now instead."
    try:
        at = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None, (f"The link's time '{shown}' is not a date and time like 2026-12-05T14:00Z (UTC): {after}")
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at > now + SLACK:
        return None, f"The link's time '{shown}' is in the future (it is now {now:{LINK_FORMAT}}): {after}"
    if at < EARLIEST:
        return None, f"The link's time '{shown}' is before the year 2000, before any call was logged: {after}"
    return at, ""


def link_time(at: datetime) -> str:
    """``at`` as a link writes it, rounded up to the minute so that the time itself is inside the period."""
    at = at.astimezone(UTC)
    up = at.replace(second=0, microsecond=0)
    return (up if up == at else up + timedelta(minutes=1)).strftime(LINK_FORMAT)


def period_until(period: Period, until: datetime) -> Period:
    """``period`` ending at ``until``, in the words sentences use: "in the 24 hours to 05 Dec 14:00"."""
    end = until.astimezone(UTC).strftime(SHORT_MINUTE)
    if period.length is None:
        return dataclasses.replace(period, words=f"in the whole history up to {end} (UTC)")
    span = period.words.removeprefix("in the last ")
    return dataclasses.replace(period, words=f"in the {span} to {end} (UTC)")
