import { APPROVAL_SIGNAL, MAX_WAIT_TIMEOUT_MS, SIGNAL_NAME, type StepWait } from "../sdk/protocol.js";

/**
 * Whether a step may wait for this: a well-formed signal name that is not the approvals' own,
 * a timeout within the limit, and no pull request or a real pull request number. Anything
 * else is a script lying to its worker (the SDK never sends it).
 */
export function isAllowedWait(wait: StepWait): boolean {
  const { signal, timeoutMs, pullRequest } = wait;
  if (!SIGNAL_NAME.test(signal) || signal === APPROVAL_SIGNAL) return false;
  if (!(timeoutMs > 0 && timeoutMs <= MAX_WAIT_TIMEOUT_MS)) return false;
  return pullRequest === null || (Number.isSafeInteger(pullRequest) && pullRequest > 0);
}
