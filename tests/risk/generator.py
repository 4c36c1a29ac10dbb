"""Generated declaration histories with planted patterns, for the risk engine's tests and its evaluation
(bench/risk.py, docs/risk.md). Nothing here is real trade data.

Clean traffic: shippers and consignees trading on the Greater Bay Area's routes, HS headings with their own value
per kg (log-normal), gate-in weights within a percent or two, seals intact; customs finds something in
:data:`BACKGROUND` of them at random (what no feature can see). Planted on top:

- **under-valuation**: :data:`UNDERVALUED` of declarations declare 8-35 % of the goods' value; an inspection
  finds it most of the time;
- **drifting weights**: a few shippers whose containers weigh more at gate-in than declared, more so with every
  journey; beyond a few percent customs finds undeclared goods;
- **a corridor of seal breaches**: on one route seals at gate-in differ from those declared on a quarter of the
  journeys, and a broken seal often hides something;
- **repeat offenders**: a few shippers whose declarations are held far more often than others';
- **IoT alerts** on some journeys, each raising the chance of a finding.

The same seed gives the same declarations.
"""

from __future__ import annotations

import math

import numpy as np
from portlink.domain.risk import DeclarationFacts

PORTS = ("CNSHK", "CNSZX", "HKHKG", "MOMFM", "CNNSA", "CNZUH", "CNSDE", "CNDGG")
SEAL_CORRIDOR = ("CNSDE", "MOMFM")
CURRENCIES = ("HKD", "CNY", "USD")
#: log of a currency's units per HKD (values are declared in the currency's minor units).
CURRENCY_RATE = {"HKD": 0.0, "CNY": math.log(0.92), "USD": math.log(1 / 7.8)}
BACKGROUND = 0.02
UNDERVALUED = 0.03
SEED = 21
#: The planted patterns, as :func:`generate_with_patterns` names them.
PATTERNS = ("undervalued", "drifting", "seal_corridor", "offender", "iot")


def generate(n: int, *, seed: int = SEED, shippers: int = 600, consignees: int = 500) -> list[DeclarationFacts]:
    """``n`` decided declarations, filed one per time step, each decided 5-300 steps after filing."""
    return generate_with_patterns(n, seed=seed, shippers=shippers, consignees=consignees)[0]


def generate_with_patterns(
    n: int, *, seed: int = SEED, shippers: int = 600, consignees: int = 500
) -> tuple[list[DeclarationFacts], list[frozenset[str]]]:
    """:func:`generate`, with the planted patterns each declaration carries (``undervalued``, ``drifting``,
    ``seal_corridor``, ``offender``, ``iot``; none for clean traffic)."""
    rng = np.random.default_rng(seed)
    headings = [f"{h:04d}" for h in rng.choice(np.arange(100, 9700), size=40, replace=False)]
    heading_value = {h: rng.uniform(3.0, 8.0) for h in headings}  # log of minor units per kg
    activity = rng.lognormal(0.0, 1.0, size=shippers)
    active = np.argsort(-activity)[: shippers // 2]  # patterns are planted on shippers that trade often enough
    offenders = set(rng.choice(active, size=max(1, shippers // 30), replace=False).tolist())
    drifters = set(rng.choice(active, size=max(1, shippers // 60), replace=False).tolist()) - offenders
    journeys: dict[int, int] = {}
    routes = [(a, b) for a in PORTS for b in PORTS if a != b]
    route_weights = np.array([6.0 if r == SEAL_CORRIDOR else 1.0 for r in routes])
    route_weights /= route_weights.sum()

    shipper_of = rng.choice(shippers, size=n, p=activity / activity.sum())
    consignee_of = rng.integers(0, consignees, size=n)
    route_of = rng.choice(len(routes), size=n, p=route_weights)
    heading_of = rng.integers(0, len(headings), size=n)
    currency_of = rng.integers(0, len(CURRENCIES), size=n)
    kg_of = rng.integers(2_000, 28_000, size=n)
    noise = rng.normal(0.0, 0.35, size=n)
    background = rng.random(n) < BACKGROUND
    undervalued = rng.random(n) < UNDERVALUED
    under_share = rng.uniform(0.08, 0.35, size=n)
    u = rng.random((n, 6))
    delays = rng.integers(5, 300, size=n)

    facts = []
    planted: list[frozenset[str]] = []
    for i in range(n):
        shipper, route = int(shipper_of[i]), routes[int(route_of[i])]
        heading = headings[int(heading_of[i])]
        currency = CURRENCIES[int(currency_of[i])]
        kg = int(kg_of[i])
        log_value = heading_value[heading] + noise[i] + CURRENCY_RATE[currency]
        value = math.exp(log_value) * kg * (float(under_share[i]) if undervalued[i] else 1.0)
        finding = bool(background[i])
        if undervalued[i]:
            finding |= u[i, 0] < 0.75
        deviation = abs(float(rng.normal(0.0, 0.006)))
        if shipper in drifters:
            journeys[shipper] = journeys.get(shipper, 0) + 1
            deviation += min(0.4, 0.004 * journeys[shipper])
            finding |= deviation > 0.05 and u[i, 1] < 0.7
        seal = route == SEAL_CORRIDOR and u[i, 2] < 0.25
        seal |= u[i, 2] > 0.995  # the odd seal misread anywhere
        if seal:
            finding |= u[i, 3] < (0.6 if route == SEAL_CORRIDOR else 0.1)
        if shipper in offenders:
            finding |= u[i, 4] < 0.3
        alerts = int(u[i, 5] > 0.97) + int(u[i, 5] > 0.995)
        if alerts:
            finding |= u[i, 4] > 1 - 0.25 * alerts
        tags = {"undervalued"} if undervalued[i] else set()
        if shipper in drifters and deviation > 0.05:
            tags.add("drifting")
        if seal and route == SEAL_CORRIDOR:
            tags.add("seal_corridor")
        if shipper in offenders:
            tags.add("offender")
        if alerts:
            tags.add("iot")
        planted.append(frozenset(tags))
        facts.append(
            DeclarationFacts(
                declaration_id=f"0x{i:064x}",
                shipper=f"0x{shipper:040x}",
                consignee=f"0x{int(consignee_of[i]) + 1_000_000:040x}",
                origin=route[0],
                destination=route[1],
                hs_codes=(heading + "00",),
                customs_value=max(1, round(value)),
                currency=currency,
                declared_kg=kg,
                filed_at=i,
                weight_deviation=deviation,
                seal_discrepancy=seal,
                weight_discrepancy=deviation > 0.02,
                iot_alerts=alerts,
                outcome=int(finding),
                decided_at=i + int(delays[i]),
            )
        )
    return facts, planted
