// IoT alerts, arriving live over the API's server-sent event stream (and telemetry warnings the moment a reading
// breaks a rule, before the chain). Customs resolve open alerts here.
import { useEffect, useState } from "preact/hooks";
import { get, type Page } from "../api";
import { Action } from "../components/Action";
import { Badge, Hash, hasRole, Loading, PageTitle, Pager, Problem, useData, useSession } from "../components/ui";
import { label, reading, when } from "../format";
import { navigate, useLocation } from "../router";
import type { Alert } from "../types";

const LIMIT = 25;

interface Live {
  id: string;
  text: string;
  at: number;
}

function describe(kind: string, data: Record<string, unknown>): string {
  const args = (data.args ?? data) as Record<string, unknown>;
  const sid = String(args.shipmentId ?? args.declarationId ?? "");
  const on = sid ? ` on shipment ${sid.slice(0, 10)}…` : "";
  switch (kind) {
    case "AlertRaised":
      return `New IoT alert #${args.alertId}${on}`;
    case "AlertResolved":
      return `IoT alert #${args.alertId} resolved${on}`;
    case "HoldPlaced":
      return `Customs placed a hold${on}`;
    case "HoldReleased":
      return `Customs released a hold${on}`;
    case "TelemetryWarning":
      return `Telemetry warning${on}: ${String(args.rule ?? args.kind ?? "a reading broke a rule")} (not yet on chain)`;
    default:
      return kind;
  }
}

function Resolve({ alert, onDone }: { alert: Alert; onDone: () => void }) {
  const [text, setText] = useState("");
  return (
    <Action compact title={`Resolve alert #${alert.alertId}`} button="Resolve" path={`/v1/alerts/${alert.alertId}/resolution`} body={() => ({ reason: text })} onDone={onDone}>
      <label>
        Reason
        <input required maxLength={500} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      </label>
    </Action>
  );
}

export function Alerts() {
  const session = useSession();
  const { query } = useLocation();
  const state = query.get("state") ?? "OPEN";
  const offset = Number(query.get("offset") ?? 0);
  const { data, error, loading, reload } = useData(() => get<Page<Alert>>("/v1/alerts", { state: state === "ALL" ? undefined : state, limit: LIMIT, offset }), [state, offset]);
  const [live, setLive] = useState<Live[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const stream = new EventSource("/v1/alerts/stream");
    const on = (kind: string) => (event: MessageEvent) => {
      let payload: Record<string, unknown> = {};
      try {
        payload = JSON.parse(event.data);
      } catch {
        // a comment or keep-alive
      }
      setLive((items) => [{ id: event.lastEventId || `${kind}-${Date.now()}`, text: describe(kind, payload), at: Date.now() }, ...items].slice(0, 20));
      if (kind !== "TelemetryWarning") reload();
    };
    for (const kind of ["AlertRaised", "AlertResolved", "HoldPlaced", "HoldReleased", "TelemetryWarning"]) stream.addEventListener(kind, on(kind) as EventListener);
    stream.onopen = () => setConnected(true);
    stream.onerror = () => setConnected(false);
    return () => stream.close();
  }, []);
  const customs = hasRole(session, "CUSTOMS");
  return (
    <div>
      <PageTitle sub="IoT alerts hold a shipment's clearance until customs resolve them. New ones appear here as they happen.">Alerts</PageTitle>
      <p class={`live-state ${connected ? "on" : "off"}`} role="status">
        {connected ? "● Live: following the alert stream" : "○ Connecting to the alert stream…"}
      </p>
      <section aria-labelledby="live-title" class="card">
        <h2 id="live-title">Just now</h2>
        <ul class="plain live" aria-live="polite" data-testid="live-feed">
          {live.map((item) => (
            <li key={item.id}>
              <time>{new Date(item.at).toLocaleTimeString()}</time> {item.text}
            </li>
          ))}
          {live.length === 0 && <li class="muted">Nothing since you opened this page.</li>}
        </ul>
      </section>
      <nav class="tabs" aria-label="Alert state">
        {["OPEN", "RESOLVED", "ALL"].map((s) => (
          <a key={s} href={`/alerts?state=${s}`} aria-current={s === state ? "page" : undefined}>
            {label(s)}
          </a>
        ))}
      </nav>
      <Problem error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        data && (
          <>
            <table class="list" data-testid="alerts-table">
              <caption class="visually-hidden">IoT alerts</caption>
              <thead>
                <tr>
                  <th scope="col">Alert</th>
                  <th scope="col">Shipment</th>
                  <th scope="col">Sensor</th>
                  <th scope="col">Raised</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((a) => (
                  <tr key={a.alertId}>
                    <td>#{a.alertId}</td>
                    <td>
                      <Hash value={a.shipmentId} href={`/shipments/${a.shipmentId}`} />
                    </td>
                    <td>
                      {label(a.kind)} <strong>{reading(a.kind, a.value)}</strong>: broke the {label(a.rule).toLowerCase()} rule
                    </td>
                    <td>{when(a.raisedAt)}</td>
                    <td>
                      <Badge value={a.state} />
                      {a.reason && <small> {a.reason}</small>}
                      {a.state === "OPEN" && customs && <Resolve alert={a} onDone={reload} />}
                    </td>
                  </tr>
                ))}
                {data.data.length === 0 && (
                  <tr>
                    <td colSpan={5} class="muted">
                      No {state === "ALL" ? "" : label(state).toLowerCase() + " "}alert.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager total={data.total} limit={LIMIT} offset={offset} onPage={(o) => navigate(`/alerts?state=${state}&offset=${o}`)} />
          </>
        )
      )}
    </div>
  );
}
