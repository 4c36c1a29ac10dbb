"""KPIs of a period, computed from the event log alone (the index's ``events`` table) and transaction receipts.

Every figure follows from the contracts' events and their block times, so anyone holding the chain can recompute it
(docs/kpis.md defines each one; ``tests/api/test_kpis.py`` recomputes them from the node's logs):

- a **period** is ``[start, end)`` in block time (unix seconds); only events before ``end`` are read, so the figures
  of a past period never change;
- a **duration** counts in the period in which it ends (a clearance lead time in the period of the clearance);
- a **count** is of the events in the period;
- **percentiles** are linear interpolation between order statistics (Hyndman and Fan type 7, the default of NumPy,
  R, Excel's PERCENTILE.INC and Python's ``statistics.quantiles(method="inclusive")``);
- with a **port**, only shipments from or to that port (and their declarations, alerts and financings) count.

Gas used is not in the event log: it comes from the receipts of the transactions that emitted a journey's events,
read from the node the first time and kept in ``transaction_receipts`` keyed by transaction and block hash (a
receipt from a block the index no longer holds is read again).
"""

from __future__ import annotations

from portlink.services.kpis.compute import compute_kpis, journeys
from portlink.services.kpis.records import (
    CONTRACTS,
    DEFAULT_TEU_PER_CONTAINER,
    STAGES,
    AlertKpis,
    CustomsKpis,
    Distribution,
    FinancingKpis,
    GasKpis,
    JourneyRecord,
    Kpis,
    LoggedEvent,
    Period,
    Receipt,
    StageTime,
    TokenAmount,
    VolumeKpis,
    percentile,
)
from portlink.services.kpis.service import KpiService

__all__ = [
    "CONTRACTS",
    "DEFAULT_TEU_PER_CONTAINER",
    "STAGES",
    "AlertKpis",
    "CustomsKpis",
    "Distribution",
    "FinancingKpis",
    "GasKpis",
    "JourneyRecord",
    "KpiService",
    "Kpis",
    "LoggedEvent",
    "Period",
    "Receipt",
    "StageTime",
    "TokenAmount",
    "VolumeKpis",
    "compute_kpis",
    "journeys",
    "percentile",
]
