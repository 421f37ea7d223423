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

/** `/api/runs` (and `/api/chores`) of a running chorebot, with the dashboard's login or a GitHub user token. */
export interface RunsApiClient {
  status(run: string): Promise<RunsApiAnswer>;
  /** The runs holding `name` (in `repo`, `owner/repo`, or in any repository). */
  byName(name: string, repo?: string): Promise<RunsApiAnswer>;
  /** A repository's chores and their inputs (a user token only). */
  chores(repo: string): Promise<RunsApiAnswer>;
  /** Starts a run of `chore` in `repo` (a user token only); `key` names the request (Idempotency-Key). */
  startChore(repo: string, chore: string, body: { inputs: Record<string, string>; name?: string | undefined }, key?: string): Promise<RunsApiAnswer>;
  /** The run's server-sent events, as the server streams them, after `lastId` (a reconnect's); throws ServerUnreachable. */
  events(run: string, lastId?: string | null): Promise<Response>;
  /** Asks the server to cancel `run`, naming who asked (`by`) if given. */
  cancel(run: string, by?: string): Promise<RunsApiAnswer>;
  /**
   * Decides on a parked run (`approve`, `reject`, `resume`, `rollback`, or `signals/<name>` with
   * its JSON `payload`), or pauses a running iteration (`pause`), named as the CLI's decision.
   */
  decide(run: string, decision: RunDecisionPath, payload?: unknown): Promise<RunsApiAnswer>;
  /** The freezes in force and the last ones set and lifted. */
  freezes(): Promise<RunsApiAnswer>;
  /** Freezes `repo` (every repository without it) for `reason`. */
  freeze(request: FreezeRequest & { reason: string }): Promise<RunsApiAnswer>;
  /** Lifts the freeze of `repo` (of every repository without it). */
  unfreeze(request: FreezeRequest): Promise<RunsApiAnswer>;
}

/** What a decision route ends with. */
export type RunDecisionPath = "approve" | "reject" | "resume" | "rollback" | "pause" | `signals/${string}`;

/** A freeze or unfreeze as the server takes it: fields left undefined are not sent. */
export interface FreezeRequest {
  repo?: string | undefined;
  reason?: string | undefined;
  by?: string | undefined;
}

const REFUSED_LOGIN = "the server refused the login: check DASHBOARD_USER and DASHBOARD_PASSWORD";

/** How the CLI is known to the server: the dashboard's login, or a GitHub user token and the variable it came from. */
export type ApiCredentials = { login: { user: string; password: string } } | { token: { value: string; from: string } };

/** A refusal as a sentence: the server's `error` (or `message`), then its `hint`; undefined when the answer has none. */
function refusal(status: number, json: unknown, refusedLogin: string | null): string | undefined {
  if (status === 401 && refusedLogin !== null) return refusedLogin;
  const { error, message, hint } = (json ?? {}) as { error?: unknown; message?: unknown; hint?: unknown };
  const said = typeof error === "string" ? error : typeof message === "string" ? message : undefined;
  if (said === undefined) return undefined;
  return typeof hint === "string" ? `${said}; ${hint}` : said;
}

export function runsApiClient(settings: { serverUrl: string } & ApiCredentials): RunsApiClient {
  const authorization =
    "login" in settings ? `Basic ${Buffer.from(`${settings.login.user}:${settings.login.password}`).toString("base64")}` : `Bearer ${settings.token.value}`;
  // A refused token: the server says why (GitHub rejected it, an installation token), the CLI where it came from.
  const refusedLogin = "login" in settings ? REFUSED_LOGIN : null;
  const tokenNote = "token" in settings ? ` (the token in ${settings.token.from})` : "";
  const runPath = (run: string) => `${settings.serverUrl}/api/runs/${encodeURIComponent(run)}`;
  const repoPath = (repo: string) => `${settings.serverUrl}/api/chores/${repo.split("/").map(encodeURIComponent).join("/")}`;

  async function send(url: string, init: { post?: { body: unknown }; headers?: Record<string, string>; timeout?: boolean } = {}): Promise<Response> {
    const { post, timeout = true } = init;
    try {
      return await fetch(url, {
        ...(post ? { method: "POST", body: JSON.stringify(post.body) } : {}),
        headers: { Authorization: authorization, ...(post ? { "Content-Type": "application/json" } : {}), ...init.headers },
        ...(timeout ? { signal: AbortSignal.timeout(TIMEOUT_MS) } : {}),
      });
    } catch (error) {
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND …).
      const cause = (error as Error).cause;
      throw new ServerUnreachable(`could not reach ${settings.serverUrl}: ${cause instanceof Error ? cause.message : (error as Error).message}`);
    }
  }

  async function ask(url: string, init: { post?: { body: unknown }; headers?: Record<string, string> } = {}): Promise<RunsApiAnswer> {
    const response = await send(url, init);
    const text = (await response.text()).trim();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const line = `${response.status} ${text.replace(/\s+/g, " ").slice(0, 200)}`.trim();
      return { status: response.status, json: undefined, line: response.status === 401 && refusedLogin !== null ? refusedLogin : line };
    }
    if (response.ok) return { status: response.status, json, line: JSON.stringify(json) };
    const said = refusal(response.status, json, refusedLogin) ?? JSON.stringify(json);
    return { status: response.status, json, line: response.status === 401 ? `${said}${tokenNote}` : said };
  }

  return {
    status: (run) => ask(runPath(run)),
    byName: (name, repo) => ask(`${settings.serverUrl}/api/runs?${new URLSearchParams({ name, ...(repo === undefined ? {} : { repo }) }).toString()}`),
    chores: (repo) => ask(repoPath(repo)),
    startChore: (repo, chore, body, key) =>
      ask(`${repoPath(repo)}/${chore.split("/").map(encodeURIComponent).join("/")}/runs`, {
        post: { body },
        headers: key === undefined ? {} : { "Idempotency-Key": key },
      }),
    events: (run, lastId) =>
      send(`${runPath(run)}/events`, { headers: { Accept: "text/event-stream", ...(lastId ? { "Last-Event-ID": lastId } : {}) }, timeout: false }),
    cancel: (run, by) => ask(`${runPath(run)}/cancel`, { post: { body: by === undefined ? {} : { by } } }),
    decide: (run, decision, payload) =>
      ask(`${runPath(run)}/${decision.split("/").map(encodeURIComponent).join("/")}`, {
        post: { body: payload === undefined ? null : payload },
        headers: { "X-Chorebot-Via": "cli" },
      }),
    freezes: () => ask(`${settings.serverUrl}/api/freezes`),
    freeze: (request) => ask(`${settings.serverUrl}/api/freezes`, { post: { body: request } }),
    unfreeze: (request) => ask(`${settings.serverUrl}/api/freezes/unfreeze`, { post: { body: request } }),
  };
}
