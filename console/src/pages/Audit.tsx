// Audit: a shipment's trail (every event of the shipment, its declaration and its financings), re-verified
// against the chain's own logs, exported as CSV and JSON.
import { useState } from "preact/hooks";
import { get, type Page } from "../api";
import { Hash, Loading, PageTitle, Problem, Section, useData } from "../components/ui";
import { when } from "../format";
import { navigate } from "../router";
import type { ChainEvent, Shipment } from "../types";

interface Verification {
  shipmentId: string;
  verified: boolean;
  checked: number;
  fromBlock: number;
  toBlock: number;
  differences: { kind: string; blockNumber: number; logIndex: number; transactionHash: string; event: string; detail: string }[];
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const csvCell = (value: unknown) => {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv(trail: ChainEvent[]): string {
  const head = ["blockNumber", "logIndex", "blockTimestamp", "contract", "event", "transactionHash", "confirmed", "args"];
  const rows = trail.map((e) => [e.blockNumber, e.logIndex, e.blockTimestamp ?? "", e.contract, e.event, e.transactionHash, e.confirmed, JSON.stringify(e.args)]);
  return [head, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function Find() {
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="filters"
      role="search"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const value = text.trim();
        if (/^0x[0-9a-fA-F]{64}$/.test(value)) return navigate(`/audit/${value.toLowerCase()}`);
        try {
          const found = await get<Page<Shipment>>("/v1/shipments", { reference: value.toUpperCase().replace(/[\s\-/.]/g, ""), limit: 1 });
          if (found.data[0]) navigate(`/audit/${found.data[0].shipmentId}`);
          else setError(new Error(`No shipment you may see has the transport document ${value}.`));
        } catch (err) {
          setError(err);
        }
      }}
    >
      <label>
        Shipment id or transport document (B/L)
        <input required value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">Open the trail</button>
      <Problem error={error} />
    </form>
  );
}

function Trail({ id }: { id: string }) {
  const trail = useData(() => get<ChainEvent[]>(`/v1/audit/shipments/${id}`), [id]);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (trail.error) return <Problem error={trail.error} />;
  if (!trail.data) return <Loading />;
  const events = trail.data;
  const verify = async () => {
    setChecking(true);
    setError(null);
    setVerification(null);
    try {
      setVerification(await get<Verification>(`/v1/audit/shipments/${id}/verification`));
    } catch (e) {
      setError(e);
    } finally {
      setChecking(false);
    }
  };
  const base = `portlink-trail-${id.slice(0, 10)}`;
  return (
    <>
      <Section
        title={`${events.length} events on chain`}
        id="trail"
        actions={
          <div class="buttons">
            <button type="button" class="primary" onClick={verify} disabled={checking}>
              {checking ? "Verifying…" : "Verify against the chain"}
            </button>
            <button type="button" onClick={() => download(`${base}.csv`, "text/csv", toCsv(events))}>
              Export CSV
            </button>
            <button
              type="button"
              onClick={() => download(`${base}.json`, "application/json", JSON.stringify({ shipmentId: id, events, verification }, null, 2) + "\n")}
            >
              Export JSON
            </button>
          </div>
        }
      >
        <Problem error={error} title="Verification failed" />
        {verification && (
          <div class={`verdict ${verification.verified ? "good" : "bad"}`} role="status" data-testid="verification">
            {verification.verified ? (
              <p>
                ✓ <strong>Verified.</strong> All {verification.checked} indexed events match the chain's logs (blocks {verification.fromBlock}–{verification.toBlock}), and
                the chain has none the index lacks.
              </p>
            ) : (
              <>
                <p>
                  ✕ <strong>{verification.differences.length} difference{verification.differences.length === 1 ? "" : "s"} from the chain.</strong> The chain is the
                  authority: the index must be rebuilt from it.
                </p>
                <ul>
                  {verification.differences.map((d) => (
                    <li key={`${d.blockNumber}-${d.logIndex}`}>
                      Block {d.blockNumber}, log {d.logIndex}, {d.event}: <strong>{d.kind.replace(/-/g, " ")}</strong> — {d.detail}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
        <table class="list">
          <caption class="visually-hidden">The shipment's events in chain order</caption>
          <thead>
            <tr>
              <th scope="col">Block</th>
              <th scope="col">Event</th>
              <th scope="col">Contract</th>
              <th scope="col">Transaction</th>
              <th scope="col">When</th>
              <th scope="col">Final</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={`${e.blockNumber}-${e.logIndex}`}>
                <td>
                  {e.blockNumber}
                  <small class="muted">:{e.logIndex}</small>
                </td>
                <td>{e.event}</td>
                <td>{e.contract}</td>
                <td>
                  <Hash value={e.transactionHash} />
                </td>
                <td>{when(e.blockTimestamp)}</td>
                <td>{e.confirmed ? "yes" : "not yet"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}

export function Audit({ id }: { id?: string }) {
  return (
    <div>
      <PageTitle sub={id ? <>Shipment <Hash value={id} href={`/shipments/${id}`} /></> : "Open a shipment's trail, verify it against the chain, export it."}>Audit</PageTitle>
      {id ? <Trail id={id.toLowerCase()} /> : <Find />}
    </div>
  );
}
