import { DelayedError, RateLimitError, UnrecoverableError, WaitingChildrenError, WaitingError } from "bullmq";
import { githubStatus, isGitHubHttpError } from "../github/http-error.js";

/**
 * A step's failure told in words: its message says what went wrong, for a person (BullMQ
 * keeps it as the job's failedReason, which the dashboard, /api/runs and the job's waiters
 * show). Its stack is that one line: BullMQ keeps `stack` as the job's stacktrace, which
 * Bull Board would show instead of the message. The error it explains stays its `cause`, so
 * the worker's log still prints the whole stack ("caused by: …"), for engineers.
 */
export class StepError extends Error {
  override name = "StepError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.stack = `${this.name}: ${message}`;
  }
}

// BullMQ's own errors steer the job (wait, delay, fail for good): they pass untouched.
const CONTROL_ERRORS = [DelayedError, WaitingError, WaitingChildrenError, RateLimitError, UnrecoverableError];
// By name too: one from another copy of BullMQ is not an instance of these classes.
const CONTROL_NAMES = new Set(CONTROL_ERRORS.map((type) => type.name));

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * `error` told in words, as a StepError whose message says what failed while chorebot was
 * `doing` something (e.g. "committing the run log"): GitHub's answer with its status, or no
 * answer, or the error's own message. A StepError, and BullMQ's errors that steer a job (a
 * DelayedError, an UnrecoverableError…), are returned as they are.
 */
export function inWords(error: unknown, doing: string): unknown {
  if (error instanceof StepError || isControlError(error)) return error;
  return new StepError(`${whatWentWrong(error)} while ${doing}`, { cause: error });
}

/** `step` with every error it throws told in words (see inWords). */
export function failingInWords<A extends unknown[], R>(doing: string, step: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await step(...args);
    } catch (error) {
      throw inWords(error, doing);
    }
  };
}

function isControlError(error: unknown): boolean {
  if (CONTROL_ERRORS.some((type) => error instanceof type)) return true;
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === "string" && CONTROL_NAMES.has(name);
}

function whatWentWrong(error: unknown): string {
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (isGitHubHttpError(error)) {
    const status = githubStatus(error);
    const answered = typeof error === "object" && error !== null && (error as { response?: unknown }).response;
    // Octokit's message ends with a link to the endpoint's documentation: not for operators.
    const said = message.replace(/\s+-\s+https?:\/\/\S+$/, "");
    if (!answered || status === null || status === 0) return `GitHub did not answer (${said})`;
    const text = STATUS_TEXT[status];
    return `GitHub answered ${status}${text ? ` ${text}` : ""}${said && said !== text ? ` (${said})` : ""}`;
  }
  return message || "an error without a message";
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** For a promise's `catch`: rethrows what it caught told in words (see inWords). */
export function rethrowInWords(doing: string): (error: unknown) => never {
  return (error) => {
    throw inWords(error, doing);
  };
}
