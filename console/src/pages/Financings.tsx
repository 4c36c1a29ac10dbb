// Trade financings: the list, and one financing's timeline and amounts, with the steps its exporter, financier
// and consignee take in their wallets.
import { useState } from "preact/hooks";
import { get, type Page } from "../api";
import { Action } from "../components/Action";
import { Badge, Hash, hasRole, Loading, PageTitle, Pager, Problem, Progress, Section, useData, useSession, useWrite } from "../components/ui";
import { amount, label, when } from "../format";
import { perform, type Step } from "../operations";
import { navigate, useLocation } from "../router";
import type { Financing } from "../types";

const LIMIT = 25;
const STATES = ["REQUESTED", "OFFERED", "ACCEPTED", "FUNDED", "RELEASED", "REPAID", "REFUNDED", "CANCELLED", "EXPIRED", "DEFAULTED"];

export function Financings() {
  const { query } = useLocation();
  const state = query.get("state") ?? "";
  const offset = Number(query.get("offset") ?? 0);
  const { data, error, loading } = useData(() => get<Page<Financing>>("/v1/financings", { state, limit: LIMIT, offset }), [state, offset]);
  return (
    <div>
      <PageTitle sub="E-commerce and export tax-rebate financings, released by the customs decisions on the ledger.">Financings</PageTitle>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state} onChange={(e) => navigate(`/financings?state=${(e.target as HTMLSelectElement).value}`)}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Problem error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        data && (
          <>
            <table class="list">
              <caption class="visually-hidden">Financings</caption>
              <thead>
                <tr>
                  <th scope="col">Financing</th>
                  <th scope="col">Product</th>
                  <th scope="col">Shipment</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Amount (HKD)
                  </th>
                  <th scope="col" class="num">
                    Outstanding
                  </th>
                  <th scope="col">Requested</th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((f) => (
                  <tr key={f.financingId}>
                    <td>
                      <a href={`/financings/${f.financingId}`}>#{f.financingId}</a>
                    </td>
                    <td>{label(f.product)}</td>
                    <td>
                      <Hash value={f.shipmentId} href={`/shipments/${f.shipmentId}`} />
                    </td>
                    <td>
                      <Badge value={f.state} />
                    </td>
                    <td class="num">{amount(f.amount)}</td>
                    <td class="num">{amount(f.outstanding)}</td>
                    <td>{when(f.requestedAt)}</td>
                  </tr>
                ))}
                {data.data.length === 0 && (
                  <tr>
                    <td colSpan={7} class="muted">
                      No financing{state ? ` ${label(state).toLowerCase()}` : ""}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager total={data.total} limit={LIMIT} offset={offset} onPage={(o) => navigate(`/financings?state=${state}&offset=${o}`)} />
          </>
        )
      )}
    </div>
  );
}

const PATH = ["REQUESTED", "OFFERED", "ACCEPTED", "FUNDED", "RELEASED", "REPAID"];
/** ``ITradeFinanceEscrow.FinancingState``, as ``FinancingStateChanged`` numbers it. */
const ENUM = ["NONE", "REQUESTED", "OFFERED", "ACCEPTED", "FUNDED", "RELEASED", "REPAID", "REFUNDED", "DEFAULTED", "EXPIRED", "CANCELLED"];

function Timeline({ f }: { f: Financing }) {
  const events = f.events ?? [];
  const entered = new Map<string, number | null>();
  const requested = events.find((e) => e.event === "FinancingRequested");
  if (requested) entered.set("REQUESTED", requested.blockTimestamp);
  for (const e of events) {
    if (e.event === "FinancingStateChanged") {
      const state = ENUM[Number(e.args.state)] ?? String(e.args.state);
      if (!entered.has(state)) entered.set(state, e.blockTimestamp);
    }
  }
  const ending = !PATH.includes(f.state);
  const steps = ending ? [...PATH.filter((s) => entered.has(s)), f.state] : PATH;
  return (
    <ol class="timeline" aria-label="Financing timeline">
      {steps.map((state) => {
        const done = entered.has(state) || (!ending && PATH.indexOf(state) <= PATH.indexOf(f.state));
        return (
          <li key={state} class={`tl ${done ? (ending && state === f.state ? "ended" : "done") : "todo"}`}>
            <span class="tl-dot" aria-hidden="true" />
            <span class="tl-label">{label(state)}</span>
            <span class="tl-detail">{entered.has(state) ? when(entered.get(state)) : done ? "" : <span class="muted">not yet</span>}</span>
          </li>
        );
      })}
    </ol>
  );
}

function Amounts({ f }: { f: Financing }) {
  const rows: [string, string | null][] = [
    ["Principal", f.amount],
    ["Funded", f.funded],
    ["Released to the exporter", f.released],
    ["Due (principal and fee)", f.due],
    ["Repaid", f.repaid],
    ["Outstanding", f.outstanding],
    ["Refunded to the financier", f.refunded],
  ];
  const top = rows.reduce((m, [, v]) => (v && BigInt(v) > m ? BigInt(v) : m), 1n);
  return (
    <table class="list amounts">
      <caption class="visually-hidden">Amounts in HKD</caption>
      <tbody>
        {rows.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td class="num">{amount(value)}</td>
            <td class="bar-cell" aria-hidden="true">
              <span class="wtrack">
                <span class="wfill declared" style={{ width: `${value ? Number((BigInt(value) * 1000n) / top) / 10 : 0}%` }} />
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Offer({ f, onDone }: { f: Financing; onDone: () => void }) {
  const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const [principal, setPrincipal] = useState("50000.00");
  const [fee, setFee] = useState("150");
  const [condition, setCondition] = useState(f.product === "TAX_REBATE" ? "CLEARED" : "EXPORT_APPROVED");
  const [fundBy, setFundBy] = useState(days(2));
  const [releaseBy, setReleaseBy] = useState(days(14));
  const [maturity, setMaturity] = useState(days(90));
  const iso = (d: string) => new Date(`${d}T23:59:00Z`).toISOString();
  return (
    <Action
      title="Offer terms"
      path={`/v1/financings/${f.financingId}/offers`}
      onDone={onDone}
      body={() => ({
        amount: Math.round(Number(principal) * 100),
        feeBps: Number(fee),
        condition,
        fundBy: iso(fundBy),
        releaseBy: iso(releaseBy),
        maturity: iso(maturity),
      })}
    >
      <label>
        Principal (HKD)
        <input required inputMode="decimal" pattern="\d+(\.\d{1,2})?" value={principal} onInput={(e) => setPrincipal((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Fee (basis points)
        <input required type="number" min={0} max={2000} value={fee} onInput={(e) => setFee((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Released when
        <select value={condition} onChange={(e) => setCondition((e.target as HTMLSelectElement).value)}>
          {f.product !== "TAX_REBATE" && <option value="EXPORT_APPROVED">origin customs approved the export</option>}
          <option value="CLEARED">both customs cleared the goods</option>
        </select>
      </label>
      <label>
        Fund by
        <input type="date" required value={fundBy} onInput={(e) => setFundBy((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Release by
        <input type="date" required value={releaseBy} onInput={(e) => setReleaseBy((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Maturity
        <input type="date" required value={maturity} onInput={(e) => setMaturity((e.target as HTMLInputElement).value)} />
      </label>
    </Action>
  );
}

/** An allowance for the escrow, then the payment: two transactions, one progress list. */
function Pay({ title, amountMinor, path, body, onDone }: { title: string; amountMinor: string; path: string; body: unknown; onDone: () => void }) {
  const session = useSession();
  const { steps, error, busy, run } = useWrite(onDone);
  const [first, setFirst] = useState<Step[]>([]);
  return (
    <form
      class="action"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        setFirst([]);
        void run(async (report) => {
          await perform(session, "POST", "/v1/settlement-allowances", { amount: Number(amountMinor) }, setFirst, { label: `allow the escrow ${amount(amountMinor)} HKD` });
          await perform(session, "POST", path, body, report, { label: title.toLowerCase() });
        }, title);
      }}
    >
      <fieldset disabled={busy}>
        <legend>{title}</legend>
        <p class="small">
          Two transactions: the escrow's allowance of {amount(amountMinor)} HKD, then the payment.
        </p>
        <button type="submit" class="primary">
          {title}
        </button>
      </fieldset>
      <Progress steps={first} />
      <Progress steps={steps} />
      <Problem error={error} />
    </form>
  );
}

export function FinancingPage({ id }: { id: string }) {
  const session = useSession();
  const { data, error, reload } = useData(() => get<Financing>(`/v1/financings/${id}`), [id]);
  if (error) return <Problem error={error} />;
  if (!data) return <Loading />;
  const f = data;
  const me = session.member;
  const exporter = me === f.exporter;
  const financier = me === f.financier || (f.state === "REQUESTED" && hasRole(session, "FINANCIER"));
  const base = `/v1/financings/${f.financingId}`;
  return (
    <div>
      <PageTitle sub={<>Shipment <Hash value={f.shipmentId} href={`/shipments/${f.shipmentId}`} /> · exporter <Hash value={f.exporter} /> · financier <Hash value={f.financier} /></>}>
        Financing #{f.financingId}: {label(f.product)} <Badge value={f.state} />
      </PageTitle>
      <Section title="Timeline" id="timeline">
        <Timeline f={f} />
        <p class="small muted">
          Fund by {when(f.fundBy)} · release by {when(f.releaseBy)} · maturity {when(f.maturity)}
          {f.condition && <> · released when {f.condition === "CLEARED" ? "both customs cleared the goods" : "origin customs approved the export"}</>}
          {f.feeBps !== null && <> · fee {(f.feeBps / 100).toFixed(2)} %</>}
        </p>
      </Section>
      <Section title="Amounts (HKD)" id="amounts">
        <Amounts f={f} />
      </Section>
      <Section title="Next steps" id="actions">
        {!exporter && !financier && me !== f.financier && !["FUNDED", "RELEASED"].includes(f.state) && (
          <p class="muted">Nothing for you to do here: the exporter, the financier and (to repay) the consignee act on a financing.</p>
        )}
        {f.state === "REQUESTED" && financier && <Offer f={f} onDone={reload} />}
        {f.state === "OFFERED" && exporter && <Action title="Accept the terms" path={`${base}/acceptance`} body={() => undefined} onDone={reload} />}
        {(f.state === "REQUESTED" || f.state === "OFFERED") && (exporter || me === f.financier) && (
          <Action title="Cancel the financing" tone="danger" path={`${base}/cancellation`} body={() => undefined} onDone={reload} />
        )}
        {f.state === "ACCEPTED" && me === f.financier && f.amount && <Pay title="Fund the financing" amountMinor={f.amount} path={`${base}/funding`} body={undefined} onDone={reload} />}
        {f.state === "FUNDED" && (
          <>
            <Action title="Release the funds" path={`${base}/release`} body={() => undefined} onDone={reload}>
              <p class="small">Anyone may release once the condition holds on the ledger; the chain says what is missing otherwise.</p>
            </Action>
            <Action title="Refund the financier" tone="danger" path={`${base}/refund`} body={() => undefined} onDone={reload}>
              <p class="small">Only after the release deadline.</p>
            </Action>
          </>
        )}
        {f.state === "RELEASED" && f.outstanding && (exporter || hasRole(session, "CONSIGNEE")) && (
          <Pay title="Repay" amountMinor={f.outstanding} path={`${base}/repayments`} body={{ amount: Number(f.outstanding) }} onDone={reload} />
        )}
        {(exporter || me === f.financier) && (
          <Action title="Withdraw my credited tokens" path="/v1/settlement-withdrawals" body={() => ({})} onDone={reload}>
            <p class="small">Released funds, refunds and repayments wait in the escrow until their owner withdraws them.</p>
          </Action>
        )}
      </Section>
      <Section title="Events" id="events">
        <table class="list">
          <caption class="visually-hidden">The financing's events on chain</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Block</th>
              <th scope="col">Transaction</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {(f.events ?? []).map((e) => (
              <tr key={`${e.blockNumber}-${e.logIndex}`}>
                <td>{e.event}</td>
                <td>{e.blockNumber}</td>
                <td>
                  <Hash value={e.transactionHash} />
                </td>
                <td>{when(e.blockTimestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}
