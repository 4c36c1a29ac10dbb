// What a port operator opens first: shipments in flight by state and port, declarations waiting per customs,
// open IoT alerts, financing volume, and the last two weeks' milestones.
import { get } from "../api";
import { ChartView, PALETTE } from "../components/Chart";
import { Loading, PageTitle, Problem, useData, useSession } from "../components/ui";
import { amount, day, label } from "../format";
import type { Overview as Data } from "../types";

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
    </div>
  );
}
