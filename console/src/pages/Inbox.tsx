// A customs officer's inbox: declarations filed and waiting for the decision of their port's customs on the
// current version, highest risk first (or oldest first), with the risk score's reasons and what weighs on them.
// The score is advice: the decision stays with the officer.
import { get, type Page } from "../api";
import { RiskMeter } from "../components/Risk";
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
  const order = query.get("order") === "age" ? "age" : "risk";
  const { data, error, loading } = useData(
    () =>
      port
        ? get<Page<DeclarationSummary>>("/v1/declarations", { waitingAt: port, sort: order, limit: LIMIT, offset })
        : Promise.resolve(null),
    [port, offset, order],
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
      <PageTitle
        sub={`Declarations waiting for your decision, ${order === "risk" ? "highest risk first" : "oldest first"}. The risk score is advice: the decision is yours.`}
      >
        Inbox
      </PageTitle>
      {ports.length > 1 && (
        <nav class="tabs" aria-label="Ports">
          {ports.map((p) => (
            <a key={p} href={`/inbox?port=${p}&order=${order}`} aria-current={p === port ? "page" : undefined}>
              Customs of {p}
            </a>
          ))}
        </nav>
      )}
      <nav class="tabs" aria-label="Order">
        <a href={`/inbox?port=${port}&order=risk`} aria-current={order === "risk" ? "page" : undefined}>
          Highest risk first
        </a>
        <a href={`/inbox?port=${port}&order=age`} aria-current={order === "age" ? "page" : undefined}>
          Oldest first
        </a>
      </nav>
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
                  <th scope="col">Risk (advice)</th>
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
                    <td class="risk">
                      {d.riskScore === null || d.riskBand === null ? (
                        <span class="muted">not scored yet</span>
                      ) : (
                        <>
                          <RiskMeter score={d.riskScore} band={d.riskBand} />
                          <ul class="reasons">
                            {d.riskReasons.slice(0, 2).map((r) => (
                              <li key={r}>{r}</li>
                            ))}
                          </ul>
                        </>
                      )}
                    </td>
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
                    <td colSpan={8} class="muted">
                      Nothing waits for customs of {port}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager
              total={data.total}
              limit={LIMIT}
              offset={offset}
              onPage={(o) => navigate(`/inbox?port=${port}&order=${order}&offset=${o}`)}
            />
          </>
        )
      )}
    </div>
  );
}
