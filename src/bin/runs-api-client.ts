/** How long `chorebot status` and `chorebot cancel` wait for the server. */
const TIMEOUT_MS = 30_000;

/** A server's answer, as the CLI prints it. */
export interface RunsApiAnswer {
  status: number;
  /** The server's JSON answer; undefined when it sent something else (a proxy's error page). */
  json: unknown;
  /**
   * The answer on one line: its JSON; for a refusal, the server's message as a sentence (what to
   * fix for a refused login); for an answer not the server's, its status and the start of its text.
   */
  line: string;
}

/** The server did not answer: refused, unknown host, timed out. */
export class ServerUnreachable extends Error {}

/** `/api/runs` of a running chorebot, with the dashboard's login. */
export interface RunsApiClient {
  status(run: string): Promise<RunsApiAnswer>;
  /** Asks the server to cancel `run`, naming who asked (`by`) if given. */
  cancel(run: string, by?: string): Promise<RunsApiAnswer>;
  /** The freezes in force and the last ones set and lifted. */
  freezes(): Promise<RunsApiAnswer>;
  /** Freezes `repo` (every repository without it) for `reason`. */
  freeze(request: FreezeRequest & { reason: string }): Promise<RunsApiAnswer>;
  /** Lifts the freeze of `repo` (of every repository without it). */
  unfreeze(request: FreezeRequest): Promise<RunsApiAnswer>;
}

/** A freeze or unfreeze as the server takes it: fields left undefined are not sent. */
export interface FreezeRequest {
  repo?: string | undefined;
  reason?: string | undefined;
  by?: string | undefined;
}

const REFUSED_LOGIN = "the server refused the login: check DASHBOARD_USER and DASHBOARD_PASSWORD";

/** A refusal as a sentence: the server's `error` (or `message`), then its `hint`; undefined when the answer has none. */
function refusal(status: number, json: unknown): string | undefined {
  if (status === 401) return REFUSED_LOGIN;
  const { error, message, hint } = (json ?? {}) as { error?: unknown; message?: unknown; hint?: unknown };
  const said = typeof error === "string" ? error : typeof message === "string" ? message : undefined;
  if (said === undefined) return undefined;
  return typeof hint === "string" ? `${said}; ${hint}` : said;
}

export function runsApiClient(settings: { serverUrl: string; login: { user: string; password: string } }): RunsApiClient {
  const authorization = `Basic ${Buffer.from(`${settings.login.user}:${settings.login.password}`).toString("base64")}`;
  const runPath = (run: string) => `${settings.serverUrl}/api/runs/${encodeURIComponent(run)}`;

  async function ask(url: string, post?: { body: unknown }): Promise<RunsApiAnswer> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...(post ? { method: "POST", body: JSON.stringify(post.body) } : {}),
        headers: { Authorization: authorization, ...(post ? { "Content-Type": "application/json" } : {}) },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND …).
      const cause = (error as Error).cause;
      throw new ServerUnreachable(`could not reach ${settings.serverUrl}: ${cause instanceof Error ? cause.message : (error as Error).message}`);
    }
    const text = (await response.text()).trim();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const line = `${response.status} ${text.replace(/\s+/g, " ").slice(0, 200)}`.trim();
      return { status: response.status, json: undefined, line: response.status === 401 ? REFUSED_LOGIN : line };
    }
    return { status: response.status, json, line: response.ok ? JSON.stringify(json) : (refusal(response.status, json) ?? JSON.stringify(json)) };
  }

  return {
    status: (run) => ask(runPath(run)),
    cancel: (run, by) => ask(`${runPath(run)}/cancel`, { body: by === undefined ? {} : { by } }),
    freezes: () => ask(`${settings.serverUrl}/api/freezes`),
    freeze: (request) => ask(`${settings.serverUrl}/api/freezes`, { body: request }),
    unfreeze: (request) => ask(`${settings.serverUrl}/api/freezes/unfreeze`, { body: request }),
  };
}
