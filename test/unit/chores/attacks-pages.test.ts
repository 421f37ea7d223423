import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoreRunRequest, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import type { Permission } from "../../../src/github/permission.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { description, entry, indexedChore, repoCatalog, runView } from "./chores-fixtures.js";

// mallory is signed in to GitHub but has no access to acme/private, which has chorebot installed.
const ROLES: Record<string, Record<string, Permission>> = {
  alice: { "acme/private": "admin", "acme/shop": "write" },
  mallory: { "acme/private": "none", "acme/shop": "read" },
};

const hostile = indexedChore(
  "hostile",
  description(
    { note: { type: "string", required: false, description: '<img src=x onerror=alert(1)> <script>alert("d")</script>' } },
    {
      description: "<script>alert('chore')</script>",
    },
  ),
);

let started: ChoreRunRequest[];
let cancelled: string[];
let runs: Map<string, ChoreRunView>;
let catalogs: RepoCatalog[];

function deps(): ChoresPagesDeps {
  const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
  return {
    catalog: {
      repositories: async () => catalogs.map(({ owner, repo }) => ({ owner, repo })),
      read: async (owner, repo) => catalogs.find((c) => c.owner === owner && c.repo === repo) ?? null,
      bundle: async () => null,
    },
    signIn: {
      user: (req) => {
        const name = login(req);
        return name === null ? null : { login: name, id: 7 };
      },
      redirectToLogin: (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(302, { Location: "/login" }).end(),
      csrfToken: (req) => `token-of-${login(req)}`,
      verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
    },
    permission: async (repo, user) => ROLES[user]?.[`${repo.owner}/${repo.repo}`] ?? "none",
    requiredPermission: (catalog) => catalog.config.chores.permission,
    startRun: async (request) => {
      started.push(request);
      return { runId: `run-${started.length}` };
    },
    run: async (runId) => runs.get(runId) ?? null,
    history: async () => [],
    cancel: async (runId) => void cancelled.push(runId),
    fileLimit: 1024,
  };
}

let base: string;
let server: Server;

beforeAll(async () => {
  ({ base, server } = await serveHandler((req, res) => createChoresHandler(deps())(req, res)));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  started = [];
  cancelled = [];
  runs = new Map();
  catalogs = [
    repoCatalog("acme", "private", [entry(indexedChore("rotate-keys", description({ who: { type: "string", required: true } })))]),
    repoCatalog("acme", "shop", [entry(hostile)]),
  ];
});

async function send(path: string, user: string, init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    body: init.body ?? null,
    headers: { Cookie: `user=${user}`, ...init.headers },
    redirect: "manual",
  });
  return { status: res.status, html: await res.text() };
}

/** A page with the names it was asked about taken out, so that two answers can be compared. */
function shape(html: string, ...names: string[]): string {
  return names.reduce((text, name) => text.split(name).join("NAME"), html);
}

describe("probing a repository the user cannot read", () => {
  const probes: Array<[string, { body?: BodyInit; headers?: Record<string, string> }]> = [
    ["no CSRF token", { body: new URLSearchParams({ who: "x" }) }],
    ["another user's CSRF token", { body: new URLSearchParams({ csrf: "token-of-alice" }) }],
    ["a body that is no form", { body: "{}", headers: { "Content-Type": "application/json" } }],
    ["an oversized field", { body: new URLSearchParams({ csrf: "token-of-mallory", x: "y".repeat(70 * 1024) }) }],
    ["their own CSRF token", { body: new URLSearchParams({ csrf: "token-of-mallory", who: "x" }) }],
  ];

  it.each(probes)("answers a POST with %s as if the chore did not exist", async (_what, init) => {
    const real = await send("/chores/acme/private/rotate-keys", "mallory", { method: "POST", ...init });
    const made_up = await send("/chores/acme/private/no-such-chore", "mallory", { method: "POST", ...init });
    expect(real.status).toBe(404);
    expect(made_up.status).toBe(404);
    expect(shape(real.html, "rotate-keys")).toBe(shape(made_up.html, "no-such-chore"));
    expect(started).toEqual([]);
  });

  it("answers the page of a run there, and its Cancel, as if there were no such run", async () => {
    runs.set(
      "private-run",
      runView({
        id: "private-run",
        repository: "acme/private",
        chore: "rotate-keys",
        status: "running",
        finished_at: null,
        output: [{ t: 1, stream: "stdout", text: "key=abc" }],
      }),
    );
    const real = await send("/chores/runs/private-run", "mallory");
    const made_up = await send("/chores/runs/no-such-run", "mallory");
    expect(real.status).toBe(404);
    expect(shape(real.html, "private-run")).toBe(shape(made_up.html, "no-such-run"));
    expect(real.html).not.toContain("key=abc");

    const cancel = await send("/chores/runs/private-run/cancel", "mallory", { method: "POST", body: new URLSearchParams({ csrf: "token-of-mallory" }) });
    expect(cancel.status).toBe(404);
    expect(cancelled).toEqual([]);

    // Its live stream and the history stream too: a 404 page, the same as for no such run.
    const stream = await send("/chores/runs/private-run/events", "mallory", { headers: { "Last-Event-ID": "1-l-0-0" } });
    const no_stream = await send("/chores/runs/no-such-run/events", "mallory");
    expect(stream.status).toBe(404);
    expect(shape(stream.html, "private-run")).toBe(shape(no_stream.html, "no-such-run"));
    expect(stream.html).not.toContain("key=abc");
    const history = await send("/chores/events?run=private-run", "mallory");
    expect(history.status).toBe(404);
    expect(shape(history.html, "private-run")).toBe(shape((await send("/chores/events?run=no-such-run", "mallory")).html, "no-such-run"));
  });
});

describe("showing what a chore or its script wrote", () => {
  it("escapes a description and help text holding HTML", async () => {
    const { status, html } = await send("/chores/acme/shop/hostile", "alice");
    expect(status).toBe(200);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain("&lt;script>alert('chore')&lt;/script>");
  });

  it("shows output, result, counters and the log link of a run as inert text", async () => {
    runs.set(
      "run-x",
      runView({
        id: "run-x",
        repository: "acme/shop",
        chore: "hostile",
        message: "</p><script>alert('m')</script>",
        result: { html: "</pre><script>alert('r')</script>" },
        counters: { "<b>rows</b>": 3 },
        log: { path: "logs/x.md", commit: "d".repeat(40), url: "javascript:alert('log')" },
        output: [
          { t: 5, stream: "stdout", text: "<script>alert('o')</script>" },
          { t: 6, stream: "stderr", text: "\u001b]8;;javascript:alert('link')\u0007click\u001b]8;;\u0007 \u001b[31mred\u001b[0m \u001b]0;title\u0007" },
          { t: 7, stream: "log", text: "\u009b31mC1 CSI\u009b0m \u0000nul" },
        ],
      }),
    );
    const { status, html } = await send("/chores/runs/run-x", "alice");
    expect(status).toBe(200);
    expect(html).not.toMatch(/<script|<b>rows|javascript:/i);
    // eslint-disable-next-line no-control-regex
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(html).toContain("click red");
    expect(html).toContain("C1 CSI nul");

    // Its event stream: JSON the client puts in with textContent, escapes stripped, never sniffed as HTML.
    const res = await fetch(`${base}/chores/runs/run-x/events`, { headers: { Cookie: "user=alice" } });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const stream = await res.text();
    // eslint-disable-next-line no-control-regex
    expect(stream).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]|javascript:/);
    const lines = stream
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice(6)) as { lines?: { text: string }[] } | null);
    expect(lines.flatMap((data) => data?.lines ?? []).map((line) => line.text)).toEqual(["<script>alert('o')</script>", "click red ", "C1 CSI nul"]);
  });

  it("loads no script on a live run's page but chorebot's own", async () => {
    runs.set(
      "run-y",
      runView({
        id: "run-y",
        repository: "acme/shop",
        chore: "hostile",
        status: "running",
        output: [{ t: 1, stream: "stdout", text: "<script src=//evil.example/x.js></script>" }],
      }),
    );
    const { status, html } = await send("/chores/runs/run-y", "alice");
    expect(status).toBe(200);
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/chores/live/client.js">']);
  });
});
