import type { ApprovalDefinition } from "./define-script.js";
import { formatDuration } from "./format-duration.js";
import { parseDuration } from "./parse-duration.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS, MAX_APPROVALS, MAX_WAIT_TIMEOUT_MS, type ApprovalDescription } from "./protocol.js";

const APPROVAL_OPTIONS = ["count", "timeout"];

/**
 * An `approval` as the worker and the UIs see it, its timeout filled in: `count` a whole
 * number from 1 to MAX_APPROVALS, `timeout` a duration up to 30 days. The SDK (at
 * defineScript/defineWorkflow) and the static reader (on the literal it read) both call this;
 * it throws an ApprovalOptionError naming the option.
 */
export function describeApproval(approval: ApprovalDefinition): ApprovalDescription {
  if (typeof approval !== "object" || approval === null || Array.isArray(approval))
    throw new ApprovalOptionError("", "approval must be an object like { count: 1 }");
  for (const key of Object.keys(approval)) {
    if (!APPROVAL_OPTIONS.includes(key)) throw new ApprovalOptionError(key, `approval has no option \`${key}\` (it has ${APPROVAL_OPTIONS.join(", ")})`);
  }
  const { count, timeout } = approval;
  if (!Number.isInteger(count) || count < 1 || count > MAX_APPROVALS) {
    throw new ApprovalOptionError(
      "count",
      `approval.count must be a whole number from 1 to ${MAX_APPROVALS} (how many people other than the one who asks approve each run), not ${JSON.stringify(count) ?? String(count)}`,
    );
  }
  if (timeout === undefined) return { count, timeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS };
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(timeout);
  } catch (error) {
    throw new ApprovalOptionError("timeout", `approval.timeout: ${(error as Error).message}`, { cause: error });
  }
  if (timeoutMs > MAX_WAIT_TIMEOUT_MS) {
    throw new ApprovalOptionError(
      "timeout",
      `approval.timeout ${JSON.stringify(timeout)} is longer than the longest wait, ${formatDuration(MAX_WAIT_TIMEOUT_MS)}`,
    );
  }
  return { count, timeoutMs };
}

/** What is wrong with an `approval`, and the option it is about ("" for the whole of it). */
export class ApprovalOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ApprovalOptionError";
  }
}
