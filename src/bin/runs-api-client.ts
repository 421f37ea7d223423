/** How long `chorebot status` and `chorebot cancel` wait for the server. */
const TIMEOUT_MS = 30_000;

/** A server's answer, as the CLI prints it. */
export interface RunsApiAnswer {
  status: number;
  /** The server's JSON answer; undefined when it sent something else (a proxy's error page). */
  json: unknown;
  /** The answer on one line: its JSON, or its status and the start of its text. */
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
    try {
      const json: unknown = JSON.parse(text);
      return { status: response.status, json, line: JSON.stringify(json) };
    } catch {
      return { status: response.status, json: undefined, line: `${response.status} ${text.replace(/\s+/g, " ").slice(0, 200)}`.trim() };
    }
  }

  return {
    status: (run) => ask(runPath(run)),
    cancel: (run, by) => ask(`${runPath(run)}/cancel`, { body: by === undefined ? {} : { by } }),
    freezes: () => ask(`${settings.serverUrl}/api/freezes`),
    freeze: (request) => ask(`${settings.serverUrl}/api/freezes`, { body: request }),
    unfreeze: (request) => ask(`${settings.serverUrl}/api/freezes/unfreeze`, { body: request }),
  };
}
