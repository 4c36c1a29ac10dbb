// The consortium: ports, members and their roles, and the port authorities' proposals and votes.
import { ApiError, get, type Page } from "../api";
import { Action } from "../components/Action";
import { Badge, Hash, hasRole, Loading, PageTitle, Problem, Section, useData, useSession } from "../components/ui";
import { label, when } from "../format";
import type { Member, Port } from "../types";

/** The shape the console expects of ``GET /v1/proposals`` (governance routes; see docs/console.md). */
interface Proposal {
  proposalId: number;
  kind: string;
  proposer: string;
  account: string | null;
  role: string | null;
  port: string | null;
  name: string | null;
  state: string;
  forVotes: number;
  againstVotes: number;
  electorate: number;
  expiresAt: number | null;
  votes: { voter: string; support: boolean }[];
}

function Proposals() {
  const session = useSession();
  const { data, error, loading, reload } = useData(
    () => get<Page<Proposal>>("/v1/proposals", { limit: 50 }).catch((e) => (e instanceof ApiError && (e.status === 404 || e.status === 405) ? null : Promise.reject(e))),
    [],
  );
  if (loading && data === undefined) return <Loading />;
  if (error) return <Problem error={error} />;
  if (data === null) {
    return (
      <p class="notice" data-testid="proposals-unavailable">
        Proposals and votes are not available from this API yet (no <code>GET /v1/proposals</code>). Port authorities vote with{" "}
        <code>ConsortiumGovernance.vote</code> in the meantime.
      </p>
    );
  }
  const authority = hasRole(session, "PORT_AUTHORITY");
  return (
    <table class="list">
      <caption class="visually-hidden">Proposals</caption>
      <thead>
        <tr>
          <th scope="col">Proposal</th>
          <th scope="col">What</th>
          <th scope="col">Votes</th>
          <th scope="col">State</th>
          <th scope="col">Your vote</th>
        </tr>
      </thead>
      <tbody>
        {(data?.data ?? []).map((p) => {
          const mine = p.votes.find((v) => v.voter === session.member);
          return (
            <tr key={p.proposalId}>
              <td>
                #{p.proposalId} by <Hash value={p.proposer} />
              </td>
              <td>
                {label(p.kind)} {p.name ?? ""} {p.role ? `${p.role}${p.port ? "@" + p.port : ""}` : ""} {p.account && <Hash value={p.account} />}
              </td>
              <td>
                {p.forVotes} for, {p.againstVotes} against, of {p.electorate}
                {p.expiresAt && <small class="muted"> · until {when(p.expiresAt)}</small>}
              </td>
              <td>
                <Badge value={p.state} />
              </td>
              <td>
                {mine ? (
                  mine.support ? "for" : "against"
                ) : authority && p.state === "ACTIVE" ? (
                  <div class="vote">
                    <Action title="Vote for" path={`/v1/proposals/${p.proposalId}/votes`} body={() => ({ support: true })} onDone={reload} />
                    <Action title="Vote against" tone="danger" path={`/v1/proposals/${p.proposalId}/votes`} body={() => ({ support: false })} onDone={reload} />
                  </div>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          );
        })}
        {data?.data.length === 0 && (
          <tr>
            <td colSpan={5} class="muted">
              No proposal.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function Consortium() {
  const ports = useData(() => get<Port[]>("/v1/ports"), []);
  const members = useData(() => get<Member[]>("/v1/members", { limit: 500 }), []);
  return (
    <div>
      <PageTitle sub="Ports admit members by vote of their port authorities; roles decide what each member may do on chain.">Consortium</PageTitle>
      <div class="grid-2">
        <Section title="Ports" id="ports">
          {ports.error ? (
            <Problem error={ports.error} />
          ) : !ports.data ? (
            <Loading />
          ) : (
            <table class="list">
              <caption class="visually-hidden">Ports</caption>
              <thead>
                <tr>
                  <th scope="col">UN/LOCODE</th>
                  <th scope="col">Port</th>
                  <th scope="col">Authority</th>
                </tr>
              </thead>
              <tbody>
                {ports.data.map((p) => (
                  <tr key={p.code}>
                    <td class="mono">{p.code}</td>
                    <td>{p.name}</td>
                    <td>
                      <Hash value={p.authority} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title="Proposals and votes" id="proposals">
          <Proposals />
        </Section>
      </div>
      <Section title="Members and roles" id="members">
        {members.error ? (
          <Problem error={members.error} />
        ) : !members.data ? (
          <Loading />
        ) : (
          <table class="list">
            <caption class="visually-hidden">Members</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Account</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => (
                <tr key={m.account}>
                  <td>
                    {m.name} <small class="muted">{m.orgId}</small>
                  </td>
                  <td>
                    <Hash value={m.account} />
                  </td>
                  <td>
                    {m.roles.length === 0 ? (
                      <span class="muted">no role</span>
                    ) : (
                      m.roles.map((r) => (
                        <span key={r.role + r.port} class="chip">
                          {label(r.role)}
                          {r.port ? ` @ ${r.port}` : ""}
                        </span>
                      ))
                    )}
                  </td>
                  <td>
                    <Badge value={m.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
