// A customs officer's inbox: declarations filed and waiting for the decision of their port's customs on the
// current version, oldest first, with what weighs on them.
import { get, type Page } from "../api";
import { Badge, Loading, PageTitle, Pager, Problem, portsOf, useData, useSession } from "../components/ui";
import { amount } from "../format";
import { navigate, useLocation } from "../router";
import type { DeclarationSummary } from "../types";

const LIMIT = 25;

export function Inbox() {
  const session = useSession();
  const ports = portsOf(session, "CUSTOMS");
  const { query } = useLocation();
  const port = query.get("port") ?? ports[0] ?? "";
  const offset = Number(query.get("offset") ?? 0);
  const { data, error, loading } = useData(
    () => (port ? get<Page<DeclarationSummary>>("/v1/declarations", { waitingAt: port, limit: LIMIT, offset }) : Promise.resolve(null)),
    [port, offset],
  );
  if (!ports.length) {
    return (
      <div>
        <PageTitle>Inbox</PageTitle>
        <p>The inbox is for customs officers: {session.name} holds no CUSTOMS role at a port.</p>
      </div>
    );
  }
  return (
    <div>
      <PageTitle sub="Declarations waiting for your decision, oldest first.">Inbox</PageTitle>
      {ports.length > 1 && (
        <nav class="tabs" aria-label="Ports">
          {ports.map((p) => (
            <a key={p} href={`/inbox?port=${p}`} aria-current={p === port ? "page" : undefined}>
              Customs of {p}
            </a>
          ))}
        </nav>
      )}
      <Problem error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        data && (
          <>
            <table class="list">
              <caption>
                {data.total} declaration{data.total === 1 ? "" : "s"} waiting for customs of {port}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Transport document</th>
                  <th scope="col">Route</th>
                  <th scope="col">Version</th>
                  <th scope="col">HS codes</th>
                  <th scope="col" class="num">
                    Value
                  </th>
                  <th scope="col">Holds, alerts, discrepancies</th>
                  <th scope="col">Review</th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((d) => (
                  <tr key={d.declarationId}>
                    <td>{d.transportDocumentReference}</td>
                    <td>
                      {d.originPort} → {d.destinationPort}
                    </td>
                    <td>
                      {d.version} {d.inspectionRequested && <Badge value="INSPECTION" tone="warn" />}
                    </td>
                    <td class="mono">{d.hsCodes.join(", ")}</td>
                    <td class="num">
                      {amount(d.customsValue)} {d.currency}
                    </td>
                    <td>
                      {d.activeHolds + d.openAlerts + d.openDiscrepancies === 0 ? (
                        <span class="muted">none</span>
                      ) : (
                        <>
                          {d.activeHolds > 0 && <Badge value={`${d.activeHolds} HOLD`} tone="bad" />} {d.openAlerts > 0 && <Badge value={`${d.openAlerts} OPEN ALERT`} tone="bad" />}{" "}
                          {d.openDiscrepancies > 0 && <Badge value={`${d.openDiscrepancies} DISCREPANCY`} tone="bad" />}
                        </>
                      )}
                    </td>
                    <td>
                      <a href={`/declarations/${d.declarationId}?port=${port}`} aria-label={`Review ${d.transportDocumentReference}`}>
                        Review →
                      </a>
                    </td>
                  </tr>
                ))}
                {data.data.length === 0 && (
                  <tr>
                    <td colSpan={7} class="muted">
                      Nothing waits for customs of {port}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager total={data.total} limit={LIMIT} offset={offset} onPage={(o) => navigate(`/inbox?port=${port}&offset=${o}`)} />
          </>
        )
      )}
    </div>
  );
}
