// Small building blocks shared by the pages: data loading, problems, progress of a write, pagers, hashes.
import type { ComponentChildren } from "preact";
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { label, short } from "../format";
import { opened } from "../router";
import type { Step } from "../operations";
import type { Session } from "../types";
import { WalletError } from "../wallet";

export const SessionContext = createContext<{ session: Session; refresh: () => void } | null>(null);

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("no session");
  return value.session;
}

export function hasRole(session: Session, role: string, port?: string): boolean {
  return session.roles.some((r) => r.role === role && (port === undefined || r.port === null || r.port === port));
}

export function portsOf(session: Session, role: string): string[] {
  return session.roles.filter((r) => r.role === role && r.port).map((r) => r.port as string);
}

export const oversight = (session: Session) => hasRole(session, "CUSTOMS") || hasRole(session, "AUDITOR");

/** Load with ``fetcher`` whenever ``deps`` change; ``reload`` fetches again. */
export function useData<T>(fetcher: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fetcher().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="muted" role="status">
      {what}…
    </p>
  );
}

/** A problem from the API or the wallet, said plainly, with the fields it names. */
export function Problem({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  let heading = title ?? "Something went wrong";
  let detail = String(error);
  let fields: { field: string; message: string }[] = [];
  if (error instanceof ApiError) {
    if (error.status === 403) heading = title ?? "Not allowed";
    else if (error.status === 404) heading = title ?? "Not found";
    else if (error.status === 401) heading = "Signed out";
    else if (error.status === 409) heading = title ?? "Refused: the state does not allow it";
    detail = error.detail;
    fields = error.errors.filter((f) => f.message !== error.detail);
  } else if (error instanceof WalletError) {
    heading = error.kind === "refused" ? "Refused in your wallet" : error.kind === "chain" ? "Wrong chain in your wallet" : "Wallet";
    detail = error.message;
  } else if (error instanceof Error) {
    detail = error.message;
  }
  return (
    <div class="problem" role="alert">
      <strong>{heading}.</strong> {detail}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The steps of a write, live. */
export function Progress({ steps }: { steps: Step[] }) {
  if (!steps.length) return null;
  return (
    <ol class="steps" aria-live="polite" aria-label="Progress">
      {steps.map((s) => (
        <li key={s.key} class={`step ${s.state}`}>
          <span class="mark" aria-hidden="true">
            {s.state === "done" ? "✓" : s.state === "failed" ? "✕" : "…"}
          </span>
          <span>
            {s.label}
            {s.state === "failed" ? " — failed" : ""}
            {s.detail && <small class="mono"> {s.detail.startsWith("0x") ? short(s.detail, 10) : s.detail}</small>}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** Fired after a write is final; the shell shows it above the page (the form that made it may be gone). */
export const WRITE_DONE = "portlink:write-done";

export interface Done {
  title: string;
  steps: Step[];
}

/** A write's form state: run it, show progress and its problem, call ``done`` after success. */
export function useWrite(done?: () => void) {
  const [steps, setSteps] = useState<Step[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (action: (report: (s: Step[]) => void) => Promise<unknown>, title = "Done") => {
      setBusy(true);
      setError(null);
      setSteps([]);
      let last: Step[] = [];
      const report = (s: Step[]) => {
        last = s;
        setSteps(s);
      };
      try {
        await action(report);
        window.dispatchEvent(new CustomEvent<Done>(WRITE_DONE, { detail: { title, steps: last } }));
        done?.();
        return true;
      } catch (e) {
        setError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [done],
  );
  return { steps, error, busy, run };
}

/** The last write that became final, until the next page or a dismissal. */
export function DoneBanner() {
  const [done, setDone] = useState<Done | null>(null);
  useEffect(() => {
    const on = (event: Event) => setDone((event as CustomEvent<Done>).detail);
    window.addEventListener(WRITE_DONE, on);
    return () => window.removeEventListener(WRITE_DONE, on);
  }, []);
  if (!done) return <div role="status" aria-live="polite" class="visually-hidden" />;
  const mined = done.steps.find((s) => s.key === "mined");
  return (
    <div class="done-banner" role="status" aria-live="polite">
      <span>
        ✓ <strong>{done.title}</strong>
        {mined ? ` — ${mined.label.toLowerCase()}` : ""}. {done.steps.at(-1)?.label}.
      </span>
      <button type="button" class="link" onClick={() => setDone(null)}>
        Dismiss
      </button>
    </div>
  );
}

export function Badge({ value, tone }: { value: string; tone?: string }) {
  const t =
    tone ??
    (/CLEARED|APPROVE|REPAID|RESOLVED|GATED_OUT|ACTIVE|SUCCEEDED/.test(value)
      ? "good"
      : /REJECT|HELD|OPEN|DEFAULTED|FAILED|HOLD|REFUNDED|CANCELLED/.test(value)
        ? "bad"
        : "neutral");
  return <span class={`badge ${t}`}>{label(value)}</span>;
}

/** A hash or address: shortened, the full value in the title and for copying. */
export function Hash({ value, href }: { value: string | null | undefined; href?: string }) {
  if (!value) return <span class="muted">—</span>;
  const text = <span class="mono" title={value}>{short(value)}</span>;
  return href ? <a href={href}>{text}</a> : text;
}

export function Pager({ total, limit, offset, onPage }: { total: number; limit: number; offset: number; onPage: (offset: number) => void }) {
  if (total <= limit) return <p class="muted small">{total} in all</p>;
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.ceil(total / limit);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
        ← Previous
      </button>
      <span>
        Page {page} of {pages} ({total} in all)
      </span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onPage(offset + limit)}>
        Next →
      </button>
    </nav>
  );
}

export function Section({ title, children, id, actions }: { title: string; children: ComponentChildren; id?: string; actions?: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={id ? `${id}-title` : undefined}>
      <div class="card-head">
        <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** The page's main heading, focused when the page opens (screen readers announce the new page). */
export function PageTitle({ children, sub }: { children: ComponentChildren; sub?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (opened.inApp) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <header class="page-head">
      <h1 tabIndex={-1} ref={ref}>
        {children}
      </h1>
      {sub && <p class="muted">{sub}</p>}
    </header>
  );
}
