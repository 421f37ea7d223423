/** Where GitHub delivers webhooks (Probot's default path). */
export const WEBHOOK_PATH = "/api/github/webhooks";

/**
 * GitHub's own cap on a webhook payload ("Payloads are capped at 25 MB", GitHub's webhook
 * docs), read as MiB so that nothing GitHub delivers is ever refused.
 */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** Every other route takes a small JSON body at most (a cancel, a dashboard action). */
export const BODY_LIMIT = 64 * 1024;

/**
 * Bytes of request bodies being received at once, all requests together (bodies are held
 * until complete: see CappedRequest). It bounds what a flood of big unsigned bodies costs,
 * and leaves room for two of GitHub's largest deliveries at once and any number of usual ones.
 */
export const RECEIVING_BODIES_LIMIT = 2 * WEBHOOK_BODY_LIMIT;

/**
 * The body cap of a request: GitHub's for the webhook path, matched as @octokit/webhooks
 * matches it (trailing slashes dropped, then the URL's path), BODY_LIMIT for everything else.
 */
export function bodyLimitFor(url: string): number {
  return pathOf(url.replace(/\/+$/, "")) === WEBHOOK_PATH ? WEBHOOK_BODY_LIMIT : BODY_LIMIT;
}

function pathOf(url: string): string | null {
  try {
    return new URL(url || "/", "http://localhost").pathname;
  } catch {
    return null;
  }
}
