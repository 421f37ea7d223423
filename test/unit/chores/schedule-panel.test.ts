import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import type { Permission } from "../../../src/github/permission.js";
import { schedulerIdOf } from "../../../src/pipeline/run-id.js";
import type { ScheduleControl, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import type { ScheduleState } from "../../../src/stores/schedule-states.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { description, entry, indexedChore, repoCatalog, runView } from "./chores-fixtures.js";

const EVERY_2_MIN: ScheduleDescription = {
  cron: null,
  everyMs: 120_000,
  timezone: "UTC",
  retries: { attempts: 3, backoff: "exponential", delayMs: 60_000 },
  retryOn: ["failed"],
  overlap: "skip",
  catchUp: "latest",
  inputs: {},
};
const NIGHTLY: ScheduleDescription = {
  ...EVERY_2_MIN,
  cron: "0 3 * * *",
  everyMs: null,
  timezone: "Europe/Berlin",
  retries: { attempts: 1, backoff: "fixed", delayMs: 0 },
};
/** 2026-12-07 02:00 UTC: 03:00 in Berlin. */
const NEXT = Date.parse("2026-12-07T02:00:00Z");

const purge = indexedChore("purge-sessions", description({}, { schedule: EVERY_2_MIN }));
const report = indexedChore("nightly-report", description({}, { schedule: NIGHTLY }));
// A description from before schedules: no `schedule` key at all.
const manual = indexedChore("manual", description({}));

function catalogs(): RepoCatalog[] {
  return [
    repoCatalog("acme", "shop", [entry(purge), entry(report), entry(manual)]),
    repoCatalog("acme", "private", [entry(indexedChore("hidden", description({}, { schedule: EVERY_2_MIN })))]),
  ];
}

const ROLES: Record<string, Record<string, Permission>> = {
  alice: { "acme/shop": "write", "acme/private": "admin" },
  bob: { "acme/shop": "read", "acme/private": "none" },
};

/** A ScheduleControl kept in memory: paused schedules have no next occurrence; every call is recorded. */
class FakeSchedules implements ScheduleControl {
  readonly paused = new Map<string, { by: string; at: string }>();
  readonly calls: Array<[string, ScheduleRef, string?]> = [];
  async pause(ref: ScheduleRef, by: string) {
    this.calls.push(["pause", ref, by]);
    if (this.paused.has(ref.schedulerId)) return false;
    this.paused.set(ref.schedulerId, { by, at: "2026-12-06T14:00:00.000Z" });
    return true;
  }
  async resume(ref: ScheduleRef, by: string) {
    this.calls.push(["resume", ref, by]);
    return this.paused.delete(ref.schedulerId);
  }
  async next(ref: ScheduleRef) {
    this.calls.push(["next", ref]);
    return this.paused.has(ref.schedulerId) ? null : NEXT;
  }
  state(schedulerId: string): ScheduleState {
    return {
      paused: this.paused.get(schedulerId) ?? null,
      running: null,
      lastOccurrenceMs: null,
      failing: false,
      lastSuccessAt: "2026-12-06T13:58:00.000Z",
      last: { runId: "sched-run-ok", status: "succeeded", at: "2026-12-06T13:58:00.000Z" },
    };
  }
}

interface Fake {
  deps: ChoresPagesDeps;
  schedules: FakeSchedules;
  runs: ChoreRunView[];
  /** How many pause/resume requests the rate lets through. */
  rateLeft: number;
}

function fake(): Fake {
  const schedules = new FakeSchedules();
  const f: Fake = { schedules, runs: [], rateLeft: 100, deps: undefined as unknown as ChoresPagesDeps };
  const all = catalogs();
  const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
  f.deps = {
    catalog: {
      repositories: async () => all.map(({ owner, repo }) => ({ owner, repo })),
      read: async (owner, repo) => all.find((c) => c.owner === owner && c.repo === repo) ?? null,
      bundle: async () => null,
    },
    signIn: {
      user: (req) => {
        const name = login(req);
        return name === null ? null : { login: name, id: name.length };
      },
      redirectToLogin: (_req: IncomingMessage, res: ServerResponse) => res.writeHead(302, { Location: "/login" }).end(),
      csrfToken: (req) => `token-of-${login(req)}`,
      verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
    },
    permission: async (repo, user) => ROLES[user]?.[`${repo.owner}/${repo.repo}`] ?? "none",
    requiredPermission: (catalog) => catalog.config.chores.permission,
    startRun: async () => {
      throw new Error("no run is started here");
    },
    run: async (runId) => f.runs.find((run) => run.id === runId) ?? null,
    history: async (owner, repo, name, limit) => f.runs.filter((run) => run.repository === `${owner}/${repo}` && run.chore === name).slice(0, limit),
    cancel: async () => {},
    fileLimit: 1024,
    schedules: {
      control: schedules,
      state: async (schedulerId) => schedules.state(schedulerId),
      rate: async () => (f.rateLeft-- > 0 ? { allowed: true } : { allowed: false, retryAfterMs: 42_500, first: f.rateLeft === -1 }),
    },
  };
  return f;
}

let f: Fake;
let base: string;
let server: Server;

beforeAll(async () => {
  ({ base, server } = await serveHandler((req, res) => createChoresHandler(f.deps)(req, res)));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  f = fake();
});

const PURGE = "/chores/acme/shop/purge-sessions";
const PURGE_SWITCH = "/chores/schedules/acme/shop/purge-sessions";
const PURGE_REF: ScheduleRef = {
  owner: "acme",
  repo: "shop",
  chore: "purge-sessions",
  schedulerId: schedulerIdOf({ owner: "acme", repo: "shop", chore: "purge-sessions" }),
};

async function get(path: string, user = "alice") {
  const res = await fetch(`${base}${path}`, { headers: { Cookie: `user=${user}` }, redirect: "manual" });
  return { res, html: await res.text() };
}

async function post(path: string, fields: Record<string, string>, user = "alice", headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { Cookie: `user=${user}`, ...headers },
    redirect: "manual",
  });
  return { res, html: await res.text() };
}

/** The page's Pause/Resume form as a browser would send it. */
function switchForm(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form id="schedule-switch" method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no schedule switch in ${html}`);
  const fields = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  return { action: form[1]!, fields };
}

/** What changed a schedule: the pause and resume calls. */
function changes() {
  return f.schedules.calls.filter(([call]) => call !== "next");
}

describe("the chore page's schedule panel", () => {
  it("shows the schedule in words, its next occurrence, its state, last success and scheduled runs as 'on schedule'", async () => {
    f.runs = [
      runView({
        id: "sched-run-2",
        chore: "purge-sessions",
        trigger: "schedule",
        requested_by: "schedule",
        status: "failed",
        schedule: { occurrence_at: "2026-12-06T13:56:00.000Z", attempt: 2, attempts: 3 },
      }),
      runView({ id: "by-hand", chore: "purge-sessions", trigger: "ui", requested_by: "carol" }),
    ];
    const { res, html } = await get(PURGE);
    expect(res.status).toBe(200);
    expect(html).toContain('<dd id="schedule-rule"><code>every 2 min</code></dd>');
    expect(html).toContain("Up to 3 tries per occurrence (exponential backoff, from 1 min); an occurrence is skipped while the previous run still goes.");
    expect(html).toContain('<dd id="schedule-state">Runs on time</dd>');
    expect(html).toContain('<time datetime="2026-12-07T02:00:00.000Z">2026-12-07 02:00:00 UTC</time>');
    expect(html).toContain("2026-12-06 13:58:00 UTC");
    expect(html).toContain('<a href="/chores/runs/sched-run-ok">succeeded</a>');
    // The scheduled run, in the panel and in the history, is "on schedule" with its try; the person's run is theirs.
    expect(html).toContain("(2026-12-06 13:56:00 UTC, try 2 of 3)");
    expect(html).toContain("<td>on schedule, try 2 of 3</td>");
    expect(html).toContain("<td>carol</td>");
    expect(html).not.toMatch(/@schedule|<td>schedule<\/td>|by schedule/);
    const form = switchForm(html);
    expect(form).toEqual({ action: PURGE_SWITCH, fields: { csrf: "token-of-alice", action: "pause" } });
    expect(f.schedules.calls).toEqual([["next", PURGE_REF]]);
  });

  it("shows a cron schedule's next occurrence in its own time zone too", async () => {
    const { html } = await get("/chores/acme/shop/nightly-report");
    expect(html).toContain("<code>cron 0 3 * * * in Europe/Berlin</code>");
    expect(html).toContain("2026-12-07 02:00:00 UTC (07/12/2026, 03:00 Europe/Berlin)");
    expect(html).toContain("One try per occurrence, no retry");
  });

  it("has no panel for a chore without a schedule, and asks the schedules nothing for it", async () => {
    const { res, html } = await get("/chores/acme/shop/manual");
    expect(res.status).toBe(200);
    expect(html).not.toContain('id="schedule"');
    expect(f.schedules.calls).toEqual([]);
  });

  it("pauses and resumes: 303 back to the page, which says who paused it and when", async () => {
    const paused = await post(PURGE_SWITCH, switchForm((await get(PURGE)).html).fields);
    expect(paused.res.status).toBe(303);
    expect(paused.res.headers.get("location")).toBe(PURGE);
    expect(changes()).toEqual([["pause", PURGE_REF, "alice"]]);
    const page = (await get(PURGE)).html;
    expect(page).toContain('<dd id="schedule-state">Paused by alice since 2026-12-06 14:00:00 UTC</dd>');
    expect(page).toContain('<dd id="schedule-next">none while paused</dd>');
    expect(switchForm(page).fields.action).toBe("resume");
    expect(page).toContain("Resume</button>");

    const resumed = await post(PURGE_SWITCH, switchForm(page).fields);
    expect(resumed.res.status).toBe(303);
    expect(changes()).toEqual([
      ["pause", PURGE_REF, "alice"],
      ["resume", PURGE_REF, "alice"],
    ]);
    expect((await get(PURGE)).html).toContain('<dd id="schedule-state">Runs on time</dd>');
  });

  it("says so and changes nothing when a stale page pauses a paused schedule or resumes a running one", async () => {
    const form = switchForm((await get(PURGE)).html).fields;
    expect((await post(PURGE_SWITCH, form)).res.status).toBe(303);
    const again = await post(PURGE_SWITCH, form, "alice");
    expect(again.res.status).toBe(409);
    expect(again.html).toContain("This schedule was already paused by alice since 2026-12-06 14:00:00 UTC. Nothing was changed.");
    expect(f.schedules.paused.get(PURGE_REF.schedulerId)).toEqual({ by: "alice", at: "2026-12-06T14:00:00.000Z" });
    await post(PURGE_SWITCH, { ...form, action: "resume" });
    const notPaused = await post(PURGE_SWITCH, { ...form, action: "resume" });
    expect(notPaused.res.status).toBe(409);
    expect(notPaused.html).toContain("This schedule was not paused: it runs on time. Nothing was changed.");
  });

  it("refuses a POST without the session's CSRF token, or with another's", async () => {
    expect((await post(PURGE_SWITCH, { action: "pause" })).res.status).toBe(403);
    const other = await post(PURGE_SWITCH, { csrf: "token-of-bob", action: "pause" });
    expect(other.res.status).toBe(403);
    expect(other.html).toContain("security token is missing or out of date");
    expect(changes()).toEqual([]);
  });

  it("refuses a cross-site POST, even with the right token", async () => {
    const form = { csrf: "token-of-alice", action: "pause" };
    const origin = await post(PURGE_SWITCH, form, "alice", { Origin: "https://evil.example" });
    expect(origin.res.status).toBe(403);
    expect(origin.html).toContain("came from another site");
    expect((await post(PURGE_SWITCH, form, "alice", { "Sec-Fetch-Site": "cross-site" })).res.status).toBe(403);
    expect(changes()).toEqual([]);
    expect((await post(PURGE_SWITCH, form, "alice", { Origin: base, "Sec-Fetch-Site": "same-origin" })).res.status).toBe(303);
  });

  it("shows a read-only user the schedule without the switch, and refuses their POST", async () => {
    const { res, html } = await get(PURGE, "bob");
    expect(res.status).toBe(200);
    expect(html).toContain('<dd id="schedule-state">Runs on time</dd>');
    expect(html).not.toContain("schedule-switch");
    const refused = await post(PURGE_SWITCH, { csrf: "token-of-bob", action: "pause" }, "bob");
    expect(refused.res.status).toBe(403);
    expect(refused.html).toContain("pausing and resuming its chores' schedules needs write or above. Nothing was changed.");
    expect(changes()).toEqual([]);
  });

  it("answers 404 for a chore the user cannot see, the same as for one that does not exist", async () => {
    const hidden = await post("/chores/schedules/acme/private/hidden", { csrf: "token-of-bob", action: "pause" }, "bob");
    const missing = await post("/chores/schedules/acme/shop/nope", { csrf: "token-of-bob", action: "pause" }, "bob");
    expect(hidden.res.status).toBe(404);
    expect(missing.res.status).toBe(404);
    expect(hidden.html.replace("chore hidden in acme/private", "chore X")).toBe(missing.html.replace("chore nope in acme/shop", "chore X"));
    // Even without a token: a 403 would say the chore exists.
    expect((await post("/chores/schedules/acme/private/hidden", { action: "pause" }, "bob")).res.status).toBe(404);
    expect(changes()).toEqual([]);
  });

  it("answers 409 with a clear message for a chore without a schedule", async () => {
    const res = await post("/chores/schedules/acme/shop/manual", { csrf: "token-of-alice", action: "pause" });
    expect(res.res.status).toBe(409);
    expect(res.html).toContain("manual has no schedule: the version of it that runs declares none. Nothing was changed.");
    expect(changes()).toEqual([]);
  });

  it("refuses an action other than pause or resume, and methods other than POST", async () => {
    const bad = await post(PURGE_SWITCH, { csrf: "token-of-alice", action: "run-now" });
    expect(bad.res.status).toBe(400);
    expect(bad.html).toContain("Say pause or resume. Nothing was changed.");
    const getting = await get(PURGE_SWITCH);
    expect(getting.res.status).toBe(405);
    expect(getting.res.headers.get("allow")).toBe("POST");
    expect(changes()).toEqual([]);
  });

  it("limits how often one user may switch: past the rate, 429 with Retry-After and nothing changed", async () => {
    f.rateLeft = 1;
    const form = { csrf: "token-of-alice", action: "pause" };
    expect((await post(PURGE_SWITCH, form)).res.status).toBe(303);
    const limited = await post(PURGE_SWITCH, { ...form, action: "resume" });
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get("retry-after")).toBe("43");
    expect(limited.html).toContain("try again in 43 s. Nothing was changed.");
    expect(changes()).toEqual([["pause", PURGE_REF, "alice"]]);
  });
});

describe("the catalog's schedule marks", () => {
  it("marks each scheduled chore with its rule and next occurrence, reading one next occurrence per scheduled chore", async () => {
    f.schedules.paused.set(schedulerIdOf({ owner: "acme", repo: "shop", chore: "nightly-report" }), { by: "alice", at: "2026-12-06T14:00:00.000Z" });
    const { res, html } = await get("/chores");
    expect(res.status).toBe(200);
    const item = (name: string) => new RegExp(`<li><a href="/chores/acme/shop/${name}">[\\s\\S]*?</li>`).exec(html)?.[0] ?? "";
    expect(item("purge-sessions")).toContain("Scheduled: <code>every 2 min</code>, next 2026-12-07 02:00:00 UTC.");
    expect(item("nightly-report")).toContain("Scheduled: <code>cron 0 3 * * * in Europe/Berlin</code>, no next occurrence (paused or not set up).");
    expect(item("manual")).not.toContain("Scheduled");
    // acme/private's chore is alice's too (admin): three scheduled chores, three reads.
    expect(f.schedules.calls.map(([call, ref]) => `${call} ${ref.repo}/${ref.chore}`).sort()).toEqual([
      "next private/hidden",
      "next shop/nightly-report",
      "next shop/purge-sessions",
    ]);
  });
});

describe("a scheduled run's page", () => {
  it("says it ran on schedule, from which occurrence and which try, never as a person", async () => {
    f.runs = [
      runView({
        id: "sched-run-3",
        chore: "purge-sessions",
        trigger: "schedule",
        requested_by: "schedule",
        schedule: { occurrence_at: "2026-12-06T13:56:00.000Z", attempt: 3, attempts: 3 },
      }),
    ];
    const { res, html } = await get("/chores/runs/sched-run-3");
    expect(res.status).toBe(200);
    expect(html).toContain("<dt>Run by</dt><dd>on schedule, try 3 of 3</dd>");
    expect(html).toContain("<dt>Started from</dt><dd>the chore's schedule</dd>");
    expect(html).toContain('<dd id="run-occurrence"><time datetime="2026-12-06T13:56:00.000Z">2026-12-06 13:56:00 UTC</time>, try 3 of 3</dd>');
  });
});
