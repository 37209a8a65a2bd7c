"""Item statistics for each question slot, across every version: classical test theory.

- difficulty: the mean share of the points earned (the p-value: 1 = everyone right, 0 = nobody);
- discrimination: the corrected item-total correlation, Pearson's r between the item's credit and the
  rest of the score (the point-biserial when credit is 0 or 1), None when it is undefined;
- upper_lower: mean credit of the top 27% of students minus that of the bottom 27% (by total score).
"""
from __future__ import annotations

import math
from collections import Counter

from .grading import written

TOP_ANSWERS = 5
EXTREME_GROUP = 0.27


def item_statistics(run) -> list[dict]:
    totals = [s.score for s in run.students]
    stats = []
    for index, qid in enumerate(run.question_ids):
        items = [s.items[index] for s in run.students]
        credits = [i.marking.credit for i in items]
        rest = [total - i.score for total, i in zip(totals, items)]
        statuses = Counter(i.marking.status for i in items)
        wrong = Counter(written(i.question, i.marking.value) for i in items
                        if i.marking.status in ("wrong", "partial"))
        mistakes = Counter(code for i in items for code in i.marking.mistakes)
        first = run.key["versions"][0]["questions"][index]
        stats.append({
            "question": qid,
            "number": index + 1,
            "type": first["type"],
            "points": first["points"],
            "count": len(items),
            **{status: statuses.get(status, 0) for status in ("correct", "partial", "wrong", "blank", "malformed")},
            "mean_score": _round(_mean([i.score for i in items])),
            "difficulty": _round(_mean(credits)),
            "discrimination": _round(correlation(credits, rest)),
            "upper_lower": _round(upper_lower(credits, totals)),
            "frequent_wrong_answers": [{"answer": a, "count": c} for a, c in wrong.most_common(TOP_ANSWERS)],
            "mistakes": [{"code": m, "count": c} for m, c in mistakes.most_common()],
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


def upper_lower(credits: list[float], totals: list[float]) -> float | None:
    """Upper-lower index on the 27% extreme groups; None with fewer than 4 students."""
    n = len(credits)
    if n < 4:
        return None
    size = max(1, round(EXTREME_GROUP * n))
    order = sorted(range(n), key=lambda i: totals[i])
    lower, upper = order[:size], order[-size:]
    return sum(credits[i] for i in upper) / size - sum(credits[i] for i in lower) / size
