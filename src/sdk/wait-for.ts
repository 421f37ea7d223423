import { parseDuration } from "./parse-duration.js";
import { APPROVAL_SIGNAL, DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS, SIGNAL_NAME, type StepDirection, type StepWait } from "./protocol.js";

/** How a step's waitFor calls went: `wait` once one parked the step, `misuse` once one was called wrongly. */
export interface StepWaits {
  waitFor: (name: unknown, options?: unknown) => Promise<never>;
  /** Resolves when a call parks the step (no payload for its signal was delivered). */
  parked: Promise<void>;
  readonly wait: StepWait | null;
  readonly misuse: string | null;
}

/**
 * The waitFor a step's run or rollback gets. A delivered signal (`signals`) is returned at once
 * (a copy: the step may change it); otherwise the call parks the step and never settles, so
 * nothing after it in the step runs on. A wrong call (or any call in a rollback) rejects, and
 * fails the step even if it is caught.
 */
export function stepWaits(direction: StepDirection, signals: Readonly<Record<string, unknown>>): StepWaits {
  let park: () => void = () => {};
  const parked = new Promise<void>((resolve) => (park = resolve));
  let wait: StepWait | null = null;
  let misuse: string | null = null;
  const waitFor = (name: unknown, options?: unknown): Promise<never> => {
    let asked: StepWait;
    try {
      if (direction === "rollback") throw new Error("waitFor: waits are only for a step's run, not its rollback");
      asked = readWaitCall(name, options);
    } catch (error) {
      misuse ??= (error as Error).message;
      return Promise.reject(error);
    }
    if (Object.hasOwn(signals, asked.signal)) return Promise.resolve(structuredClone(signals[asked.signal]) as never);
    // Only the first wait counts: the step is reported waiting for it, and runs again from its start.
    if (wait === null && misuse === null) {
      wait = asked;
      park();
    }
    return new Promise<never>(() => {});
  };
  return {
    waitFor,
    parked,
    get wait() {
      return wait;
    },
    get misuse() {
      return misuse;
    },
  };
}

/** Checks a waitFor call's arguments: what it waits for, or an Error saying what is wrong. */
export function readWaitCall(name: unknown, options: unknown): StepWait {
  if (typeof name !== "string" || !SIGNAL_NAME.test(name)) {
    throw new Error(
      `waitFor: the signal's name must be a letter, then letters, digits, "-" or "_" (at most 64 characters), got ${typeof name === "string" ? JSON.stringify(name) : String(name)}`,
    );
  }
  if (name === APPROVAL_SIGNAL)
    throw new Error(`waitFor: "${APPROVAL_SIGNAL}" is the name of the run's approvals: use the script's \`approval\` option, or another name`);
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new Error('waitFor: the options must be an object like { timeout: "2d", pullRequest: 12 }');
  }
  const { timeout, pullRequest } = (options ?? {}) as { timeout?: unknown; pullRequest?: unknown };
  let timeoutMs = DEFAULT_WAIT_TIMEOUT_MS;
  if (timeout !== undefined) {
    if (typeof timeout !== "string" && typeof timeout !== "number") throw new Error(`waitFor: timeout must be a duration like "2d", got ${shown(timeout)}`);
    try {
      timeoutMs = parseDuration(timeout);
    } catch (error) {
      throw new Error(`waitFor: timeout: ${(error as Error).message}`, { cause: error });
    }
    if (timeoutMs > MAX_WAIT_TIMEOUT_MS) throw new Error(`waitFor: timeout ${JSON.stringify(timeout)} is longer than the longest wait, 30d`);
  }
  if (pullRequest !== undefined && !(Number.isSafeInteger(pullRequest) && (pullRequest as number) > 0)) {
    throw new Error(`waitFor: pullRequest must be a pull request's number (a positive integer), got ${shown(pullRequest)}`);
  }
  return { signal: name, timeoutMs, pullRequest: (pullRequest as number | undefined) ?? null };
}

function shown(value: unknown): string {
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
