/**
 * Plain Beacon API requests for routes the @lodestar/api 1.46 client does not offer in the version older beacon
 * nodes serve (it speaks the newest route of each); bodies are SSZ JSON from @lodestar/types.
 */
import type { BeaconChain } from "./beacon.js";

export class BeaconRequestError extends Error {
  override readonly name = "BeaconRequestError";
}

export async function getJson<T>(chain: BeaconChain, path: string): Promise<T> {
  const res = await fetch(chain.url + path);
  if (!res.ok) {
    throw new BeaconRequestError(
      `beacon node refused GET ${path.split("?")[0]}: HTTP ${res.status} ${await text(res)}`,
    );
  }
  return (await res.json()) as T;
}

export async function postJson(
  chain: BeaconChain,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await fetch(chain.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new BeaconRequestError(`beacon node refused POST ${path}: HTTP ${res.status} ${await text(res)}`);
}

/**
 * Every member submits the same combined object, so all but the first meet a beacon node that already has it.
 * Lodestar answers those with an error naming the duplicate; for a committee that is success.
 */
export async function alreadyKnownIsFine(submission: Promise<void>): Promise<void> {
  try {
    await submission;
  } catch (e) {
    if (!(e instanceof Error && /ALREADY_KNOWN|ALREADY_EXISTS|Duplicate|already known/i.test(e.message))) throw e;
  }
}

const text = async (res: Response) => (await res.text()).slice(0, 300);
