// Writes from the console, shown step by step until they are final: every write is an API operation
// (docs/api.md, "Writes are operations"). In the wallet the member signs and sends the operation's unsigned
// transaction itself (eth_sendTransaction: wallets such as MetaMask only sign by sending), and the console hands
// the hash back to the API, which checks it against the node and follows it. A custodial member may instead let
// the API sign with its key. Every check that can fail (wallet account, chain, a stale version) runs before
// anything is signed, so a refusal changes nothing.

import { ApiError, get, request } from "./api";
import type { Operation, Session } from "./types";
import * as wallet from "./wallet";

export type StepState = "active" | "done" | "failed";

export interface Step {
  key: string;
  label: string;
  state: StepState;
  detail?: string;
}

export type Report = (steps: Step[]) => void;

export type Signing = "wallet" | "custodial";

const PREFERENCE = "portlink.signing.";

/** How this member's writes are signed: in the wallet, unless it chose the API's custodial key. */
export function signingOf(session: Session): Signing {
  return session.custodial && localStorage.getItem(PREFERENCE + session.member) === "custodial" ? "custodial" : "wallet";
}

export function setSigning(session: Session, signing: Signing): void {
  localStorage.setItem(PREFERENCE + session.member, signing);
}

class Steps {
  private steps: Step[] = [];
  constructor(private readonly report: Report) {}

  start(key: string, label: string, detail?: string): void {
    this.steps = [...this.steps.filter((s) => s.key !== key), { key, label, state: "active", detail }];
    this.report(this.steps);
  }

  done(key: string, label?: string, detail?: string): void {
    this.steps = this.steps.map((s) => (s.key === key ? { ...s, state: "done", label: label ?? s.label, detail: detail ?? s.detail } : s));
    this.report(this.steps);
  }

  fail(detail: string): void {
    const active = this.steps.find((s) => s.state === "active");
    if (active) {
      this.steps = this.steps.map((s) => (s === active ? { ...s, state: "failed", detail } : s));
      this.report(this.steps);
    }
  }
}

const failed = (op: Operation) =>
  new ApiError(422, op.error?.type ?? "/problems/failed", op.error?.title ?? "Failed", op.error?.detail ?? "the operation failed", [], op.id);

/** Wait until the operation is final, then until the index has its block (so pages show the change). */
async function follow(op: Operation, steps: Steps): Promise<Operation> {
  steps.start("mined", "Waiting for the transaction to be mined", op.txHash ?? undefined);
  let current = op;
  const deadline = Date.now() + 180_000;
  while (current.status !== "Succeeded" && current.status !== "Failed") {
    if (Date.now() > deadline) throw new ApiError(504, "/problems/timeout", "Still pending", `operation ${op.id} is still pending: see Operations`);
    current = await get<Operation>(`/v1/operations/${op.id}`, { wait: 5 });
  }
  if (current.status === "Failed") {
    const error = failed(current);
    steps.fail(error.detail);
    throw error;
  }
  steps.done("mined", `Mined in block ${current.blockNumber}`, current.txHash ?? undefined);
  steps.start("indexed", "Waiting for the index to reach that block");
  while (Date.now() < deadline) {
    const health = await get<{ index: { checkpointBlock: number | null } }>("/v1/health");
    if ((health.index.checkpointBlock ?? -1) >= (current.blockNumber ?? 0)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  steps.done("indexed", "Indexed: the pages show it");
  return current;
}

/** Perform a write: ``method path`` with ``body`` as an operation, signed as ``signing`` says. */
export async function perform(
  session: Session,
  method: string,
  path: string,
  body: unknown,
  report: Report,
  options: { signing?: Signing; label?: string } = {},
): Promise<Operation> {
  const signing = options.signing ?? signingOf(session);
  const steps = new Steps(report);
  try {
    let from: `0x${string}` | null = null;
    if (signing === "wallet") {
      steps.start("wallet", "Checking your wallet's account and chain");
      from = await wallet.ready(session.member, session.chainId);
      steps.done("wallet", "Wallet ready", from);
    }
    steps.start("prepare", options.label ? `Preparing: ${options.label}` : "Preparing the transaction (simulated on the chain first)");
    const op = await request<Operation>(method, path, {
      body,
      query: { signing },
      idempotencyKey: crypto.randomUUID(),
    });
    steps.done("prepare", "Prepared: the chain accepts it");
    if (signing === "custodial") {
      return await follow(op, steps);
    }
    if (!op.unsignedTransaction || !from) throw new ApiError(500, "/problems/internal", "No transaction", "the API returned no transaction to sign");
    steps.start("sign", "Confirm the transaction in your wallet");
    const hash = await wallet.sendTransaction({ ...op.unsignedTransaction, from });
    steps.done("sign", "Signed and sent by your wallet", hash);
    const followed = await request<Operation>("POST", `/v1/operations/${op.id}/transaction`, { body: { transactionHash: hash } });
    return await follow(followed, steps);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    steps.fail(message);
    throw error;
  }
}

export interface TypedDecision {
  domain: Record<string, unknown>;
  types: Record<string, unknown>;
  primaryType: string;
  message: {
    declarationId: string;
    version: number;
    declarationDigest: string;
    port: string;
    decision: number;
    reasonCode: string;
    officer: string;
    nonce: number | string;
    deadline: number | string;
  };
}

/** An officer's EIP-712 customs decision on ``version`` (the one reviewed), signed in the wallet and relayed.
 * A newer version filed since the review, a wrong chain or a refusal stop it before anything is sent. */
export async function decide(
  session: Session,
  declarationId: string,
  reviewed: { version: number; port: string; decision: string; reasonCode: string },
  report: Report,
): Promise<Operation> {
  const steps = new Steps(report);
  try {
    steps.start("wallet", "Checking your wallet's account and chain");
    const from = await wallet.ready(session.member, session.chainId);
    steps.done("wallet", "Wallet ready", from);
    steps.start("typed", "Fetching the decision to sign");
    const typed = await get<TypedDecision>(`/v1/declarations/${declarationId}/decision-typed-data`, {
      port: reviewed.port,
      decision: reviewed.decision,
      reasonCode: reviewed.reasonCode,
    });
    if (typed.message.version !== reviewed.version) {
      throw new ApiError(
        409,
        "/problems/stale-version",
        "Declaration changed",
        `The declaration is now at version ${typed.message.version}, not version ${reviewed.version} that you reviewed: review it again. Nothing was signed.`,
      );
    }
    steps.done("typed", `Decision on version ${reviewed.version} ready`);
    steps.start("sign", "Sign the decision in your wallet (EIP-712)");
    const signature = await wallet.signTypedDataV4(from, typed);
    steps.done("sign", "Signed in your wallet");
    const m = typed.message;
    const body = {
      version: m.version,
      port: reviewed.port,
      decision: reviewed.decision,
      reasonCode: reviewed.reasonCode,
      signature,
      officer: m.officer,
      nonce: Number(m.nonce),
      deadline: Number(m.deadline),
      digest: m.declarationDigest,
    };
    // The API's relayer sends the signed decision when it has one (the officer pays no gas); a custodial officer's
    // own key can; otherwise the officer's wallet sends decideBySig itself.
    const signing: Signing = session.relayer || session.custodial ? "custodial" : "wallet";
    steps.start("relay", signing === "custodial" ? "Relaying the signed decision" : "Preparing the relay transaction");
    const op = await request<Operation>("POST", `/v1/declarations/${declarationId}/decisions`, {
      body,
      query: { signing },
      idempotencyKey: crypto.randomUUID(),
    });
    steps.done("relay", "Relayed: the chain accepts it");
    if (signing === "custodial") return await follow(op, steps);
    if (!op.unsignedTransaction) throw new ApiError(500, "/problems/internal", "No transaction", "the API returned no transaction");
    steps.start("send", "Confirm the relay transaction in your wallet");
    const hash = await wallet.sendTransaction({ ...op.unsignedTransaction, from });
    steps.done("send", "Sent by your wallet", hash);
    const followed = await request<Operation>("POST", `/v1/operations/${op.id}/transaction`, { body: { transactionHash: hash } });
    return await follow(followed, steps);
  } catch (error) {
    steps.fail(error instanceof Error ? error.message : String(error));
    throw error;
  }
}
