// A test wallet for real Chromium: an EIP-1193 provider announced by EIP-6963, installed by an init script before any
// page script runs. It answers account and chain questions itself (like an extension would) and forwards everything
// else, including eth_sendTransaction and signing, to the local chain's unlocked accounts (anvil).
// Only for tests against a devnet: it holds no keys and would sign nothing on a public chain.

export const DEFAULT_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil account #0

/**
 * @param {import('playwright-core').BrowserContext} context
 * @param {{rpcUrl: string, chainId?: number, account?: string, name?: string}} opts
 */
export async function installWallet(
  context,
  { rpcUrl, chainId = 31337, account = DEFAULT_ACCOUNT, name = "E2E Wallet" },
) {
  await context.addInitScript(injectProvider, { rpcUrl, chainIdHex: `0x${chainId.toString(16)}`, account, name });
}

/** Runs inside the page (serialized by Playwright): must not reference anything outside itself. */
function injectProvider({ rpcUrl, chainIdHex, account, name }) {
  const listeners = {};
  const emit = (event, value) => {
    for (const fn of listeners[event] ?? []) fn(value);
  };
  let authorized = false;
  let nextId = 0;
  const calls = [];
  const provider = {
    isE2EWallet: true,
    async request({ method, params }) {
      calls.push(method);
      switch (method) {
        case "eth_requestAccounts":
          authorized = true;
          setTimeout(() => emit("accountsChanged", [account]));
          return [account];
        case "eth_accounts":
          // Like a real wallet: no accounts until the user has connected this site.
          return authorized ? [account] : [];
        case "eth_chainId":
          return chainIdHex;
        case "net_version":
          return String(Number.parseInt(chainIdHex, 16));
        case "wallet_requestPermissions":
          authorized = true;
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_getPermissions":
          return authorized ? [{ parentCapability: "eth_accounts" }] : [];
        case "wallet_revokePermissions":
          authorized = false;
          setTimeout(() => emit("accountsChanged", []));
          return null;
        case "wallet_switchEthereumChain": {
          const wanted = params?.[0]?.chainId;
          if (wanted && wanted.toLowerCase() !== chainIdHex) {
            throw Object.assign(new Error(`E2E wallet only knows chain ${chainIdHex}`), { code: 4902 });
          }
          return null;
        }
        default: {
          const res = await fetch(rpcUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: ++nextId, method, params: params ?? [] }),
          });
          const body = await res.json();
          if (body.error) throw Object.assign(new Error(body.error.message), body.error);
          return body.result;
        }
      }
    },
    on(event, fn) {
      if (!listeners[event]) listeners[event] = [];
      listeners[event].push(fn);
      return provider;
    },
    removeListener(event, fn) {
      listeners[event] = (listeners[event] ?? []).filter((f) => f !== fn);
      return provider;
    },
  };
  Object.defineProperty(window, "__e2eWalletCalls", { value: calls });
  window.ethereum = provider;
  const info = {
    uuid: "6f1c1f1e-0000-4000-8000-00000000e2e0",
    name,
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'%3E%3Crect width='1' height='1' fill='%230f766e'/%3E%3C/svg%3E",
    rdns: "dev.cohort.e2e-wallet",
  };
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}
