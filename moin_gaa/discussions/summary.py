"""Auswertung of a discussion area: who took part, how much, when, on what, from where.

Plain numbers from the threads and posts a reader may read (so a hidden post only counts for
the moderation).  Participants' municipalities and Länder are known where a participant is
named as an editor (``redakteure``) of a municipality profile.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from moin_gaa.core.german_dates import day_month
from moin_gaa.core.records import Record

BERLIN = ZoneInfo("Europe/Berlin")
DAYS_SHOWN_DAILY = 90  # a longer span is shown per week


@dataclass(frozen=True)
class DiscussionStats:
    threads: int
    posts: int  # openings and answers
    replies: int  # answers to an answer (nested)
    participants: tuple[str, ...]
    activity: tuple[tuple[str, int], ...]  # („26.11.“, posts) per day – or per week („KW 48/2026“)
    per_week: bool
    top_threads: tuple[tuple[str, str, int], ...]  # (item name, title, posts incl. opening)
    laender: tuple[tuple[str, int], ...]  # (Land key, participants)
    kommunen: tuple[tuple[str, int], ...]  # (municipality, participants)


def local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(BERLIN).date()


def _activity(days: Iterable[date]) -> tuple[tuple[tuple[str, int], ...], bool]:
    counts = Counter(days)
    if not counts:
        return (), False
    first, last = min(counts), max(counts)
    if (last - first).days < DAYS_SHOWN_DAILY:
        span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return tuple((day_month(d), counts.get(d, 0)) for d in span), False
    weeks: Counter = Counter()
    for day, n in counts.items():
        year, week, _ = day.isocalendar()
        weeks[(year, week)] += n
    start = first - timedelta(days=first.weekday())
    labels = []
    monday = start
    while monday <= last:
        year, week, _ = monday.isocalendar()
        labels.append((f"KW {week}/{year}", weeks.get((year, week), 0)))
        monday += timedelta(days=7)
    return tuple(labels), True


def discussion_stats(
    threads: list[Record], posts: list[Record], affiliations: Mapping[str, tuple[str, str]], top: int = 5
) -> DiscussionStats:
    """``affiliations`` maps a user name to (municipality, Land key) where known."""
    authors = [str(t.fields.get("autor", "")) for t in threads] + [str(p.fields.get("autor", "")) for p in posts]
    participants = tuple(sorted({a for a in authors if a}))
    per_thread = Counter(p.name.rsplit("/", 1)[0] for p in posts)
    top_threads = sorted(((t.name, t.title, per_thread.get(t.name, 0) + 1) for t in threads), key=lambda x: (-x[2], x[1]))[:top]
    days = [local_day(str(r.fields["erstellt"])) for r in [*threads, *posts] if r.fields.get("erstellt")]
    activity, per_week = _activity(days)
    known = [affiliations[p] for p in participants if p in affiliations]
    return DiscussionStats(
        threads=len(threads),
        posts=len(threads) + len(posts),
        replies=sum(1 for p in posts if p.fields.get("antwort_auf")),
        participants=participants,
        activity=activity,
        per_week=per_week,
        top_threads=tuple(top_threads),
        laender=tuple(sorted(Counter(land for _k, land in known if land).items(), key=lambda x: (-x[1], x[0]))),
        kommunen=tuple(sorted(Counter(k for k, _land in known if k).items(), key=lambda x: (-x[1], x[0]))),
    )


def affiliations_from_profiles(profiles: Iterable[Record]) -> dict[str, tuple[str, str]]:
    """user name → (municipality, Land key) from the editors named on municipality profiles."""
    found: dict[str, tuple[str, str]] = {}
    for profile in profiles:
        for editor in profile.fields.get("redakteure") or ():
            found.setdefault(str(editor), (profile.title, str(profile.fields.get("land") or "")))
    return found
