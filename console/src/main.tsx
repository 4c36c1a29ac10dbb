// The PortLink console: the shell (navigation by the member's roles, the session) and the page routes.
import "@fontsource-variable/inter/wght.css";
import "@fontsource/jetbrains-mono/latin-400.css";
import "./styles.css";

import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, request, SESSION_LOST } from "./api";
import { DoneBanner, hasRole, oversight, SessionContext } from "./components/ui";
import { short } from "./format";
import { setSigning, signingOf } from "./operations";
import { Alerts } from "./pages/Alerts";
import { Audit } from "./pages/Audit";
import { Consortium } from "./pages/Consortium";
import { DeclarationReview } from "./pages/DeclarationReview";
import { FinancingPage, Financings } from "./pages/Financings";
import { Inbox } from "./pages/Inbox";
import { Overview } from "./pages/Overview";
import { ShipmentPage } from "./pages/Shipment";
import { Shipments } from "./pages/Shipments";
import { SignIn } from "./pages/SignIn";
import { interceptLinks, match, navigate, useLocation } from "./router";
import type { Session } from "./types";

interface Route {
  path: string;
  title: string;
  page: (params: Record<string, string>) => preact.JSX.Element;
  nav?: (s: Session) => boolean;
}

const everyone = () => true;

const ROUTES: Route[] = [
  { path: "/", title: "Overview", page: () => <Overview />, nav: everyone },
  { path: "/shipments", title: "Shipments", page: () => <Shipments />, nav: everyone },
  { path: "/shipments/:id", title: "Shipment", page: (p) => <ShipmentPage id={p.id} /> },
  { path: "/inbox", title: "Inbox", page: () => <Inbox />, nav: (s) => hasRole(s, "CUSTOMS") },
  { path: "/declarations/:id", title: "Declaration", page: (p) => <DeclarationReview id={p.id} /> },
  {
    path: "/alerts",
    title: "Alerts",
    page: () => <Alerts />,
    nav: (s) => oversight(s) || ["SHIPPER", "CARRIER", "CONSIGNEE", "IOT_GATEWAY", "TERMINAL"].some((r) => hasRole(s, r)),
  },
  {
    path: "/financings",
    title: "Financings",
    page: () => <Financings />,
    nav: (s) => oversight(s) || ["SHIPPER", "CONSIGNEE", "FINANCIER", "TAX_AUTHORITY"].some((r) => hasRole(s, r)),
  },
  { path: "/financings/:id", title: "Financing", page: (p) => <FinancingPage id={p.id} /> },
  { path: "/consortium", title: "Consortium", page: () => <Consortium />, nav: everyone },
  { path: "/audit", title: "Audit", page: () => <Audit />, nav: oversight },
  { path: "/audit/:id", title: "Audit", page: (p) => <Audit id={p.id} /> },
];

function NotFound() {
  return (
    <div>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{location.pathname}</code>. <a href="/">Back to the overview</a>.
      </p>
    </div>
  );
}

function Shell({ session, onSignOut, refresh }: { session: Session; onSignOut: () => void; refresh: () => void }) {
  const { path } = useLocation();
  const [menu, setMenu] = useState(false);
  const found = useMemo(() => {
    for (const route of ROUTES) {
      const params = match(route.path, path);
      if (params) return { route, params };
    }
    return null;
  }, [path]);
  useEffect(() => {
    document.title = `${found?.route.title ?? "Not found"} · PortLink`;
    setMenu(false);
  }, [path]);
  const [signing, setSigningState] = useState(signingOf(session));
  const roles = session.roles.map((r) => (r.port ? `${r.role}@${r.port}` : r.role));
  const context = useMemo(() => ({ session, refresh }), [session, refresh]);
  return (
    <SessionContext.Provider value={context}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          <span class="logo" aria-hidden="true">
            ⚓
          </span>{" "}
          PortLink
        </a>
        <button type="button" class="menu-button" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <div class="who">
          <span class="member" title={session.member}>
            <strong>{session.name}</strong> <span class="mono">{short(session.member, 4)}</span>
          </span>
          <span class="roles">{roles.length ? roles.join(", ") : "no role"}</span>
          {session.custodial && (
            <label class="signing">
              Sign with{" "}
              <select
                value={signing}
                onChange={(e) => {
                  const value = (e.target as HTMLSelectElement).value as "wallet" | "custodial";
                  setSigning(session, value);
                  setSigningState(value);
                }}
              >
                <option value="wallet">my wallet</option>
                <option value="custodial">PortLink's custodial key</option>
              </select>
            </label>
          )}
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div class="layout">
        <nav id="nav" class={menu ? "open" : ""} aria-label="Pages">
          <ul>
            {ROUTES.filter((r) => r.nav?.(session)).map((r) => {
              const current = r.path === "/" ? path === "/" : path.startsWith(r.path);
              return (
                <li key={r.path}>
                  <a href={r.path} aria-current={current ? "page" : undefined}>
                    {r.title}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <DoneBanner key={path} />
          {found ? found.route.page(found.params) : <NotFound />}
        </main>
      </div>
    </SessionContext.Provider>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [lost, setLost] = useState<string | null>(null);
  const load = useCallback(() => {
    request<Session>("GET", "/v1/session", { quiet401: true }).then(setSession, (e) => {
      if (!(e instanceof ApiError && e.status === 401)) setLost(e instanceof Error ? e.message : String(e));
      setSession(null);
    });
  }, []);
  useEffect(load, []);
  useEffect(() => {
    const onLost = (event: Event) => {
      const error = (event as CustomEvent<ApiError>).detail;
      setLost(error.detail);
      setSession(null);
    };
    window.addEventListener(SESSION_LOST, onLost);
    return () => window.removeEventListener(SESSION_LOST, onLost);
  }, []);
  const signOut = useCallback(async () => {
    try {
      await request("DELETE", "/v1/session");
    } finally {
      setLost(null);
      setSession(null);
      navigate("/");
    }
  }, []);
  if (session === undefined) return <p class="boot">Loading the PortLink console…</p>;
  if (session === null)
    return (
      <SignIn
        reason={lost}
        onSignedIn={(s) => {
          setLost(null);
          setSession(s);
        }}
      />
    );
  return <Shell session={session} onSignOut={signOut} refresh={load} />;
}

interceptLinks();
render(<App />, document.getElementById("app") as HTMLElement);
