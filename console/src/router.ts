// Pages are real paths (/shipments/0x…) served by the API's console route; links move with the History API.
import { useEffect, useState } from "preact/hooks";

const CHANGE = "portlink:navigate";

/** Whether a page was opened inside the console (then its heading takes the focus, for screen readers); on a
 * fresh load the focus stays at the top, where the skip link is. */
export const opened = { inApp: false };

export function navigate(path: string, replace = false): void {
  if (path === location.pathname + location.search) return;
  opened.inApp = true;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(CHANGE));
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({ path: location.pathname, query: new URLSearchParams(location.search) });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return where;
}

/** Follow same-origin link clicks without reloading the page (modifier keys still open new tabs). */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element).closest?.("a");
    if (!link || link.target || link.hasAttribute("download") || link.origin !== location.origin) return;
    if (link.pathname.startsWith("/v1/") || link.pathname.startsWith("/docs")) return;
    if (link.hash && link.pathname === location.pathname) return; // an anchor in this page (the skip link)
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
}

/** ``/shipments/:id`` against ``/shipments/0xab…``: the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const have = (path.length > 1 ? path.replace(/\/+$/, "") : path).split("/");
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}
