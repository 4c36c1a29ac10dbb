// One shipment: its DCSA milestone timeline drawn, declared against observed weight and seals per container,
// documents checked against the chain, its declaration, alerts and financings, and the writes its parties,
// terminals, carrier and customs make on it.
import { useState } from "preact/hooks";
import { ApiError, get, type Page } from "../api";
import { Action } from "../components/Action";
import { DocumentCheck } from "../components/DocumentCheck";
import { Badge, Hash, hasRole, Loading, PageTitle, Problem, Section, useData, useSession } from "../components/ui";
import { amount, kg, label, MILESTONES, moment, reading, when } from "../format";
import type { Alert, Container, Declaration, Financing, Milestone, Shipment } from "../types";

function Timeline({ shipment }: { shipment: Shipment }) {
  const milestones = shipment.milestones ?? [];
  const boxes = shipment.containerCount;
  return (
    <ol class="timeline" aria-label="DCSA milestones">
      {MILESTONES.map(({ code, label: text }) => {
        const done = milestones.filter((m) => m.milestone === code);
        const perContainer = code !== "DEPA" && code !== "ARRI";
        const count = perContainer ? new Set(done.map((m) => m.containerIndex)).size : done.length ? 1 : 0;
        const of = perContainer ? boxes : 1;
        const state = count === 0 ? "todo" : count >= of ? "done" : "partial";
        const first = done[0];
        return (
          <li key={code} class={`tl ${state}`}>
            <span class="tl-dot" aria-hidden="true" />
            <span class="tl-label">
              {text} <small class="mono">{code}</small>
            </span>
            <span class="tl-detail">
              {state === "todo" ? (
                <span class="muted">not yet</span>
              ) : (
                <>
                  {first.port} · {moment(first.blockTimestamp)}
                  {perContainer && of > 1 && (
                    <>
                      <br />
                      {count} of {of} containers
                    </>
                  )}
                </>
              )}
            </span>
            <span class="visually-hidden">{state === "done" ? "done" : state === "partial" ? "in progress" : "not yet"}</span>
          </li>
        );
      })}
    </ol>
  );
}

function WeightBars({ c }: { c: Container }) {
  const top = Math.max(c.declaredGrossKg, c.observedGrossKg ?? 0, 1);
  const delta = c.observedGrossKg === null ? null : ((c.observedGrossKg - c.declaredGrossKg) / c.declaredGrossKg) * 100;
  return (
    <div class="weights" role="img" aria-label={`declared ${kg(c.declaredGrossKg)}, observed ${kg(c.observedGrossKg)}`}>
      <div class="wbar">
        <span class="wlabel">declared</span>
        <span class="wtrack">
          <span class="wfill declared" style={{ width: `${(c.declaredGrossKg / top) * 100}%` }} />
        </span>
        <span class="wvalue">{kg(c.declaredGrossKg)}</span>
      </div>
      <div class="wbar">
        <span class="wlabel">observed</span>
        <span class="wtrack">
          {c.observedGrossKg !== null && <span class={`wfill observed ${Math.abs(delta ?? 0) > 5 ? "off" : ""}`} style={{ width: `${(c.observedGrossKg / top) * 100}%` }} />}
        </span>
        <span class="wvalue">
          {c.observedGrossKg === null ? "not weighed yet" : `${kg(c.observedGrossKg)} (${delta! >= 0 ? "+" : ""}${delta!.toFixed(1)} %)`}
        </span>
      </div>
    </div>
  );
}

function Seals({ c, milestones }: { c: Container; milestones: Milestone[] }) {
  const gateIn = milestones.find((m) => m.milestone === "GTIN" && m.containerIndex === c.index);
  const observed = gateIn?.seals ?? null;
  return (
    <ul class="seals">
      {c.seals.map((s) => {
        const ok = observed === null ? null : observed.includes(s);
        return (
          <li key={s} class={ok === null ? "" : ok ? "ok" : "off"}>
            <span class="mono">{s}</span> {ok === null ? "" : ok ? "✓ seen at gate-in" : "✕ not seen at gate-in"}
          </li>
        );
      })}
      {observed
        ?.filter((s) => !c.seals.includes(s))
        .map((s) => (
          <li key={`x${s}`} class="off">
            <span class="mono">{s}</span> ✕ observed, not declared
          </li>
        ))}
    </ul>
  );
}

function MilestoneForm({ shipment, onDone }: { shipment: Shipment; onDone: () => void }) {
  const session = useSession();
  const terminalPorts = session.roles.filter((r) => r.role === "TERMINAL").map((r) => r.port);
  const atOrigin = terminalPorts.includes(shipment.originPort);
  const atDestination = terminalPorts.includes(shipment.destinationPort);
  const carrier = session.member === shipment.carrier;
  const choices = [
    ...(atOrigin ? ["GTIN", "LOAD"] : []),
    ...(carrier ? ["DEPA", "ARRI"] : []),
    ...(atDestination ? ["DISC", "GTOT"] : []),
  ];
  const [milestone, setMilestone] = useState(choices[0] ?? "");
  const [container, setContainer] = useState(0);
  const [weight, setWeight] = useState("");
  const [seals, setSeals] = useState("");
  if (!choices.length) return null;
  const vessel = milestone === "DEPA" || milestone === "ARRI";
  return (
    <Action
      title="Record a milestone"
      path={`/v1/shipments/${shipment.shipmentId}/milestones`}
      onDone={onDone}
      body={() => ({
        milestone,
        containerIndex: vessel ? undefined : container,
        observedGrossKg: milestone === "GTIN" ? Number(weight) : undefined,
        seals: milestone === "GTIN" ? seals.split(/[\s,]+/).filter(Boolean) : undefined,
      })}
    >
      <label>
        Milestone
        <select value={milestone} onChange={(e) => setMilestone((e.target as HTMLSelectElement).value)}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {MILESTONES.find((m) => m.code === c)?.label} ({c})
            </option>
          ))}
        </select>
      </label>
      {!vessel && (
        <label>
          Container
          <select value={container} onChange={(e) => setContainer(Number((e.target as HTMLSelectElement).value))}>
            {(shipment.containers ?? []).map((c) => (
              <option key={c.index} value={c.index}>
                {c.number}
              </option>
            ))}
          </select>
        </label>
      )}
      {milestone === "GTIN" && (
        <>
          <label>
            Weighbridge gross weight (kg)
            <input type="number" min={1} required value={weight} onInput={(e) => setWeight((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Seals observed (comma-separated)
            <input required value={seals} onInput={(e) => setSeals((e.target as HTMLInputElement).value)} />
          </label>
        </>
      )}
    </Action>
  );
}

function Discrepancies({ shipment, onDone }: { shipment: Shipment; onDone: () => void }) {
  const session = useSession();
  const [reason, setReason] = useState("");
  const list = shipment.discrepancies ?? [];
  const canClear = session.roles.some((r) => r.role === "CUSTOMS" && r.port === shipment.originPort);
  if (!list.length) return <p class="muted">No gate-in discrepancy: the terminal observed the declared weights and seals.</p>;
  return (
    <>
      <table class="list">
        <caption class="visually-hidden">Gate-in discrepancies</caption>
        <thead>
          <tr>
            <th scope="col">Container</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={`${d.containerIndex}${d.kind}`}>
              <td>{shipment.containers?.[d.containerIndex]?.number ?? d.containerIndex}</td>
              <td>{label(d.kind)}</td>
              <td>{d.clearedBy ? <>cleared by <Hash value={d.clearedBy} />: {d.clearedReason}</> : <Badge value="OPEN" />}</td>
              <td>
                {!d.clearedBy && canClear && (
                  <Action
                    title={`Clear the ${label(d.kind).toLowerCase()} discrepancy`}
                    button="Clear"
                    path={`/v1/shipments/${shipment.shipmentId}/discrepancy-clearances`}
                    body={() => ({ containerIndex: d.containerIndex, reason })}
                    onDone={onDone}
                  >
                    <label>
                      Reason
                      <input required maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
                    </label>
                  </Action>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ShipmentPage({ id }: { id: string }) {
  const session = useSession();
  const sid = id.toLowerCase();
  const shipment = useData(() => get<Shipment>(`/v1/shipments/${sid}`), [sid]);
  const declaration = useData(
    () =>
      get<Declaration>(`/v1/declarations/${sid}`).catch((e) =>
        e instanceof ApiError && (e.status === 404 || e.status === 403) ? (e.status === 403 ? ("hidden" as const) : null) : Promise.reject(e),
      ),
    [sid],
  );
  const alerts = useData(() => get<Page<Alert>>("/v1/alerts", { shipment: sid, limit: 20 }), [sid]);
  const financings = useData(() => get<Page<Financing>>("/v1/financings", { shipment: sid, limit: 20 }), [sid]);
  const reload = () => {
    shipment.reload();
    declaration.reload();
    alerts.reload();
    financings.reload();
  };
  if (shipment.error) {
    return (
      <div>
        <PageTitle>Shipment</PageTitle>
        <Problem
          error={shipment.error}
          title={shipment.error instanceof ApiError && shipment.error.status === 403 ? "You may not see this shipment" : undefined}
        />
      </div>
    );
  }
  if (!shipment.data) return <Loading />;
  const s = shipment.data;
  const party = [s.shipper, s.carrier, s.consignee].includes(session.member);
  const d = declaration.data;
  const review = d && d !== "hidden" && hasRole(session, "CUSTOMS") ? d.declarationId : null;
  return (
    <div>
      <PageTitle sub={<>Shipment <Hash value={s.shipmentId} /> · registered in block {s.registeredBlock}{s.confirmed ? "" : " (not yet confirmed)"}</>}>
        {s.transportDocumentReference}: {s.originPort} → {s.destinationPort} <Badge value={s.state} /> {s.held && <Badge value="HELD" tone="bad" />}
      </PageTitle>
      <dl class="facts">
        <div>
          <dt>Shipper</dt>
          <dd>
            <Hash value={s.shipper} />
          </dd>
        </div>
        <div>
          <dt>Carrier</dt>
          <dd>
            <Hash value={s.carrier} />
          </dd>
        </div>
        <div>
          <dt>Consignee</dt>
          <dd>
            <Hash value={s.consignee} />
          </dd>
        </div>
        <div>
          <dt>Audit trail</dt>
          <dd>
            <a href={`/audit/${s.shipmentId}`}>events and verification</a>
          </dd>
        </div>
      </dl>
      <Section title="Milestones" id="milestones">
        <Timeline shipment={s} />
        <MilestoneForm shipment={s} onDone={reload} />
      </Section>
      <Section title="Containers: declared and observed" id="containers">
        <table class="list containers">
          <caption class="visually-hidden">Containers, declared against observed</caption>
          <thead>
            <tr>
              <th scope="col">Container</th>
              <th scope="col">Gross weight</th>
              <th scope="col">Seals</th>
              <th scope="col">Last milestone</th>
            </tr>
          </thead>
          <tbody>
            {(s.containers ?? []).map((c) => (
              <tr key={c.index}>
                <td class="mono">{c.number}</td>
                <td>
                  <WeightBars c={c} />
                </td>
                <td>
                  <Seals c={c} milestones={s.milestones ?? []} />
                </td>
                <td>{c.lastMilestone ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Gate-in discrepancies</h3>
        <Discrepancies shipment={s} onDone={reload} />
      </Section>
      <Section title="Documents" id="documents">
        {(s.documents ?? []).length > 0 ? (
          <table class="list">
            <caption class="visually-hidden">Anchored documents</caption>
            <thead>
              <tr>
                <th scope="col">Document</th>
                <th scope="col">Version</th>
                <th scope="col">keccak-256</th>
                <th scope="col">Anchored by</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {(s.documents ?? []).map((doc) => (
                <tr key={doc.transactionHash + doc.digest}>
                  <td>{label(doc.docType)}</td>
                  <td>{doc.version}</td>
                  <td>
                    <Hash value={doc.digest} />
                  </td>
                  <td>
                    <Hash value={doc.anchoredBy} />
                  </td>
                  <td>{when(doc.blockTimestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No document anchored yet.</p>
        )}
        <DocumentCheck shipmentId={s.shipmentId} party={party} onAnchored={reload} />
      </Section>
      <Section
        title="Customs declaration"
        id="declaration"
        actions={review ? <a href={`/declarations/${review}`}>Review →</a> : undefined}
      >
        {declaration.error ? (
          <Problem error={declaration.error} />
        ) : d === "hidden" ? (
          <p class="muted">The declaration is for the shipment's parties, customs and auditors.</p>
        ) : !d ? (
          <p class="muted">No declaration filed yet.</p>
        ) : (
          <>
            <p>
              Version {d.version}, <Badge value={d.state} /> · HS {d.hsCodes.join(", ")} · value {amount(d.customsValue)} {d.currency}
            </p>
            <ul class="plain">
              {[s.originPort, s.destinationPort].map((port) => {
                const decision = d.decisions.filter((x) => x.port === port && x.version === d.version).at(-1);
                return (
                  <li key={port}>
                    Customs of {port}: {decision ? <Badge value={decision.decision} /> : <span class="muted">waiting</span>}
                  </li>
                );
              })}
            </ul>
            {d.state === "FILED" && d.decisions.filter((x) => x.version === d.version && x.decision === "APPROVE").length === 2 && (
              <Action title="Clear the goods" path={`/v1/declarations/${d.declarationId}/clearance`} body={() => undefined} onDone={reload}>
                <p class="small">Both customs approved; clear the goods once nothing holds them any more.</p>
              </Action>
            )}
          </>
        )}
      </Section>
      <div class="grid-2">
        <Section title="IoT alerts" id="alerts">
          {alerts.error ? (
            <Problem error={alerts.error} />
          ) : (
            <ul class="plain">
              {(alerts.data?.data ?? []).map((a) => (
                <li key={a.alertId}>
                  <Badge value={a.state} /> #{a.alertId} {label(a.kind)} {reading(a.kind, a.value)}: broke the {label(a.rule).toLowerCase()} rule · {when(a.raisedAt)}
                </li>
              ))}
              {alerts.data?.data.length === 0 && <li class="muted">No IoT alert.</li>}
            </ul>
          )}
        </Section>
        <Section title="Financings" id="financings">
          {financings.error ? (
            <Problem error={financings.error} />
          ) : (
            <ul class="plain">
              {(financings.data?.data ?? []).map((f) => (
                <li key={f.financingId}>
                  <a href={`/financings/${f.financingId}`}>#{f.financingId}</a> {label(f.product)} <Badge value={f.state} /> {f.amount ? `${amount(f.amount)} HKD` : "no terms offered"}
                </li>
              ))}
              {financings.data?.data.length === 0 && <li class="muted">No financing.</li>}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}
