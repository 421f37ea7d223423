import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunDecision } from "../run-types.js";
import type { RunStatus, RunTrigger } from "../run-types.js";
import type { StepStanding, WorkflowOutcome } from "../sdk/workflow-outcome.js";

/** What a run's result URL receives: one JSON object per run attempt. */
export interface RunResultPayload {
  run_id: string;
  attempt: number;
  repository: string;
  script: string;
  commit: string;
  status: RunStatus;
  exit_code: number | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /** What the SDK script's `run` returned (JSON); null when none. */
  result: unknown;
  log_url: string;
  /** How the run was started: `merge` for a merged script, `ui` for a chore a person ran. */
  trigger: RunTrigger;
  /** The GitHub login of who asked for a chore run; null for a merged script. */
  requested_by: string | null;
  /** For a workflow: how it ended (judgeWorkflow's verdict), the step that failed, and where each declared step stands. Absent for any other script. */
  workflow?: { outcome: WorkflowOutcome; failed_step: string | null; steps: { name: string; rollback: boolean; standing: StepStanding }[] };
  /** Status `interrupted`: the step its lost worker was running (null when the record names none); the run waits for a person's Resume or Roll back. */
  interrupted?: { step: string | null };
  /** What moved the run on while it was parked (approvals, signals, timeouts, Resume or Roll back), in order; absent when it never waited. */
  decisions?: RunDecision[];
}

export interface PostRunResultOptions {
  url: string;
  secret: string;
  payload: RunResultPayload;
  /** Requests in all, the first included (default 4). */
  attempts?: number;
  /** The first retry waits this long, each next one twice as long, plus up to 20 % jitter (default 500). */
  baseDelayMs?: number;
  /** Per request, until the response's status and headers arrive (default 10 000). */
  timeoutMs?: number;
}

/** The longest a `retry-after` is honoured for. */
const MAX_RETRY_AFTER_MS = 30_000;
const JITTER = 0.2;

/** Why a result could not be delivered. Its message names the URL's origin only, never the full URL. */
export class PostRunResultError extends Error {
  constructor(
    message: string,
    /** The last HTTP status received, or null when the last attempt got no response. */
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "PostRunResultError";
  }
}

/**
 * The `x-chorebot-signature-256` header value for a body: `sha256=` and the hex HMAC-SHA256 of
 * the exact body bytes with the shared secret, as GitHub signs its webhooks. A receiver computes
 * it over the raw body it received and compares with `crypto.timingSafeEqual`.
 */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * POSTs a run's result as signed JSON to a URL the repository configured. Retries with
 * exponential backoff on network errors, timeouts, 408, 429 (honouring `retry-after`) and 5xx;
 * any other non-2xx answer is final. Every retry sends the same body and the same
 * `x-chorebot-delivery` id (`<run_id>-<attempt>`), so a receiver can drop duplicates.
 *
 * Errors name the URL's origin only: the path or query may carry a token.
 */
export async function postRunResult(o: PostRunResultOptions): Promise<void> {
  const attempts = o.attempts ?? 4;
  const baseDelayMs = o.baseDelayMs ?? 500;
  const timeoutMs = o.timeoutMs ?? 10_000;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  if (!(baseDelayMs >= 0)) throw new RangeError(`baseDelayMs must be >= 0, got ${baseDelayMs}`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);

  const url = parseUrl(o.url);
  // Do not echo an unparseable URL: it may still hold a token.
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new PostRunResultError("run result URL is not a valid http(s) URL", null, 0);
  }
  const origin = url.origin;

  const body = JSON.stringify(o.payload);
  const headers = {
    "content-type": "application/json",
    "user-agent": "chorebot",
    "x-chorebot-delivery": `${o.payload.run_id}-${o.payload.attempt}`,
    "x-chorebot-signature-256": signBody(body, o.secret),
  };

  let last = "";
  let lastStatus: number | null = null;
  for (let n = 0; n < attempts; n++) {
    let retryAfterMs: number | null = null;
    try {
      // A redirect would turn the POST into a GET or carry the signature elsewhere: not followed.
      const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      // Only the status matters; free the connection without waiting for the body.
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return;
      lastStatus = response.status;
      last = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      if (!isRetryable(response.status)) {
        throw new PostRunResultError(`posting the run result to ${origin} failed with ${last} (not retried)`, response.status, n + 1);
      }
      if (response.status === 429) retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    } catch (error) {
      if (error instanceof PostRunResultError) throw error;
      lastStatus = null;
      last = describeFailure(error, timeoutMs, o.url, origin);
    }
    if (n + 1 < attempts) await sleep(retryAfterMs ?? backoff(baseDelayMs, n));
  }
  throw new PostRunResultError(
    `posting the run result to ${origin} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}; last: ${last}`,
    lastStatus,
    attempts,
  );
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function backoff(baseDelayMs: number, n: number): number {
  const delay = baseDelayMs * 2 ** n;
  return delay + delay * JITTER * Math.random();
}

/** `retry-after` in seconds, capped; null when absent or not a number of seconds. */
function parseRetryAfter(value: string | null): number | null {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return null;
  return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
}

function describeFailure(error: unknown, timeoutMs: number, href: string, origin: string): string {
  if (error instanceof Error && error.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  // fetch rejects with "fetch failed" and the reason (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const reason =
    typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : error instanceof Error ? error.message : String(error);
  return `network error: ${reason.split(href).join(origin)}`;
}
