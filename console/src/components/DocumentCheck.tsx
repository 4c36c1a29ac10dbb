// Drop a file: its keccak-256 is computed here in the browser (the file never leaves it) and checked against the
// shipment registry on chain. A party of the shipment can also anchor it as a new document version.
import { useState } from "preact/hooks";
import { keccak256 } from "viem";
import { get } from "../api";
import { when } from "../format";
import { perform } from "../operations";
import { Hash, Problem, Progress, useSession, useWrite } from "./ui";

interface ChainAnchor {
  digest: string;
  anchored: boolean;
  latest: boolean;
  shipmentId: string | null;
  docType: string | null;
  version: number;
  anchoredBy: string | null;
  anchoredAt: number | null;
}

const TYPES = ["BILL_OF_LADING", "COMMERCIAL_INVOICE", "PACKING_LIST", "CERTIFICATE_OF_ORIGIN", "CUSTOMS_DECLARATION"];

export function DocumentCheck({ shipmentId, party, onAnchored }: { shipmentId: string; party: boolean; onAnchored: () => void }) {
  const session = useSession();
  const [file, setFile] = useState<{ name: string; size: number; digest: string } | null>(null);
  const [result, setResult] = useState<ChainAnchor | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [hover, setHover] = useState(false);
  const [docType, setDocType] = useState(TYPES[0]);
  const write = useWrite(onAnchored);

  const check = async (f: File) => {
    setError(null);
    setResult(null);
    try {
      const digest = keccak256(new Uint8Array(await f.arrayBuffer()));
      setFile({ name: f.name, size: f.size, digest });
      setResult(await get<ChainAnchor>(`/v1/documents/${digest}/on-chain`));
    } catch (e) {
      setError(e);
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setHover(false);
    const f = event.dataTransfer?.files[0];
    if (f) void check(f);
  };
  const ours = result?.anchored && result.shipmentId?.toLowerCase() === shipmentId.toLowerCase();
  return (
    <div>
      <div
        class={`dropzone ${hover ? "hover" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setHover(true);
        }}
        onDragLeave={() => setHover(false)}
        onDrop={onDrop}
      >
        <p>
          <strong>Drop a document here</strong> to check it against the chain, or{" "}
          <label class="file-label">
            choose a file
            <input
              type="file"
              class="visually-hidden"
              data-testid="document-file"
              onChange={(e) => {
                const f = (e.target as HTMLInputElement).files?.[0];
                if (f) void check(f);
              }}
            />
          </label>
          . Its keccak-256 is computed in this browser; the file is not uploaded.
        </p>
      </div>
      <Problem error={error} />
      {file && result && (
        <div class={`verdict ${ours ? "good" : "bad"}`} role="status" aria-live="polite" data-testid="document-verdict">
          <p>
            <strong>{file.name}</strong> ({file.size.toLocaleString()} bytes), keccak-256 <Hash value={file.digest} />
          </p>
          {ours ? (
            <p>
              ✓ <strong>Authentic.</strong> It is {result.docType?.replace(/_/g, " ").toLowerCase()} version {result.version} of this shipment, anchored on
              chain by <Hash value={result.anchoredBy} /> on {when(result.anchoredAt)}
              {result.latest ? " — the latest version." : " — but a newer version has been anchored since (superseded)."}
            </p>
          ) : result.anchored ? (
            <p>
              ✕ <strong>Not a document of this shipment.</strong> This hash is anchored for shipment <Hash value={result.shipmentId} href={`/shipments/${result.shipmentId}`} />.
            </p>
          ) : (
            <p>
              ✕ <strong>Not anchored on chain.</strong> No document with this hash was ever anchored: the file differs from every anchored document
              (altered, or never anchored).
            </p>
          )}
          {!result.anchored && party && (
            <form
              class="inline"
              onSubmit={(e) => {
                e.preventDefault();
                void write.run((report) =>
                  perform(session, "POST", `/v1/shipments/${shipmentId}/documents`, { docType, digest: file.digest }, report, { label: "anchor the document" }),
                  `${docType.replace(/_/g, " ").toLowerCase()} anchored`,
                );
              }}
            >
              <label>
                Anchor it as
                <select value={docType} onChange={(e) => setDocType((e.target as HTMLSelectElement).value)}>
                  {TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t.replace(/_/g, " ").toLowerCase()}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" disabled={write.busy}>
                Anchor on chain
              </button>
            </form>
          )}
          <Progress steps={write.steps} />
          <Problem error={write.error} />
        </div>
      )}
    </div>
  );
}
