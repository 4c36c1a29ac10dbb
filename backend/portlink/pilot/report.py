"""The KPI report: an HTML page with charts (PNG) and the CSV behind each chart, saying which results are measured
from the chain and which rest on the scenario's assumptions.

Measured (from the event log and receipts of the period): every duration, count, rate, TEU count (containers
times the assumed 2 TEU a box), gas. Assumed (the scenario file): the traditional two-declaration process's
phases, every cost figure, and therefore the cost comparison, except that the combined process's yard days are
the measured ones.
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from portlink.pilot.scenario import ASSUMPTION, Scenario
from portlink.services.kpis import Distribution, JourneyRecord, Kpis

if TYPE_CHECKING:
    from portlink.pilot.run import PilotRun

HOUR, DAY = 3600.0, 86400.0
DASH = "\u2013"
MEASURED, ASSUMED, MIXED = "measured", "assumed", "measured x assumed"
_BLUE, _ORANGE, _GREY = "#1f5f99", "#d9822b", "#8a8a8a"
_STAGE_NAMES = {
    "REGISTERED->GATED_IN": "registered → gate-in",
    "GATED_IN->LOADED": "gate-in → loaded",
    "LOADED->DEPARTED": "loaded → departed",
    "DEPARTED->ARRIVED": "departed → arrived",
    "ARRIVED->DISCHARGED": "arrived → discharged",
    "DISCHARGED->GATED_OUT": "discharged → gate-out",
}


def parse_time(text: str, option: str) -> int:
    """Unix seconds from an ISO 8601 date or date-time (UTC when it has no zone) or a number of seconds."""
    if text.strip().isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} {text!r} is neither an ISO 8601 date/time nor unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _h(value: float | None, scale: float = HOUR, digits: int = 1) -> str:
    return DASH if value is None else f"{value / scale:.{digits}f}"


def headline(kpis: Kpis) -> str:
    """The few figures a person asks for first, one line each."""
    v, c = kpis.volume, kpis.customs
    lines = [
        f"Moved: {v.shipments_gated_out} shipments, {v.containers_gated_out} containers, {v.teu_gated_out:g} TEU "
        f"(assuming {v.teu_per_container:g} TEU a container)",
        f"End to end (registered -> gate-out): p50 {_h(kpis.end_to_end.p50, DAY, 2)} d, "
        f"p90 {_h(kpis.end_to_end.p90, DAY, 2)} d",
        f"Clearance lead time (filed -> cleared): p50 {_h(c.clearance_lead_time.p50)} h, "
        f"p90 {_h(c.clearance_lead_time.p90)} h",
        f"Per 100 declarations: {_n(c.holds_per_100)} holds, {_n(c.inspections_per_100)} inspections, "
        f"{_n(c.rejections_per_100)} rejections",
        f"IoT alerts: {kpis.alerts.raised} raised, {kpis.alerts.resolved} resolved "
        f"(p50 {_h(kpis.alerts.time_to_resolve.p50)} h)",
        f"Gas per journey: p50 {_n(kpis.gas.per_journey.p50, 0)}, total {kpis.gas.total:,}",
    ]
    return "\n".join(lines)


def _n(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:,.{digits}f}"


# ---------------------------------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Row:
    """A figure of a comparison: what, how much, measured or assumed, from where."""

    process: str
    item: str
    value: float
    basis: str
    source: str


def process_rows(kpis: Kpis, scenario: Scenario) -> list[Row]:
    """Days per phase: the traditional process from the scenario, the combined one measured (p50 per stage)."""
    rows = [
        Row(
            "traditional (two declarations)", phase.name, phase.days.value, _basis(phase.days.source), phase.days.source
        )
        for phase in scenario.traditional.phases
    ]
    for stage in kpis.stages:
        if stage.seconds.p50 is not None:
            rows.append(
                Row(
                    "combined (PortLink)",
                    _STAGE_NAMES.get(stage.stage, stage.stage),
                    stage.seconds.p50 / DAY,
                    MEASURED,
                    "chain",
                )
            )
    return rows


def cost_rows(kpis: Kpis, journeys: list[JourneyRecord], scenario: Scenario) -> list[Row]:
    """CNY per TEU by component for the journeys gated out in the period: the scenario's prices, the measured
    number of shipments, containers and (combined process) yard days."""
    done = [j for j in journeys if j.end_to_end is not None and j.state_at.get("GATED_OUT", 0) < kpis.end]
    boxes = sum(j.containers for j in done)
    if not boxes:
        return []
    shipments = len(done)
    teu = boxes * kpis.volume.teu_per_container
    costs = scenario.costs
    traditional_days = sum(p.days.value for p in scenario.traditional.phases)
    combined_days = sum((j.end_to_end or 0) * j.containers for j in done) / boxes / DAY
    per_shipment = {"declaration_fee", "transit_customs_seal", "broker_fee"}
    rows = []
    for process, label in (("traditional", "traditional (two declarations)"), ("combined", "combined (PortLink)")):
        for name, cost in costs.items():
            if cost.applies not in (process, "both"):
                continue
            declarations = 2 if process == "traditional" else 1
            if name in ("declaration_fee", "broker_fee"):
                total = cost.value * declarations * shipments
            elif name in per_shipment:
                total = cost.value * shipments
            elif name == "yard_storage":
                days = traditional_days if process == "traditional" else combined_days
                total = cost.value * boxes * days
            else:
                total = cost.value * boxes
            basis = _basis(cost.source)
            if name == "yard_storage" and process == "combined":
                basis = MIXED
            item = name.removesuffix("_traditional").removesuffix("_combined").replace("_", " ")
            rows.append(Row(label, item, total / teu, basis, cost.source))
    return rows


def _basis(source: str) -> str:
    return ASSUMED if source == ASSUMPTION else f"source: {source}"


# ---------------------------------------------------------------------------------------------------- charts


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _lines(ax: Any, d: Distribution, scale: float, unit: str) -> None:
    for q, style in ((d.p50, "-"), (d.p90, "--")):
        if q is not None:
            ax.axvline(q / scale, color=_ORANGE, linestyle=style, linewidth=1.5)
    if d.p50 is not None and d.p90 is not None:
        ax.legend([f"p50 {d.p50 / scale:.1f} {unit}", f"p90 {d.p90 / scale:.1f} {unit}"], loc="upper right")


def chart_lead_times(journeys: list[JourneyRecord], kpis: Kpis, path: Path) -> None:
    clearance = [j.clearance_lead_time / HOUR for j in journeys if j.clearance_lead_time is not None]
    total = [j.end_to_end / DAY for j in journeys if j.end_to_end is not None]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.hist(clearance or [0], bins=15, color=_BLUE, edgecolor="white")
    left.set(title="Clearance lead time (filed → cleared)", xlabel="hours", ylabel="declarations")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    _lines(left, kpis.customs.clearance_lead_time, HOUR, "h")
    right.hist(total or [0], bins=15, color=_BLUE, edgecolor="white")
    right.set(title="End to end (registered → gate-out)", xlabel="days", ylabel="journeys")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    _lines(right, kpis.end_to_end, DAY, "d")
    fig.suptitle("Lead times, measured from the chain", fontsize=12)
    _save(fig, path)


def chart_stages(kpis: Kpis, path: Path) -> None:
    stages = [s for s in kpis.stages if s.seconds.count]
    names = [_STAGE_NAMES.get(s.stage, s.stage) for s in stages][::-1]
    p50 = [(s.seconds.p50 or 0) / HOUR for s in stages][::-1]
    p90 = [(s.seconds.p90 or 0) / HOUR for s in stages][::-1]
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.barh(names, p90, color="#c9d9ea", label="p90")
    ax.barh(names, p50, color=_BLUE, label="p50")
    for y, (a, b) in enumerate(zip(p50, p90, strict=True)):
        ax.text(b, y, f"  {a:.1f} / {b:.1f} h", va="center", fontsize=9)
    ax.set(title="Time per milestone stage (p50 / p90), measured from the chain", xlabel="hours")
    ax.set_xlim(0, max(p90 or [1]) * 1.3)
    ax.legend(loc="lower right")
    _save(fig, path)


def chart_process(rows: list[Row], scenario: Scenario, kpis: Kpis, path: Path) -> None:
    processes = ["combined (PortLink)", "traditional (two declarations)"]
    shades = {
        processes[0]: ["#1f5f99", "#3d7fbf", "#6aa0d6", "#9fc2e6", "#c9d9ea", "#e3ecf5"],
        processes[1]: ["#b8641c", "#d9822b", "#e8a869", "#f2c99e", "#f7e0c8", "#fbefe2"],
    }
    fig, ax = plt.subplots(figsize=(11, 5.2))
    longest = 0.0
    for y, process in enumerate(processes):
        left = 0.0
        for i, row in enumerate(r for r in rows if r.process == process):
            color = shades[process][i % 6]
            ax.barh(
                y,
                row.value,
                left=left,
                color=color,
                edgecolor="white",
                height=0.6,
                label=f"{'combined' if y == 0 else 'traditional'}: {row.item} ({row.value:.2f} d)",
            )
            left += row.value
        basis = "measured: sum of the stage p50s" if y == 0 else "assumed: the scenario's phases"
        ax.text(left + 0.08, y, f"{left:.1f} days ({basis})", va="center", fontsize=9)
        longest = max(longest, left)
    band = scenario.traditional.total_days
    ax.axvspan(band.min, band.max, color=_GREY, alpha=0.15)
    ax.text(
        (band.min + band.max) / 2,
        1.42,
        f"{band.min:g}{DASH}{band.max:g} days before ({band.source})",
        ha="center",
        fontsize=8,
        color="#555",
    )
    target = scenario.traditional.combined_target_days.value
    ax.axvline(target, color="black", linestyle="--", linewidth=1)
    ax.text(
        target,
        1.42,
        f"{target:g} days reported ({scenario.traditional.combined_target_days.source})",
        ha="center",
        fontsize=8,
    )
    if kpis.end_to_end.p50 is not None:
        ax.plot([kpis.end_to_end.p50 / DAY], [-0.42], marker="^", color="black", markersize=8)
        ax.text(
            kpis.end_to_end.p50 / DAY,
            -0.5,
            f" measured p50 end to end {kpis.end_to_end.p50 / DAY:.2f} d",
            fontsize=8,
            va="top",
        )
    ax.set_yticks([0, 1], ["combined\n(PortLink, measured)", "traditional\n(two declarations, assumed)"])
    ax.set_ylim(-0.75, 1.6)
    ax.set_xlim(0, max(band.max, longest) * 1.45)
    ax.set(title="The traditional two-declaration process beside the combined one", xlabel="days")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=7, frameon=False)
    _save(fig, path)


def chart_costs(rows: list[Row], path: Path) -> None:
    processes = ["traditional (two declarations)", "combined (PortLink)"]
    items = list(dict.fromkeys(r.item for r in rows))
    colors = ["#1f5f99", "#3d7fbf", "#6aa0d6", "#9fc2e6", "#d9822b", "#e8a869", "#8a8a8a", "#b5b5b5"]
    fig, ax = plt.subplots(figsize=(10, 4.6))
    bottoms = [0.0, 0.0]
    for i, item in enumerate(items):
        values = [sum(r.value for r in rows if r.process == p and r.item == item) for p in processes]
        ax.bar(processes, values, bottom=bottoms, color=colors[i % len(colors)], label=item, edgecolor="white")
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in enumerate(bottoms):
        ax.text(x, total, f"CNY {total:,.0f}", ha="center", va="bottom", fontsize=10)
    if bottoms[0]:
        ax.text(
            0.5,
            max(bottoms) * 1.08,
            f"{(1 - bottoms[1] / bottoms[0]) * 100:.0f} % lower",
            ha="center",
            fontsize=11,
            color=_ORANGE,
        )
    ax.set_ylim(0, max(bottoms) * 1.2)
    ax.set(title="Cost per TEU by component (scenario prices; combined yard days measured)", ylabel="CNY per TEU")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    _save(fig, path)


# ---------------------------------------------------------------------------------------------------- files


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _stamp(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_report(
    directory: Path, kpis: Kpis, journeys: list[JourneyRecord], scenario: Scenario, *, pilot: PilotRun | None = None
) -> Path:
    """Write ``index.html``, the charts and their CSV files into ``directory``; returns the page's path."""
    directory.mkdir(parents=True, exist_ok=True)
    _csv(
        directory / "lead-times.csv",
        [
            "shipment_id",
            "origin",
            "destination",
            "containers",
            "clearance_lead_time_hours",
            "end_to_end_hours",
            "amendments",
            "inspections",
            "rejections",
            "holds",
            "alerts",
            "gas_used",
        ],
        [
            [
                j.shipment_id,
                j.origin,
                j.destination,
                j.containers,
                _h(j.clearance_lead_time, HOUR, 3) if j.clearance_lead_time is not None else "",
                _h(j.end_to_end, HOUR, 3) if j.end_to_end is not None else "",
                j.amendments,
                j.inspections,
                j.rejections,
                j.holds,
                j.alerts,
                "" if j.gas_used is None else j.gas_used,
            ]
            for j in journeys
        ],
    )
    chart_lead_times(journeys, kpis, directory / "lead-times.png")
    _csv(
        directory / "stage-times.csv",
        ["stage", "journeys", "p50_hours", "p90_hours", "mean_hours", "basis"],
        [
            [
                s.stage,
                s.seconds.count,
                _h(s.seconds.p50, HOUR, 3),
                _h(s.seconds.p90, HOUR, 3),
                _h(s.seconds.mean, HOUR, 3),
                MEASURED,
            ]
            for s in kpis.stages
        ],
    )
    chart_stages(kpis, directory / "stage-times.png")
    process = process_rows(kpis, scenario)
    _csv(
        directory / "process-comparison.csv",
        ["process", "phase", "days", "basis", "source"],
        [[r.process, r.item, f"{r.value:.3f}", r.basis, r.source] for r in process],
    )
    chart_process(process, scenario, kpis, directory / "process-comparison.png")
    costs = cost_rows(kpis, journeys, scenario)
    _csv(
        directory / "cost-per-teu.csv",
        ["process", "component", "cny_per_teu", "basis", "source"],
        [[r.process, r.item, f"{r.value:.2f}", r.basis, r.source] for r in costs],
    )
    charts = [
        ("lead-times", "Lead-time distribution", "Measured from the chain: every clearance and journey of the period."),
        ("stage-times", "Time per stage", "Measured from the chain: shipment state changes' block times."),
        (
            "process-comparison",
            "Traditional beside combined",
            "Traditional phases: the scenario's assumptions (their total within the 5 to 7 days the sources report). "
            "Combined: measured p50 of each stage.",
        ),
    ]
    if costs:
        chart_costs(costs, directory / "cost-per-teu.png")
        charts.append(
            (
                "cost-per-teu",
                "Cost per TEU by component",
                "Prices from the scenario (sourced or assumed, per row of the CSV); counts of shipments and "
                "containers and the combined process's yard days measured.",
            )
        )
    page = directory / "index.html"
    page.write_text(_html(kpis, journeys, scenario, charts, costs, pilot))
    return page


def _html(
    kpis: Kpis,
    journeys: list[JourneyRecord],
    scenario: Scenario,
    charts: list[tuple[str, str, str]],
    costs: list[Row],
    pilot: PilotRun | None,
) -> str:
    e = html.escape
    v, c, a = kpis.volume, kpis.customs, kpis.alerts

    def dist(d: Distribution, scale: float, unit: str, digits: int = 1) -> str:
        if d.count == 0:
            return "no sample"
        return f"p50 {_h(d.p50, scale, digits)} {unit}, p90 {_h(d.p90, scale, digits)} {unit} (n={d.count})"

    measured = [
        ("Shipments moved (gated out)", f"{v.shipments_gated_out} ({v.containers_gated_out} containers)", MEASURED),
        (
            "TEU moved",
            f"{v.teu_gated_out:g} TEU",
            f"{MIXED}: containers measured, {v.teu_per_container:g} TEU each assumed",
        ),
        ("End to end (registered → gate-out)", dist(kpis.end_to_end, DAY, "days"), MEASURED),
        ("Clearance lead time (filed → cleared)", dist(c.clearance_lead_time, HOUR, "h"), MEASURED),
        ("Declarations filed / cleared", f"{c.declarations_filed} / {c.declarations_cleared}", MEASURED),
        (
            "Holds, inspections, rejections per 100 declarations",
            f"{_n(c.holds_per_100)}, {_n(c.inspections_per_100)}, {_n(c.rejections_per_100)}",
            MEASURED,
        ),
        ("Amendments", str(c.amendments), MEASURED),
        ("IoT alerts raised / resolved / open at end", f"{a.raised} / {a.resolved} / {a.open_at_end}", MEASURED),
        ("Time to resolve an alert", dist(a.time_to_resolve, HOUR, "h"), MEASURED),
    ]
    for f in kpis.financing:
        volume = ", ".join(f"{int(t.amount) / 100:,.2f} HKD" for t in f.volume) or "none"
        measured.append(
            (
                f"Financing {f.product.lower()}: requested / funded / repaid, volume funded",
                f"{f.requested} / {f.funded} / {f.repaid}; {volume}",
                MEASURED,
            )
        )
        measured.append(
            (
                f"Financing {f.product.lower()}: request → funding, funding → repayment",
                f"{dist(f.requested_to_funded, HOUR, 'h')}; {dist(f.funded_to_repaid, DAY, 'days')}",
                MEASURED,
            )
        )
    measured.append(
        ("Gas per journey (receipts)", f"{dist(kpis.gas.per_journey, 1, 'gas', 0)}; total {kpis.gas.total:,}", MEASURED)
    )
    if costs:
        totals = {p: sum(r.value for r in costs if r.process == p) for p in {r.process for r in costs}}
        trad = totals.get("traditional (two declarations)", 0.0)
        comb = totals.get("combined (PortLink)", 0.0)
        measured.append(
            (
                "Cost per TEU, traditional → combined",
                f"CNY {trad:,.0f} → {comb:,.0f} ({(1 - comb / trad) * 100:.0f} % lower)" if trad else DASH,
                ASSUMED + " prices (see the CSV), measured counts and yard days",
            )
        )
    rows = "\n".join(
        f"<tr><td>{e(name)}</td><td>{e(value)}</td><td><span class='badge {'m' if basis == MEASURED else 'a'}'>"
        f"{e(basis)}</span></td></tr>"
        for name, value, basis in measured
    )
    figures = "\n".join(
        f"<figure><h3>{e(title)}</h3><img src='{name}.png' alt='{e(title)}'><figcaption>{e(caption)} "
        f"Data: <a href='{name}.csv'>{name}.csv</a>.</figcaption></figure>"
        for name, title, caption in charts
    )
    assumptions = "\n".join(f"<li><code>{e(p)}</code></li>" for p in scenario.assumptions())
    sourced = "\n".join(
        f"<li><code>{e(p)}</code>: {e(scenario.sources[s].title)}</li>"
        for p, s in scenario.figures()
        if s != ASSUMPTION
    )
    sources = "\n".join(
        f"<li id='{e(k)}'><b>{e(k)}</b>: {e(s.title)}"
        + (f", <a href='{e(s.url)}'>{e(s.url)}</a>" if s.url else "")
        + (f" ({e(s.date)})" if s.date else "")
        + f". {e(s.says)}</li>"
        for k, s in scenario.sources.items()
    )
    run = ""
    if pilot is not None:
        r = pilot.result
        run = (
            f"<p>Pilot replay: {r.journeys} journeys, {r.containers} containers, {r.writes} API writes in "
            f"{r.wall_seconds:.0f} s of wall time; blocks {r.first_block}-{r.last_block}; work folder "
            f"<code>{e(str(pilot.workdir))}</code>.</p>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PortLink KPI report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; line-height: 1.45 }}
table {{ border-collapse: collapse; width: 100% }} td, th {{ border-bottom: 1px solid #ddd; padding: .35em .5em;
text-align: left; vertical-align: top }} img {{ max-width: 100% }} figure {{ margin: 2em 0 }}
.badge {{ font-size: .8em; padding: .1em .5em; border-radius: .8em; white-space: nowrap }}
.m {{ background: #dcebf8; color: #1f5f99 }} .a {{ background: #fbe8d5; color: #8a4b0f }}
.statement {{ background: #f6f6f6; padding: .8em 1.2em; border-left: 4px solid #1f5f99 }}
</style></head><body>
<h1>PortLink KPI report</h1>
<p>Period {_stamp(kpis.start)} &ndash; {_stamp(kpis.end)} (block time){", port " + e(kpis.port) if kpis.port else ""}.
Scenario <code>{e(scenario.name)}</code> version {scenario.version} (SHA-256 {scenario.sha256[:12]}…).</p>
{run}
<div class="statement"><h2>What is measured and what is assumed</h2>
<p><b>Measured from the chain</b>: every duration, count, rate and gas figure below comes from the contracts' event
log (block times) and the transactions' receipts of this period, and can be recomputed from the chain alone
(definitions in docs/kpis.md). The number of containers is measured; <b>TEU assumes {v.teu_per_container:g} TEU per
container</b>, because the chain records ISO 6346 container numbers but no size-type code.</p>
<p><b>Resting on the scenario's assumptions</b>: the traditional two-declaration process (its phases and their
days), every price in the cost comparison, and the step times and mix that drove the pilot's replay (they shaped
the journeys that were then measured; a real chain has no such inputs). The cost per TEU multiplies the scenario's
prices by measured counts and, for the combined process, the measured yard days.</p></div>
<h2>Results</h2>
<table><tr><th>figure</th><th>value</th><th>basis</th></tr>
{rows}
</table>
<h2>Charts</h2>
{figures}
<h2>The scenario's figures</h2>
<p>Marked as assumptions ({len(scenario.assumptions())}):</p><ul>{assumptions}</ul>
<p>Taken from a source:</p><ul>{sourced}</ul>
<h2>Sources</h2><ul>{sources}</ul>
<p>{len(journeys)} journeys with events in the period; per-journey figures in
<a href="lead-times.csv">lead-times.csv</a>.</p>
</body></html>
"""
