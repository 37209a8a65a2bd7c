"""Item statistics for each question slot, across every version: classical test theory.

- difficulty: the mean share of the points earned (the p-value: 1 = everyone right, 0 = nobody);
- discrimination: the corrected item-total correlation, Pearson's r between the item's credit and the
  rest of the score (the point-biserial when credit is 0 or 1), None when it is undefined;
- upper_lower: mean credit of the top 27% of students minus that of the bottom 27% (by total score).
"""
from __future__ import annotations

import math
from array import array
from collections import Counter

TOP_ANSWERS = 5
EXTREME_GROUP = 0.27
DISTINCT_WRONG = 50_000   # distinct wrong answers counted per question; beyond, the rarest half is dropped


class ItemStats:
    """Gathers, student by student, what the statistics need: a few numbers per answer (kept in arrays:
    a million students take tens of megabytes) and counts of wrong answers and mistakes."""

    def __init__(self, slots: list[dict]):
        self.slots = slots
        self.totals = array("d")
        self.credits = [array("d") for _ in slots]     # an item's score is its credit times its points
        self.statuses = [Counter() for _ in slots]
        self.wrong = [Counter() for _ in slots]
        self.mistakes = [Counter() for _ in slots]

    def add(self, record: tuple) -> None:
        """One student: (student_id, score, max_score, statuses, credits, wrong answers, mistakes)."""
        _, total, _, statuses, credits, wrong, mistakes = record
        self.totals.append(total)
        for index in range(len(self.slots)):
            self.credits[index].append(credits[index])
            self.statuses[index][statuses[index]] += 1
            if wrong[index] is not None:
                counts = self.wrong[index]
                counts[wrong[index]] += 1
                if len(counts) > DISTINCT_WRONG:   # memory stays bounded; a frequent answer is seen again
                    self.wrong[index] = Counter(dict(counts.most_common(DISTINCT_WRONG // 2)))
            self.mistakes[index].update(mistakes[index])

    def result(self) -> list[dict]:
        totals = self.totals
        order = sorted(range(len(totals)), key=totals.__getitem__)    # by total score, for upper_lower
        stats = []
        for index, slot in enumerate(self.slots):
            credits = self.credits[index]
            scores = array("d", (item_score(credit, slot["points"]) for credit in credits))
            rest = array("d", (total - score for total, score in zip(totals, scores)))
            statuses = self.statuses[index]
            stats.append({
                "question": slot["id"],
                "number": index + 1,
                "type": slot["type"],
                "points": slot["points"],
                "count": len(credits),
                **{status: statuses.get(status, 0) for status in ("correct", "partial", "wrong", "blank", "malformed")},
                "mean_score": _round(_mean(scores)),
                "difficulty": _round(_mean(credits)),
                "discrimination": _round(correlation(credits, rest)),
                "upper_lower": _round(upper_lower(credits, order)),
                "frequent_wrong_answers": [{"answer": a, "count": c}
                                           for a, c in self.wrong[index].most_common(TOP_ANSWERS)],
                "mistakes": [{"code": m, "count": c} for m, c in self.mistakes[index].most_common()],
            })
        return stats


def _mean(values):
    return sum(values) / len(values) if values else None


def _round(value):
    return None if value is None else round(value, 4)


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None with fewer than 3 pairs or when either side does not vary."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def item_score(credit: float, points: float) -> float:
    """The points an answer earns (as the grader rounds them)."""
    return round(credit * points, 12)


def upper_lower(credits, order: list[int]) -> float | None:
    """Upper-lower index on the 27% extreme groups (``order``: the students by total score, ascending);
    None with fewer than 4 students."""
    n = len(credits)
    if n < 4:
        return None
    size = max(1, round(EXTREME_GROUP * n))
    lower, upper = order[:size], order[-size:]
    return sum(credits[i] for i in upper) / size - sum(credits[i] for i in lower) / size
