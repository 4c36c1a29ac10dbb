// Shipments: search by B/L, container or shipment id, filter by state and port; paged in SQL by the API.
import { useState } from "preact/hooks";
import { get, type Page } from "../api";
import { Badge, Loading, PageTitle, Pager, Problem, useData, useSession } from "../components/ui";
import { label, STATE_LABELS } from "../format";
import { navigate, useLocation } from "../router";
import type { Port, Shipment } from "../types";

const LIMIT = 25;
const CONTAINER = /^[A-Z]{3}[UJZ]\d{7}$/;
const SHIPMENT_ID = /^0x[0-9a-f]{64}$/;

export function Shipments() {
  const session = useSession();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const state = query.get("state") ?? "";
  const port = query.get("port") ?? "";
  const offset = Number(query.get("offset") ?? 0);
  const [text, setText] = useState(q);
  const ports = useData(() => get<Port[]>("/v1/ports"), []);
  const search = q.trim().toUpperCase().replace(/[\s\-/.]/g, "");
  const { data, error, loading } = useData(
    () =>
      get<Page<Shipment>>("/v1/shipments", {
        state,
        port,
        limit: LIMIT,
        offset,
        reference: search && !CONTAINER.test(search) ? search : undefined,
        container: CONTAINER.test(search) ? search : undefined,
      }),
    [q, state, port, offset],
  );
  const go = (changes: Record<string, string | number>) => {
    const next = new URLSearchParams({ q, state, port, offset: String(offset), ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, String(v)])) });
    for (const [k, v] of [...next.entries()]) if (!v || (k === "offset" && v === "0")) next.delete(k);
    navigate(`/shipments${next.toString() ? "?" + next : ""}`);
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const value = text.trim();
    if (SHIPMENT_ID.test(value.toLowerCase())) navigate(`/shipments/${value.toLowerCase()}`);
    else go({ q: value, offset: 0 });
  };
  return (
    <div>
      <PageTitle
        sub={
          session.roles.some((r) => r.role === "CUSTOMS" || r.role === "AUDITOR")
            ? "Every shipment of the consortium."
            : session.roles.some((r) => r.role === "TERMINAL")
              ? "The shipments from or to your terminals' ports, and those you are a party of."
              : "The shipments you are the shipper, carrier or consignee of."
        }
      >
        Shipments
      </PageTitle>
      <form class="filters" role="search" onSubmit={submit}>
        <label>
          B/L, container or shipment id
          <input type="search" value={text} placeholder="e.g. APU00000012 or CSQU3054383" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => go({ state: (e.target as HTMLSelectElement).value, offset: 0 })}>
            <option value="">any</option>
            {Object.keys(STATE_LABELS).map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Port
          <select value={port} onChange={(e) => go({ port: (e.target as HTMLSelectElement).value, offset: 0 })}>
            <option value="">any</option>
            {(ports.data ?? []).map((p) => (
              <option key={p.code} value={p.code}>
                {p.code} {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <Problem error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        data && (
          <>
            <table class="list">
              <caption class="visually-hidden">Shipments</caption>
              <thead>
                <tr>
                  <th scope="col">Transport document</th>
                  <th scope="col">Route</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Containers
                  </th>
                  <th scope="col" class="num">
                    Registered in block
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((s) => (
                  <tr key={s.shipmentId}>
                    <td>
                      <a href={`/shipments/${s.shipmentId}`}>{s.transportDocumentReference}</a>
                    </td>
                    <td>
                      {s.originPort} → {s.destinationPort}
                    </td>
                    <td>
                      <Badge value={s.state} /> {s.held && <Badge value="HELD" tone="bad" />}
                    </td>
                    <td class="num">{s.containerCount}</td>
                    <td class="num">{s.registeredBlock}</td>
                  </tr>
                ))}
                {data.data.length === 0 && (
                  <tr>
                    <td colSpan={5} class="muted">
                      No shipment matches{q ? ` “${q}”` : ""}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager total={data.total} limit={LIMIT} offset={offset} onPage={(o) => go({ offset: o })} />
          </>
        )
      )}
    </div>
  );
}
