"""Why one strategy costs more, in words: the cost categories that make up the delta.

The Summary sheet shows the categories side by side; this turns the same figures into the
sentence finance reads first ("container-density costs USD 46.21 more per month: cluster
fees +73.00; it spends less on instances, -26.79"), for the terminal and the workbook.
"""

from __future__ import annotations

from planner.pipeline import PlanningResult

CATEGORY_LABELS = {
    "instances": "Instances",
    "hardware": "Hardware (amortised)",
    "support_and_rack": "Support and rack",
    "power_and_facility": "Power and facility",
    "hypervisor_licences": "Hypervisor licences",
    "guest_os_licences": "Guest OS licences",
    "host_os_licences": "Host OS licences",
    "container_platform_licences": "Container platform licences",
    "cluster_fees": "Cluster fees",
}
# Categories named at most, on each side of the sentence.
NAMED_MORE = 3
NAMED_LESS = 2


def delta_explanation(result: PlanningResult) -> str | None:
    """Return the sentence saying where the dearer plan's extra cost comes from (None: no delta)."""
    delta = result.delta
    if delta is None or len(result.plans) != 2:
        return None
    cheaper = next(p for p in result.plans if p.strategy == delta.cheaper)
    dearer = next(p for p in result.plans if p is not cheaper)
    if delta.absolute <= 0.005:
        return f"both strategies cost the same per month ({result.catalogue.currency} {cheaper.total_cost:,.2f})"
    a, b = cheaper.cost_breakdown, dearer.cost_breakdown
    diffs = [(b.get(c, 0.0) - a.get(c, 0.0), c) for c in dict.fromkeys([*a, *b])]
    more = sorted(((d, c) for d, c in diffs if d >= 0.005), reverse=True)
    less = sorted((d, c) for d, c in diffs if d <= -0.005)

    def named(parts: list[tuple[float, str]], most: int) -> str:
        shown = [f"{_label(c)} {d:+,.2f}" for d, c in parts[:most]]
        if len(parts) > most:
            shown.append(f"{len(parts) - most} more categor{'y' if len(parts) - most == 1 else 'ies'} "
                         f"{sum(d for d, _ in parts[most:]):+,.2f}")
        return ", ".join(shown)

    text = (f"{dearer.strategy} costs {result.catalogue.currency} {delta.absolute:,.2f} more per month: "
            + named(more, NAMED_MORE))
    if less:
        text += f"; it spends less on {named(less, NAMED_LESS)}"
    return text


def _label(category: str) -> str:
    label = CATEGORY_LABELS.get(category, category.replace("_", " "))
    return label[:1].lower() + label[1:]  # "guest OS licences" keeps its capitals
