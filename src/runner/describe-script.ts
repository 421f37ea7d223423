import type { ScriptDescription } from "../sdk/protocol.js";
import { isSdkBundle } from "./bundle-script.js";
import { runScript } from "./run-script.js";

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * What an SDK script declares (description, inputs, concurrency, timeout), by running its
 * bundle in describe mode (CHOREBOT_DESCRIBE=1): the SDK runtime reports the definition and
 * exits without calling `run`. Importing the module still runs the script's top-level code,
 * so an SDK script's top-level code must not touch production (keep the work in `run`).
 *
 * Null for a plain script, which is never run here (it would do its work): only a bundle
 * that `bundleScript` made with the SDK (`usesSdk`) is. Null too when the script did not
 * describe itself (its top-level code threw, it timed out): running it would fail the same way.
 */
export async function describeScript(o: {
  code: string;
  cwd: string;
  env: Record<string, string>;
  /** Default 10 s. */
  timeoutMs?: number;
}): Promise<ScriptDescription | null> {
  if (!isSdkBundle(o.code)) return null;
  const result = await runScript({
    code: o.code,
    cwd: o.cwd,
    env: o.env,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    describe: true,
    // The output is not kept; bound what a noisy top level costs.
    maxOutputBytes: 64 * 1024,
    killGraceMs: 1000,
  });
  return result.report?.description ?? null;
}
