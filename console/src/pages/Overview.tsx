// What a port operator opens first: shipments in flight by state and port, declarations waiting per customs,
// open IoT alerts, financing volume, and the last two weeks' milestones; for customs, auditors and port
// authorities, the KPIs of the chain's record (lead times, time per stage, holds per 100 declarations).
import { get } from "../api";
import { ChartView, PALETTE } from "../components/Chart";
import { hasRole, Loading, oversight, PageTitle, Problem, useData, useSession } from "../components/ui";
import { amount, day, duration, label } from "../format";
import type { Overview as Data, Kpis as KpiData } from "../types";

const STATES = ["REGISTERED", "GATED_IN", "LOADED", "DEPARTED", "ARRIVED", "DISCHARGED"];

function Figure({ value, caption, href }: { value: string | number; caption: string; href?: string }) {
  const body = (
    <>
      <span class="figure-value">{value}</span>
      <span class="figure-caption">{caption}</span>
    </>
  );
  return <div class="figure">{href ? <a href={href}>{body}</a> : body}</div>;
}

const hours = (seconds: number | null) => (seconds === null ? 0 : Math.round((seconds / 3600) * 10) / 10);
const per100 = (value: number | null) => (value === null ? "—" : value.toFixed(1));

/** The KPIs of the whole record (``GET /v1/kpis``), measured from the chain's block times. */
function Performance() {
  const { data, error, loading } = useData(() => get<KpiData>("/v1/kpis"), []);
  if (error) return <Problem error={error} title="The KPIs could not be computed" />;
  if (loading && !data) return <Loading what="Measuring" />;
  const k = data as KpiData;
  const lead = k.customs.clearanceLeadTime;
  return (
    <section aria-labelledby="kpis" class="kpis">
      <h2 id="kpis">Performance, from the chain's record</h2>
      <p class="muted">
        {k.start ? `${day(k.start)} – ${day(k.end)}` : "Everything indexed"}: times are block times; the median (p50) and the 90th percentile (p90).
      </p>
      <div class="figures">
        <Figure value={`${duration(lead.p50)} / ${duration(lead.p90)}`} caption={`clearance lead time p50 / p90 (${lead.count} cleared)`} />
        <Figure value={`${duration(k.endToEnd.p50)} / ${duration(k.endToEnd.p90)}`} caption={`end to end p50 / p90 (${k.endToEnd.count} journeys)`} />
        <Figure value={`${per100(k.customs.holdsPer100)} · ${per100(k.customs.inspectionsPer100)} · ${per100(k.customs.rejectionsPer100)}`} caption="holds · inspections · rejections per 100 declarations" />
        <Figure value={k.volume.teuGatedOut} caption={`TEU moved (${k.volume.containersGatedOut} containers × ${k.volume.teuPerContainer}, assumed)`} />
      </div>
      <ChartView
        title="Time per stage, hours (p50 and p90)"
        height={220}
        config={{
          type: "bar",
          data: {
            labels: k.stages.map((s) => `${label(s.start)} → ${label(s.end)}`),
            datasets: [
              { label: "p50", backgroundColor: PALETTE[0], data: k.stages.map((s) => hours(s.seconds.p50)) },
              { label: "p90", backgroundColor: PALETTE[1], data: k.stages.map((s) => hours(s.seconds.p90)) },
            ],
          },
          options: { scales: { y: { beginAtZero: true, title: { display: true, text: "hours" } } } },
        }}
        table={{
          columns: ["Stage", "Journeys", "p50", "p90"],
          rows: k.stages.map((s) => [`${label(s.start)} → ${label(s.end)}`, s.seconds.count, duration(s.seconds.p50), duration(s.seconds.p90)]),
        }}
      />
    </section>
  );
}

export function Overview() {
  const session = useSession();
  const { data, error, loading } = useData(() => get<Data>("/v1/overview"), []);
  if (error) return <Problem error={error} />;
  if (loading && !data) return <Loading what="Counting" />;
  const o = data as Data;
  const ports = [...new Set(o.shipments.map((s) => s.port))].sort();
  const waiting = o.declarationsWaiting.reduce((n, w) => n + w.waiting, 0);
  const funded = o.financings.reduce((n, f) => n + BigInt(f.funded), 0n);
  const products = [...new Set(o.financings.map((f) => f.product))].sort();
  const financingStates = [...new Set(o.financings.map((f) => f.state))];
  return (
    <div>
      <PageTitle
        sub={
          o.scope === "all"
            ? `Every shipment of the consortium, from the index at block ${o.checkpointBlock ?? "—"}.`
            : `The shipments ${session.name} is a party of, from the index at block ${o.checkpointBlock ?? "—"}.`
        }
      >
        Overview
      </PageTitle>
      <div class="figures">
        <Figure value={o.inFlight} caption="shipments in flight" href="/shipments" />
        <Figure value={waiting} caption="declarations waiting for customs" href={session.roles.some((r) => r.role === "CUSTOMS") ? "/inbox" : undefined} />
        <Figure value={o.openAlerts} caption="open IoT alerts" href="/alerts" />
        <Figure value={amount(funded.toString())} caption="financing funded (HKD)" href="/financings" />
      </div>
      <div class="grid-2">
        <ChartView
          title="Shipments in flight by state and origin port"
          config={{
            type: "bar",
            data: {
              labels: STATES.map(label),
              datasets: ports.map((port, i) => ({
                label: port,
                backgroundColor: PALETTE[i % PALETTE.length],
                data: STATES.map((s) => o.shipments.find((x) => x.state === s && x.port === port)?.count ?? 0),
              })),
            },
            options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
          }}
          table={{
            columns: ["State", ...ports],
            rows: STATES.map((s) => [label(s), ...ports.map((p) => o.shipments.find((x) => x.state === s && x.port === p)?.count ?? 0)]),
          }}
        />
        <ChartView
          title="Declarations waiting per customs"
          config={{
            type: "bar",
            data: {
              labels: o.declarationsWaiting.map((w) => w.port),
              datasets: [
                { label: "waiting for a decision", backgroundColor: PALETTE[0], data: o.declarationsWaiting.map((w) => w.waiting - w.inspections) },
                { label: "inspection requested", backgroundColor: PALETTE[1], data: o.declarationsWaiting.map((w) => w.inspections) },
              ],
            },
            options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } },
          }}
          table={{
            columns: ["Customs of", "Waiting", "Of them, inspection requested"],
            rows: o.declarationsWaiting.map((w) => [w.port, w.waiting, w.inspections]),
          }}
        />
        <ChartView
          title="Open IoT alerts by device kind"
          config={{
            type: "doughnut",
            data: {
              labels: o.alertsByKind.length ? o.alertsByKind.map((a) => label(a.kind)) : ["none open"],
              datasets: [
                {
                  data: o.alertsByKind.length ? o.alertsByKind.map((a) => a.count) : [1],
                  backgroundColor: o.alertsByKind.length ? PALETTE.slice(3) : ["#e3e7ec"],
                },
              ],
            },
            options: { plugins: { legend: { position: "right" } } },
          }}
          table={{ columns: ["Kind", "Open alerts"], rows: o.alertsByKind.map((a) => [label(a.kind), a.count]) }}
        />
        <ChartView
          title="Financing volume by state (HKD funded, offered where not funded)"
          config={{
            type: "bar",
            data: {
              labels: financingStates.map(label),
              datasets: products.map((product, i) => ({
                label: label(product),
                backgroundColor: PALETTE[(i + 2) % PALETTE.length],
                data: financingStates.map((s) => {
                  const f = o.financings.find((x) => x.state === s && x.product === product);
                  return f ? Number(BigInt(f.funded !== "0" ? f.funded : f.amount)) / 100 : 0;
                }),
              })),
            },
            options: { scales: { y: { beginAtZero: true } } },
          }}
          table={{
            columns: ["Product", "State", "Financings", "Offered (HKD)", "Funded (HKD)"],
            rows: o.financings.map((f) => [label(f.product), label(f.state), f.count, amount(f.amount), amount(f.funded)]),
          }}
        />
      </div>
      <ChartView
        title="Milestones recorded per day (UTC), last two weeks"
        height={200}
        config={{
          type: "line",
          data: {
            labels: o.milestonesByDay.map((d) => day(d.day)),
            datasets: [{ label: "milestones", data: o.milestonesByDay.map((d) => d.count), borderColor: PALETTE[0], backgroundColor: "rgba(29,95,168,0.12)", fill: true, tension: 0.25 }],
          },
          options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        }}
        table={{ columns: ["Day", "Milestones"], rows: o.milestonesByDay.map((d) => [day(d.day), d.count]) }}
      />
      {(oversight(session) || hasRole(session, "PORT_AUTHORITY")) && <Performance />}
    </div>
  );
}
