// The member's own wallet, through EIP-1193 (any injected provider: announced by EIP-6963, or window.ethereum).
// viem speaks to it; the console never sees a key. A wallet's refusal, a wrong chain or a wrong account become
// a WalletError whose message says what happened and that nothing was sent.

import { type EIP1193Provider, createWalletClient, custom, getAddress, numberToHex, type WalletClient } from "viem";

export class WalletError extends Error {
  constructor(
    message: string,
    readonly kind: "none" | "refused" | "chain" | "account" | "busy" | "failed",
    readonly chainId?: number,
  ) {
    super(message);
  }
}

interface Announced {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: EIP1193Provider;
}

const announced = new Map<string, Announced>();
window.addEventListener("eip6963:announceProvider", (event: Event) => {
  const detail = (event as CustomEvent<Announced>).detail;
  if (detail?.provider) announced.set(detail.info.uuid, detail);
});
window.dispatchEvent(new Event("eip6963:requestProvider"));

/** The wallets found in this browser (EIP-6963 announcements, else window.ethereum). */
export function wallets(): { id: string; name: string; provider: EIP1193Provider }[] {
  const found = [...announced.values()].map((a) => ({ id: a.info.uuid, name: a.info.name, provider: a.provider }));
  const injected = (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
  if (injected && !found.some((w) => w.provider === injected)) {
    found.push({ id: "injected", name: "Browser wallet", provider: injected });
  }
  return found;
}

let chosen: EIP1193Provider | null = null;

export function choose(provider: EIP1193Provider): void {
  chosen = provider;
}

function provider(): EIP1193Provider {
  const p = chosen ?? wallets()[0]?.provider;
  if (!p) {
    throw new WalletError(
      "No wallet found in this browser: install a wallet such as MetaMask or Rabby, then reload the page.",
      "none",
    );
  }
  return p;
}

function client(): WalletClient {
  return createWalletClient({ transport: custom(provider()) });
}

/** A provider error as a message a person understands; nothing was sent in any of these cases. */
export function walletError(error: unknown): WalletError {
  if (error instanceof WalletError) return error;
  const e = error as { code?: number; cause?: { code?: number }; shortMessage?: string; message?: string };
  const code = e.code ?? e.cause?.code;
  if (code === 4001) return new WalletError("You refused the request in your wallet: nothing was signed or sent.", "refused");
  if (code === 4100) return new WalletError("The wallet did not allow this site to use the account: connect it first.", "account");
  if (code === -32002) return new WalletError("Your wallet already shows a request: finish or close it first.", "busy");
  if (code === 4902) return new WalletError("Your wallet does not know PortLink's chain: add it in the wallet first.", "chain");
  return new WalletError(`The wallet failed: ${e.shortMessage ?? e.message ?? String(error)}`, "failed");
}

async function call<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw walletError(error);
  }
}

/** The wallet's selected account (asks the wallet to connect this site if needed). */
export async function account(): Promise<`0x${string}`> {
  const [first] = await call(() => client().requestAddresses());
  if (!first) throw new WalletError("The wallet shared no account with this site.", "account");
  return getAddress(first);
}

export async function chainId(): Promise<number> {
  return call(() => client().getChainId());
}

export async function switchChain(id: number): Promise<void> {
  await call(() => client().request({ method: "wallet_switchEthereumChain", params: [{ chainId: numberToHex(id) }] }));
}

/** Checks before anything is signed: the wallet's account is the signed-in member and it is on PortLink's chain. */
export async function ready(member: string, expectedChain: number): Promise<`0x${string}`> {
  const address = await account();
  if (address.toLowerCase() !== member.toLowerCase()) {
    throw new WalletError(
      `Your wallet's account ${address} is not the signed-in member ${member}: switch accounts in the wallet.`,
      "account",
    );
  }
  const current = await chainId();
  if (current !== expectedChain) {
    throw new WalletError(
      `Your wallet is on chain ${current}, but PortLink runs on chain ${expectedChain}: switch chains in the wallet. Nothing was signed.`,
      "chain",
      current,
    );
  }
  return address;
}

export async function personalSign(address: `0x${string}`, message: string): Promise<`0x${string}`> {
  return call(() => client().signMessage({ account: address, message }));
}

/** eth_signTypedData_v4 of exactly the document the API returned (the wallet shows its fields). */
export async function signTypedDataV4(address: `0x${string}`, document: unknown): Promise<`0x${string}`> {
  return call(() =>
    client().request({ method: "eth_signTypedData_v4", params: [address, JSON.stringify(document)] }),
  ) as Promise<`0x${string}`>;
}

/** eth_sendTransaction of an operation's unsigned transaction: the wallet signs and sends it (it may pick its
 * own nonce and fees); the hash comes back. */
export async function sendTransaction(tx: {
  from: string;
  to: string;
  data: string;
  gas: number;
  maxFeePerGas: number;
  maxPriorityFeePerGas: number;
}): Promise<`0x${string}`> {
  return call(() =>
    client().request({
      method: "eth_sendTransaction",
      params: [
        {
          from: tx.from as `0x${string}`,
          to: tx.to as `0x${string}`,
          data: tx.data as `0x${string}`,
          value: "0x0",
          gas: numberToHex(tx.gas),
          maxFeePerGas: numberToHex(tx.maxFeePerGas),
          maxPriorityFeePerGas: numberToHex(tx.maxPriorityFeePerGas),
        },
      ],
    }),
  );
}

/** Reload the page's state when the wallet changes account or chain (the session stays bound to its member). */
export function onChange(listener: () => void): () => void {
  const p = wallets()[0]?.provider;
  if (!p?.on) return () => undefined;
  p.on("accountsChanged", listener);
  p.on("chainChanged", listener);
  return () => {
    p.removeListener?.("accountsChanged", listener);
    p.removeListener?.("chainChanged", listener);
  };
}
