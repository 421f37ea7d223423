import { once } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../../src/catalog-types.js";
import { createChoresHandler, type ChoresPagesDeps } from "../../../../src/chores/create-chores-handler.js";
import type { LiveRunView } from "../../../../src/chores/live/live-run-view.js";
import { LIVE_SCRIPT } from "../../../../src/chores/live/live-client.js";
import type { Permission } from "../../../../src/github/permission.js";
import { serveHandler } from "../../../helpers/serve-handler.js";
import { entry, indexedChore, repoCatalog, runView } from "../chores-fixtures.js";

const ROLES: Record<string, Record<string, Permission>> = {
  alice: { "acme/shop": "write", "acme/private": "admin" },
  mallory: { "acme/shop": "read", "acme/private": "none" },
  bob: { "acme/shop": "read" },
};
const catalogs: RepoCatalog[] = [
  repoCatalog("acme", "shop", [entry(indexedChore("unlock-account", null))]),
  repoCatalog("acme", "private", [entry(indexedChore("secret-chore", null))]),
];
const LOG = { path: "logs/chores/unlock-account/2026/12/02-r-1.md", commit: "c".repeat(40), url: "https://github.example/acme/shop/blob/c/logs.md" };

type Line = NonNullable<LiveRunView["output"]>[number];
const out = (t: number, text: string): Line => ({ t, stream: "stdout", text });
const running = (output: Line[], o: Partial<LiveRunView> = {}): LiveRunView =>
  runView({ id: "r-1", status: "running", finished_at: null, duration_ms: null, attempt: 1, output, ...o });

/**
 * The runs the fake serves: each id's list of views, one per poll (the last one repeats). The
 * streams wait on `tick` (one per poll), never on a clock: `auto` ticks at once.
 */
let views: Map<string, LiveRunView[]>;
let polls: Map<string, number>;
let auto: boolean;
let waiting: { resolve: () => void; signal: AbortSignal }[];
let handler: ReturnType<typeof createChoresHandler>;

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
    startRun: async () => ({ runId: "new" }),
    async run(runId) {
      const list = views.get(runId);
      if (!list) return null;
      const n = polls.get(runId) ?? 0;
      polls.set(runId, n + 1);
      return list[Math.min(n, list.length - 1)]!;
    },
    history: async () => [],
    cancel: async () => undefined,
    fileLimit: 1024,
    live: {
      timing: {
        wait: (_ms, signal) =>
          auto
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                waiting.push({ resolve, signal });
                signal.addEventListener("abort", () => resolve());
              }),
        pollMs: 1000,
        heartbeatPolls: 2,
        maxPolls: 8,
      },
      logWaitPolls: 2,
      perUser: 2,
      total: 3,
    },
  };
}

let base: string;
let server: Server;
beforeAll(async () => {
  ({ base, server } = await serveHandler((req, res) => handler(req, res)));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  views = new Map();
  polls = new Map();
  auto = true;
  waiting = [];
  handler = createChoresHandler(deps());
});

function open(path: string, user: string | null = "alice", headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${base}${path}`, { headers: { ...(user ? { Cookie: `user=${user}` } : {}), ...headers }, redirect: "manual", signal: signal ?? null });
}

interface Event {
  event: string;
  id: string | undefined;
  data: unknown;
}

/** The events of a stream's text (comments left out), each with the id in force, as EventSource reads them. */
function parse(text: string): Event[] {
  let id: string | undefined;
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      const fields = Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
      if (fields.id !== undefined) id = fields.id;
      return { event: fields.event ?? "message", id, data: JSON.parse(fields.data!) as unknown };
    });
}

/** Reads a stream until `until` holds of what came so far. */
async function readUntil(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

/** Lets every waiting stream poll once more. */
function tick(): void {
  for (const { resolve } of waiting.splice(0)) resolve();
}

describe("the run's event stream", () => {
  it("sends the state and output as they change, then ends after the final status and the log link", async () => {
    views.set("r-1", [
      running([out(1, "one")], { progress: 10 }),
      running([out(1, "one"), out(2, "<b>two</b>")], { progress: 50, counters: { done: 5 } }),
      runView({ id: "r-1", status: "recording", output: [out(1, "one"), out(2, "<b>two</b>")] }),
      runView({ id: "r-1", status: "succeeded", result: { ok: true }, output: [out(1, "one"), out(2, "<b>two</b>")] }),
      runView({ id: "r-1", status: "succeeded", result: { ok: true }, log: LOG, output: [out(1, "one"), out(2, "<b>two</b>")] }),
    ]);
    const res = await open("/chores/runs/r-1/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const text = await res.text();
    expect(text.startsWith("retry: 3000\n\n")).toBe(true);
    const events = parse(text);
    expect(events.map((e) => e.event)).toEqual(["state", "output", "state", "output", "state", "output", "state", "state", "end"]);
    expect(events[1]).toEqual({ event: "output", id: "1-l-1-1", data: { replace: true, lines: [{ at: "+0.001s", stream: "stdout", text: "one" }] } });
    // The stream is JSON: HTML stays text for the client to put in with textContent.
    expect(events[3]!.data).toEqual({ replace: false, lines: [{ at: "+0.002s", stream: "stdout", text: "<b>two</b>" }] });
    // Recording, the word stays "running" (so it is not sent again); the detail says what happens.
    expect(events[4]!.data).toMatchObject({ detail: "the script has ended; its log is being recorded" });
    expect(events[4]!.data).not.toHaveProperty("status");
    expect(events[5]).toMatchObject({ id: "1-r-2-1", data: { replace: true } });
    expect(events[6]!.data).toMatchObject({ status: "succeeded", final: true, result: '{\n  "ok": true\n}' });
    expect(events[7]!.data).toEqual({ log: { path: LOG.path, commit: "ccccccc", url: LOG.url } });
    expect(polls.get("r-1")).toBe(5);
  });

  it("resumes after Last-Event-ID (or the page's `after`) without repeating a line", async () => {
    views.set("r-1", [runView({ id: "r-1", status: "failed", log: LOG, output: [out(1, "a"), out(2, "b"), out(2, "c"), out(3, "d")] })]);
    const resumed = parse(await (await open("/chores/runs/r-1/events", "alice", { "Last-Event-ID": "1-r-2-1" })).text());
    expect(resumed.find((e) => e.event === "output")!.data).toEqual({
      replace: false,
      lines: [
        { at: "+0.002s", stream: "stdout", text: "c" },
        { at: "+0.003s", stream: "stdout", text: "d" },
      ],
    });
    const fromPage = parse(await (await open("/chores/runs/r-1/events?after=1-r-3-1")).text());
    expect(fromPage.map((e) => e.event)).toEqual(["state", "end"]);
    // The header wins over the page's cursor; a made-up id starts afresh.
    const both = parse(await (await open("/chores/runs/r-1/events?after=1-r-3-1", "alice", { "Last-Event-ID": "1-r-1-1" })).text());
    expect(both.find((e) => e.event === "output")!.data).toMatchObject({ replace: false, lines: [{ text: "b" }, { text: "c" }, { text: "d" }] });
    const forged = parse(await (await open("/chores/runs/r-1/events", "alice", { "Last-Event-ID": "<script>" })).text());
    expect(forged.find((e) => e.event === "output")!.data).toMatchObject({ replace: true });
  });

  it("ends without the log link after a bounded wait, and sends heartbeats while nothing changes", async () => {
    views.set("r-1", [running([]), running([]), running([]), runView({ id: "r-1", status: "lost" })]);
    const text = await (await open("/chores/runs/r-1/events")).text();
    expect(text.match(/^: keep-alive$/gm)).toHaveLength(1);
    expect(parse(text).at(-1)!.event).toBe("end");
    // Three live polls, then the final one and logWaitPolls more before it gives up on the log.
    expect(polls.get("r-1")).toBe(3 + 1 + 2);
  });

  it("ends of itself after maxPolls without `end`, so the browser reconnects and is checked again", async () => {
    views.set("r-1", [running([])]);
    const events = parse(await (await open("/chores/runs/r-1/events")).text());
    expect(events.map((e) => e.event)).toEqual(["state"]);
    expect(polls.get("r-1")).toBe(8);
  });

  it("answers 404 for a run the user cannot see, one that does not exist, and a merged script's run; sends the signed-out to the login", async () => {
    views.set("private", [runView({ id: "private", repository: "acme/private", chore: "secret-chore", status: "running" })]);
    views.set("merged", [running([], { id: "merged", chore: null, trigger: "merge", requested_by: null })]);
    for (const [path, user] of [
      ["/chores/runs/private/events", "mallory"],
      ["/chores/runs/nope/events", "mallory"],
      ["/chores/runs/merged/events", "alice"],
    ] as const) {
      const res = await open(path, user);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).not.toContain("secret-chore");
    }
    expect(polls.get("private")).toBe(1);
    expect(polls.get("merged")).toBe(1);
    expect((await open("/chores/runs/r-1/events", null)).status).toBe(302);
    expect((await fetch(`${base}/chores/runs/r-1/events`, { method: "POST", headers: { Cookie: "user=alice" } })).status).toBe(405);
  });

  it("bounds the streams per user and in all, gives a place back when its client leaves, and stops polling then", async () => {
    auto = false;
    views.set("r-1", [running([])]);
    const aborts = [new AbortController(), new AbortController(), new AbortController()];
    const first = await open("/chores/runs/r-1/events", "alice", {}, aborts[0]!.signal);
    const second = await open("/chores/runs/r-1/events", "alice", {}, aborts[1]!.signal);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open("/chores/runs/r-1/events", "alice");
    expect(third.status).toBe(429);
    expect(await third.text()).toContain("Too many live pages");
    // bob has his own places, but the server's total is 3.
    const bobs = await open("/chores/runs/r-1/events", "bob", {}, aborts[2]!.signal);
    expect(bobs.status).toBe(200);
    expect((await open("/chores/runs/r-1/events", "mallory")).status).toBe(429);

    await readUntil(first, (text) => text.includes("event: state"));
    aborts[0]!.abort();
    // Once the server sees the client gone, the place is free again.
    const later = new AbortController();
    aborts.push(later);
    for (;;) {
      const again = await open("/chores/runs/r-1/events", "alice", {}, later.signal);
      if (again.status === 200) break;
      await again.text();
      await new Promise((resolve) => setImmediate(resolve));
    }
    aborts.forEach((abort) => abort.abort());
    // Each stream's wait is let go when the server sees its client leave.
    await Promise.all(waiting.map(({ signal }) => (signal.aborted ? undefined : once(signal, "abort"))));
    const before = polls.get("r-1")!;
    tick();
    await new Promise((resolve) => setImmediate(resolve));
    // Streams whose clients left poll no more.
    expect(polls.get("r-1")).toBe(before);
  });
});

describe("the history stream", () => {
  it("sends each unfinished run's changes, stops following a run once final, ends when none is left", async () => {
    views.set("r-1", [running([]), runView({ id: "r-1", status: "succeeded" })]);
    views.set("r-2", [runView({ id: "r-2", status: "queued", started_at: null }), running([], { id: "r-2" }), runView({ id: "r-2", status: "failed" })]);
    const events = parse(await (await open("/chores/events?run=r-1&run=r-2")).text());
    expect(events.map((e) => [e.event, (e.data as { id?: string } | null)?.id, (e.data as { status?: string } | null)?.status])).toEqual([
      ["state", "r-1", "running"],
      ["state", "r-2", "queued"],
      ["state", "r-1", "succeeded"],
      ["state", "r-2", "running"],
      ["state", "r-2", "failed"],
      ["end", undefined, undefined],
    ]);
    expect(polls.get("r-1")).toBe(2);
  });

  it("refuses runs the user cannot see, and more runs than a page lists", async () => {
    views.set("private", [runView({ id: "private", repository: "acme/private", chore: "secret-chore", status: "running" })]);
    views.set("r-1", [running([])]);
    expect((await open("/chores/events?run=r-1&run=private", "mallory")).status).toBe(404);
    expect((await open("/chores/events", "alice")).status).toBe(400);
    expect((await open("/chores/events?run=a%2Fb", "alice")).status).toBe(400);
    const many = new URLSearchParams(Array.from({ length: 21 }, (_, i) => ["run", `r-${i}`]));
    expect((await open(`/chores/events?${many.toString()}`, "alice")).status).toBe(400);
  });
});

describe("the live script", () => {
  it("is served to anyone as JavaScript, never sniffed", async () => {
    const res = await open("/chores/live/client.js", null);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(LIVE_SCRIPT);
  });
});
