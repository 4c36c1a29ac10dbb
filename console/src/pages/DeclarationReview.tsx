// A customs officer reviews a declaration (both customs' slots, digest, HS codes, value, the risk score and its
// reasons, holds, open alerts, discrepancies) and signs the EIP-712 decision in the wallet; the console relays it.
import { useState } from "preact/hooks";
import { get, type Page } from "../api";
import { Action } from "../components/Action";
import { RiskSection } from "../components/Risk";
import { Badge, Hash, Loading, PageTitle, Problem, Progress, Section, useData, useSession, useWrite } from "../components/ui";
import { amount, label, reading, reason, when } from "../format";
import { decide } from "../operations";
import { useLocation } from "../router";
import type { Alert, Declaration, Shipment } from "../types";

const DECISIONS = [
  { value: "APPROVE", text: "Approve" },
  { value: "REQUEST_INSPECTION", text: "Request an inspection" },
  { value: "REJECT", text: "Reject (a reason is required)" },
];

function DecisionForm({ declaration, port, onDone }: { declaration: Declaration; port: string; onDone: () => void }) {
  const session = useSession();
  const [decision, setDecision] = useState("APPROVE");
  const [reasonCode, setReasonCode] = useState("");
  const { steps, error, busy, run } = useWrite(onDone);
  const group = `decision-${port}`;
  return (
    <form
      class="action decision"
      aria-label={`Decision of customs of ${port}`}
      onSubmit={(e) => {
        e.preventDefault();
        void run(
          (report) => decide(session, declaration.declarationId, { version: declaration.version, port, decision, reasonCode }, report),
          `${DECISIONS.find((x) => x.value === decision)?.text.split(" (")[0]} as customs of ${port}, version ${declaration.version}`,
        );
      }}
    >
      <fieldset disabled={busy}>
        <legend>
          Your decision as customs of {port} on version {declaration.version}
        </legend>
        <div class="radios" role="radiogroup" aria-label="Decision">
          {DECISIONS.map((d) => (
            <label key={d.value}>
              <input type="radio" name={group} value={d.value} checked={decision === d.value} onChange={() => setDecision(d.value)} /> {d.text}
            </label>
          ))}
        </div>
        <label>
          Reason code{decision === "REJECT" ? "" : " (optional)"}
          <input
            value={reasonCode}
            maxLength={32}
            pattern="[A-Z0-9_]*"
            placeholder="e.g. DOCS_MISSING"
            required={decision === "REJECT"}
            onInput={(e) => setReasonCode((e.target as HTMLInputElement).value.toUpperCase())}
          />
        </label>
        <button type="submit" class={decision === "REJECT" ? "danger" : "primary"}>
          Sign in wallet and submit
        </button>
        <p class="small muted">
          Your wallet shows the typed decision (EIP-712) before you sign.{" "}
          {session.relayer ? "No gas: PortLink relays it." : "Your wallet then sends it (a second confirmation)."}
        </p>
      </fieldset>
      <Progress steps={steps} />
      <Problem error={error} title="The decision was not recorded" />
    </form>
  );
}

export function DeclarationReview({ id }: { id: string }) {
  const session = useSession();
  const did = id.toLowerCase();
  const { query } = useLocation();
  const declaration = useData(() => get<Declaration>(`/v1/declarations/${did}`), [did]);
  const shipment = useData(() => get<Shipment>(`/v1/shipments/${did}`), [did]);
  const alerts = useData(() => get<Page<Alert>>("/v1/alerts", { shipment: did, state: "OPEN" }), [did]);
  const [holdReason, setHoldReason] = useState("");
  const reload = () => {
    declaration.reload();
    shipment.reload();
    alerts.reload();
  };
  if (declaration.error || shipment.error) return <Problem error={declaration.error ?? shipment.error} />;
  if (!declaration.data || !shipment.data) return <Loading />;
  const d = declaration.data;
  const s = shipment.data;
  const myPorts = session.roles.filter((r) => r.role === "CUSTOMS" && r.port && [s.originPort, s.destinationPort].includes(r.port)).map((r) => r.port as string);
  const focus = query.get("port");
  const ordered = focus && myPorts.includes(focus) ? [focus, ...myPorts.filter((p) => p !== focus)] : myPorts;
  const openDiscrepancies = (s.discrepancies ?? []).filter((x) => !x.clearedBy);
  const slot = (port: string) => d.decisions.filter((x) => x.port === port && x.version === d.version).at(-1);
  return (
    <div>
      <PageTitle sub={<>Declaration <Hash value={d.declarationId} /> filed by <Hash value={d.filer} /></>}>
        Declaration for {s.transportDocumentReference} <Badge value={d.state} />
      </PageTitle>
      <div class="grid-2">
        <Section title="What was declared" id="declared">
          <dl class="facts vertical">
            <div>
              <dt>Version</dt>
              <dd>{d.version}</dd>
            </div>
            <div>
              <dt>Document digest (keccak-256)</dt>
              <dd class="mono break">{d.digest}</dd>
            </div>
            <div>
              <dt>HS codes</dt>
              <dd class="mono">{d.hsCodes.join(", ")}</dd>
            </div>
            <div>
              <dt>Customs value</dt>
              <dd>
                {amount(d.customsValue)} {d.currency}
              </dd>
            </div>
            <div>
              <dt>Route</dt>
              <dd>
                <a href={`/shipments/${s.shipmentId}`}>
                  {s.originPort} → {s.destinationPort}, {s.containerCount} container{s.containerCount === 1 ? "" : "s"}
                </a>
              </dd>
            </div>
          </dl>
        </Section>
        <Section title="Both customs" id="slots">
          <table class="list">
            <caption class="visually-hidden">Decisions of both customs on version {d.version}</caption>
            <thead>
              <tr>
                <th scope="col">Customs of</th>
                <th scope="col">Decision on version {d.version}</th>
                <th scope="col">Hold</th>
              </tr>
            </thead>
            <tbody>
              {[s.originPort, s.destinationPort].map((port, i) => {
                const x = slot(port);
                const hold = d.holds.find((h) => h.port === port && h.active);
                return (
                  <tr key={port}>
                    <th scope="row">
                      {port} <small class="muted">({i === 0 ? "export" : "import"})</small>
                    </th>
                    <td>
                      {x ? (
                        <>
                          <Badge value={x.decision} /> by <Hash value={x.officer} />
                          {x.reasonCode && reason(x.reasonCode) !== "—" && <> · {reason(x.reasonCode)}</>}
                        </>
                      ) : (
                        <span class="muted">waiting</span>
                      )}
                    </td>
                    <td>{hold ? <Badge value={`HOLD ${reason(hold.reasonCode)}`} tone="bad" /> : <span class="muted">none</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {d.state === "CLEARED" && <p class="verdict good">✓ Cleared: both customs approved version {d.clearedVersion} and nothing holds the goods.</p>}
        </Section>
      </div>
      {session.roles.some((r) => r.role === "CUSTOMS" || r.role === "AUDITOR") && <RiskSection declarationId={did} />}
      <div class="grid-2">
        <Section title="Open IoT alerts" id="open-alerts">
          {alerts.error ? (
            <Problem error={alerts.error} />
          ) : (alerts.data?.data ?? []).length === 0 ? (
            <p class="muted">None: no sensor broke a rule on this journey.</p>
          ) : (
            <ul class="plain">
              {(alerts.data?.data ?? []).map((a) => (
                <li key={a.alertId}>
                  <Badge value="OPEN" /> {label(a.kind)} {reading(a.kind, a.value)}: broke the {label(a.rule).toLowerCase()} rule · {when(a.raisedAt)}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Gate-in discrepancies" id="open-discrepancies">
          {openDiscrepancies.length === 0 ? (
            <p class="muted">None open: the terminal observed the declared weights and seals, or customs cleared them.</p>
          ) : (
            <ul class="plain">
              {openDiscrepancies.map((x) => (
                <li key={`${x.containerIndex}${x.kind}`}>
                  <Badge value="OPEN" /> {label(x.kind)} on {s.containers?.[x.containerIndex]?.number}
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      {myPorts.length === 0 ? (
        <p class="notice">You are not customs of {s.originPort} or {s.destinationPort}: you can read this declaration, not decide on it.</p>
      ) : (
        ordered.map((port) => {
          const decided = slot(port);
          const hold = d.holds.find((h) => h.port === port && h.active);
          return (
            <Section key={port} title={`Customs of ${port}`} id={`act-${port}`}>
              {d.state !== "FILED" ? (
                <p class="muted">The declaration is {label(d.state).toLowerCase()}: it takes no decision now.</p>
              ) : decided && decided.decision !== "REQUEST_INSPECTION" ? (
                <p>
                  Your port decided: <Badge value={decided.decision} /> on version {d.version}.
                </p>
              ) : (
                <DecisionForm declaration={d} port={port} onDone={reload} />
              )}
              {d.state !== "CLEARED" &&
                (hold ? (
                  <Action title={`Release the hold of ${port}`} method="DELETE" path={`/v1/declarations/${d.declarationId}/holds/${port}`} body={() => undefined} onDone={reload} />
                ) : (
                  <Action title={`Hold the goods at ${port}`} tone="danger" path={`/v1/declarations/${d.declarationId}/holds`} body={() => ({ port, reasonCode: holdReason })} onDone={reload}>
                    <label>
                      Reason code
                      <input required maxLength={32} value={holdReason} onInput={(e) => setHoldReason((e.target as HTMLInputElement).value.toUpperCase())} />
                    </label>
                  </Action>
                ))}
            </Section>
          );
        })
      )}
    </div>
  );
}
