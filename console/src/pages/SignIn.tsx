// Sign-In with Ethereum (EIP-4361): the API hands out a nonce, the domain and the chain; the wallet signs the
// message viem builds from them; the API checks it and sets the session cookie.
import { useState } from "preact/hooks";
import { createSiweMessage } from "viem/siwe";
import { request } from "../api";
import { Problem, Progress, useWrite } from "../components/ui";
import type { Step } from "../operations";
import type { Challenge, Session } from "../types";
import * as wallet from "../wallet";
import { WalletError } from "../wallet";

export function SignIn({ reason, onSignedIn }: { reason: string | null; onSignedIn: (s: Session) => void }) {
  const { steps, error, busy, run } = useWrite();
  const [wrongChain, setWrongChain] = useState<{ have: number; want: number } | null>(null);
  const found = wallet.wallets();
  const [choice, setChoice] = useState(found[0]?.id ?? "");

  const signIn = () =>
    run(async (report: (s: Step[]) => void) => {
      setWrongChain(null);
      const provider = found.find((w) => w.id === choice)?.provider;
      if (provider) wallet.choose(provider);
      const step = (s: Step[]) => report(s);
      const done: Step[] = [];
      const show = (key: string, label: string, state: Step["state"], detail?: string) => {
        const i = done.findIndex((s) => s.key === key);
        const next = { key, label, state, detail };
        if (i >= 0) done[i] = next;
        else done.push(next);
        step([...done]);
      };
      try {
        show("connect", "Connecting to your wallet", "active");
        const address = await wallet.account();
        show("connect", "Wallet connected", "done", address);
        show("nonce", "Asking PortLink for a sign-in nonce", "active");
        const challenge = await request<Challenge>("POST", "/v1/session/nonce");
        show("nonce", `Nonce for ${challenge.domain} on chain ${challenge.chainId}`, "done");
        const current = await wallet.chainId();
        if (current !== challenge.chainId) {
          setWrongChain({ have: current, want: challenge.chainId });
          throw new WalletError(
            `Your wallet is on chain ${current}, but PortLink runs on chain ${challenge.chainId}: switch chains, then sign in. Nothing was signed.`,
            "chain",
            current,
          );
        }
        const message = createSiweMessage({
          address,
          chainId: challenge.chainId,
          domain: challenge.domain,
          nonce: challenge.nonce,
          uri: location.origin,
          version: "1",
          statement: challenge.statement,
          issuedAt: new Date(),
          expirationTime: new Date(challenge.sessionExpiresAt * 1000),
        });
        show("sign", "Sign the sign-in message in your wallet", "active");
        const signature = await wallet.personalSign(address, message);
        show("sign", "Signed", "done");
        show("session", "Checking the signature and your membership", "active");
        const session = await request<Session>("POST", "/v1/session", { body: { message, signature }, quiet401: true });
        show("session", `Signed in as ${session.name}`, "done");
        onSignedIn(session);
      } catch (e) {
        const active = done.find((s) => s.state === "active");
        if (active) show(active.key, active.label, "failed", e instanceof Error ? e.message : String(e));
        throw e;
      }
    });

  const switchChain = () =>
    run(async () => {
      if (!wrongChain) return;
      await wallet.switchChain(wrongChain.want);
      setWrongChain(null);
    });

  return (
    <main id="main" class="sign-in">
      <div class="sign-in-card">
        <h1>
          <span aria-hidden="true">⚓</span> PortLink console
        </h1>
        <p>
          Ports, customs, terminals, carriers, shippers, banks and auditors of the Greater Bay Area clear cargo and
          finance trade on one shared ledger. Sign in with the wallet of your consortium account: you sign a message
          (no transaction, no gas), and what you see follows your roles on chain.
        </p>
        {reason && (
          <p class="notice" role="status">
            {reason.includes("expired") ? "Your session expired" : "You are signed out"}: {reason}
          </p>
        )}
        {found.length > 1 && (
          <label>
            Wallet{" "}
            <select value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
              {found.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {found.length === 0 && (
          <p class="problem" role="alert">
            No wallet found in this browser: install a wallet such as MetaMask or Rabby, then reload this page.
          </p>
        )}
        <button type="button" class="primary" disabled={busy || found.length === 0} onClick={signIn}>
          Sign in with Ethereum
        </button>
        {wrongChain && (
          <button type="button" onClick={switchChain} disabled={busy}>
            Switch the wallet to chain {wrongChain.want}
          </button>
        )}
        <Progress steps={steps} />
        <Problem error={error} title="Sign-in failed" />
        <p class="muted small">
          Systems use API keys instead (<a href="/docs">API documentation</a>).
        </p>
      </div>
    </main>
  );
}
