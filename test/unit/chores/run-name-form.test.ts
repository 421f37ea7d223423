/**
 * The chore form's optional run name, against the real RunNames on a throwaway Redis: claimed
 * for the run before it is queued, refused (409, the holder linked) when another run has it,
 * a field error (422) when it is no name.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoreRunRequest, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import { RUN_NAME_FIELD } from "../../../src/chores/form-names.js";
import type { Permission } from "../../../src/github/permission.js";
import { choreRunId } from "../../../src/pipeline/run-id.js";
import { RunNames } from "../../../src/stores/run-names.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { description, entry, indexedChore, repoCatalog, runView } from "./chores-fixtures.js";

const PREFIX = "{run-name-form}";
const TTL_MS = 90 * 60_000;
const PATH = "/chores/acme/shop/unlock-account";
const SHOP = { owner: "acme", repo: "shop" };

const unlock = indexedChore(
  "unlock-account",
  description({
    account: { type: "string", required: true, pattern: "^acct_\\d+$" },
    token: { type: "string", required: false, secret: true },
  }),
);
const squatter = indexedChore("squatter", description({ chorebot_run_name: { type: "string", required: false } }));
const catalog = repoCatalog("acme", "shop", [entry(unlock), entry(squatter)]);
const ROLES: Record<string, Permission> = { alice: "write", bob: "write", rita: "read" };

interface Fake {
  deps: ChoresPagesDeps;
  started: ChoreRunRequest[];
  runs: Map<string, ChoreRunView>;
  failStart: Error | null;
}

let server: TestRedis;
let redis: Redis;
let names: RunNames;
let f: Fake;
let base: string;
let http: Server;

function fake(withNames = true): Fake {
  const world: Fake = { started: [], runs: new Map(), failStart: null, deps: undefined as unknown as ChoresPagesDeps };
  const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
  world.deps = {
    catalog: {
      repositories: async () => [SHOP],
      read: async (owner, repo) => (owner === "acme" && repo === "shop" ? catalog : null),
      bundle: async () => null,
    },
    signIn: {
      user: (req) => (login(req) === null ? null : { login: login(req)!, id: 1 }),
      redirectToLogin: (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(302, { Location: "/login" }).end(),
      csrfToken: (req) => `token-of-${login(req)}`,
      verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
    },
    permission: async (_repo, user) => ROLES[user] ?? "none",
    requiredPermission: () => "write",
    startRun: async (request) => {
      if (world.failStart) throw world.failStart;
      world.started.push(request);
      // As enqueueChoreRun: the run's id from the request key, and the run then exists.
      const runId = choreRunId({ owner: request.catalog.owner, repo: request.catalog.repo, name: request.chore.name, requestKey: request.requestKey });
      world.runs.set(runId, runView({ id: runId, status: "queued", ...(request.name ? { name: request.name } : {}) }));
      return { runId };
    },
    run: async (runId) => world.runs.get(runId) ?? null,
    history: async () => [...world.runs.values()],
    cancel: async () => {},
    fileLimit: 1024,
    ...(withNames ? { names: { claim: (...a) => names.claim(...a), release: (...a) => names.release(...a), ttlMs: TTL_MS } } : {}),
  };
  return world;
}

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  names = new RunNames(redis, PREFIX, TTL_MS);
  ({ base, server: http } = await serveHandler((req, res) => createChoresHandler(f.deps)(req, res)));
});
afterAll(async () => {
  await new Promise((resolve) => http?.close(resolve));
  redis?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  await redis.flushall();
  f = fake();
});

async function get(path: string, user = "alice") {
  const res = await fetch(`${base}${path}`, { headers: { Cookie: `user=${user}` }, redirect: "manual" });
  return { res, html: await res.text() };
}

async function post(form: URLSearchParams, user = "alice") {
  const res = await fetch(`${base}${PATH}`, { method: "POST", body: form, headers: { Cookie: `user=${user}` }, redirect: "manual" });
  return { res, html: await res.text() };
}

/** A fresh form of the chore, as a browser submits it, with `values` typed in. */
async function formOf(values: Record<string, string>, user = "alice"): Promise<URLSearchParams> {
  const { html } = await get(PATH, user);
  const form = new URLSearchParams();
  for (const name of ["csrf", "version", "request_key"]) {
    const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
    if (!match) throw new Error(`no hidden ${name} in ${html}`);
    form.set(name, match[1]!);
  }
  for (const [name, value] of Object.entries(values)) form.set(name, value);
  return form;
}

function nameBlock(html: string): string {
  const match = /<div class="field field-run-name[^"]*">([\s\S]*?)<\/div>/.exec(html);
  if (!match) throw new Error(`no run name field in ${html}`);
  return match[1]!;
}

describe("the chore form's run name", () => {
  it("is an optional field with its rule, the browser's check and how long a name stays taken", async () => {
    const block = nameBlock((await get(PATH)).html);
    expect(block).toContain(`name="${RUN_NAME_FIELD}"`);
    expect(block).not.toMatch(/value="[^"]/);
    expect(block).toContain('maxlength="100"');
    expect(block).not.toContain("required");
    expect(block).toContain("for 1 h 30 min after");
    // The browser compiles a pattern attribute with the v flag: this one must compile there, and mean RUN_NAME.
    const pattern = /pattern="([^"]*)"/.exec(block)![1]!;
    const browser = new RegExp(`^(?:${pattern})$`, "v");
    for (const name of ["nightly-1", "a.b_c-d", "x".repeat(100)]) expect(browser.test(name), name).toBe(true);
    for (const name of ["-x", "a b", "x".repeat(101), "ｋey"]) expect(browser.test(name), name).toBe(false);
  });

  it("runs without a name when it is left empty", async () => {
    const { res } = await post(await formOf({ account: "acct_1", [RUN_NAME_FIELD]: "  " }));
    expect(res.status).toBe(303);
    expect(f.started[0]).not.toHaveProperty("name");
    expect(await redis.keys(`${PREFIX}:run-name:*`)).toEqual([]);
  });

  it("claims a valid name for the run before queueing it, and passes it on", async () => {
    const form = await formOf({ account: "acct_1", [RUN_NAME_FIELD]: " Nightly-Unlock " });
    const runId = choreRunId({ owner: "acme", repo: "shop", name: "unlock-account", requestKey: `page:${form.get("request_key")!}` });
    const { res } = await post(form);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/chores/runs/${runId}`);
    expect(f.started).toHaveLength(1);
    expect(f.started[0]).toMatchObject({ name: "Nightly-Unlock", requestedBy: "alice" });
    expect(await names.find(SHOP, "nightly-unlock")).toBe(runId);
  });

  it("refuses a name another run has, in any case: 409, the form again with the values, the holder linked, nothing run", async () => {
    await names.claim(SHOP, "deploy-42", "acme-chore-other-run");
    const form = await formOf({ account: "acct_7", token: "tok_s3cret-value", [RUN_NAME_FIELD]: "DEPLOY-42" }, "bob");
    const { res, html } = await post(form, "bob");
    expect(res.status).toBe(409);
    expect(f.started).toEqual([]);
    expect(html).toContain("The run name DEPLOY-42 is taken in acme/shop by another run. Nothing was run.");
    const block = nameBlock(html);
    expect(block).toContain('value="DEPLOY-42"');
    expect(block).toContain('aria-invalid="true"');
    expect(block).toContain('is taken by run <a href="/chores/runs/acme-chore-other-run">acme-chore-other-run</a>');
    // The summary at the top links it too; the values typed are kept, the secret is not.
    expect(html).toMatch(
      /<div class="errors" role="alert">[\s\S]*<a href="#run-name">Run name<\/a>: is taken by run <a href="\/chores\/runs\/acme-chore-other-run">/,
    );
    expect(html).toContain('value="acct_7"');
    expect(html).not.toContain("tok_s3cret-value");
    // The same request key: with another name the corrected form is still one run.
    expect(html).toContain(`value="${form.get("request_key")}"`);
    form.set(RUN_NAME_FIELD, "deploy-43");
    expect((await post(form, "bob")).res.status).toBe(303);
    expect(await names.find(SHOP, "deploy-42")).toBe("acme-chore-other-run");
  });

  it("makes a malformed name a field error (422) without claiming anything, alongside the inputs' errors", async () => {
    for (const typed of ["no spaces", "../../etc", "ｄeploy", "\u212Aelvin", "-dash-first", "x".repeat(101), "a\u0000b", "<script>x</script>"]) {
      const { res, html } = await post(await formOf({ account: "acct_1", [RUN_NAME_FIELD]: typed }));
      expect(res.status, typed).toBe(422);
      const block = nameBlock(html);
      expect(block).toContain(`<p class="error" id="run-name-error">must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit</p>`);
      expect(html).not.toContain("<script>x");
    }
    const both = await post(await formOf({ account: "nope", [RUN_NAME_FIELD]: "a b" }));
    expect(both.res.status).toBe(422);
    expect(both.html).toContain("2 values need");
    expect(f.started).toEqual([]);
    expect(await redis.keys(`${PREFIX}:run-name:*`)).toEqual([]);
  });

  it("claims nothing when the inputs are not valid", async () => {
    const { res } = await post(await formOf({ account: "nope", [RUN_NAME_FIELD]: "kept-free" }));
    expect(res.status).toBe(422);
    expect(await names.find(SHOP, "kept-free")).toBeNull();
  });

  it("answers the same form sent again with its run, claiming no other name", async () => {
    const form = await formOf({ account: "acct_1", [RUN_NAME_FIELD]: "first" });
    const first = await post(form);
    form.set(RUN_NAME_FIELD, "second");
    const again = await post(form);
    expect(again.res.status).toBe(303);
    expect(again.res.headers.get("location")).toBe(first.res.headers.get("location"));
    expect(f.started).toHaveLength(1);
    expect(await names.find(SHOP, "second")).toBeNull();
  });

  it("lets one of two users racing for a name have it", async () => {
    const [one, two] = await Promise.all([
      formOf({ account: "acct_1", [RUN_NAME_FIELD]: "race" }),
      formOf({ account: "acct_2", [RUN_NAME_FIELD]: "RACE" }, "bob"),
    ]);
    const answers = await Promise.all([post(one), post(two, "bob")]);
    expect(answers.map((answer) => answer.res.status).sort()).toEqual([303, 409]);
    expect(f.started).toHaveLength(1);
  });

  it("frees the name when the run cannot be queued", async () => {
    f.failStart = new Error("Redis refuses writes");
    const form = await formOf({ account: "acct_1", [RUN_NAME_FIELD]: "deploy" });
    expect((await post(form)).res.status).toBe(500);
    expect(await names.find(SHOP, "deploy")).toBeNull();
    f.failStart = null;
    expect((await post(form)).res.status).toBe(303);
  });

  it("is not on the form where runs cannot be named, and a name sent anyway is ignored", async () => {
    f = fake(false);
    const { html } = await get(PATH);
    expect(html).not.toContain(RUN_NAME_FIELD);
    const { res } = await post(await formOf({ account: "acct_1", [RUN_NAME_FIELD]: "ignored" }));
    expect(res.status).toBe(303);
    expect(f.started[0]).not.toHaveProperty("name");
  });

  it("keeps a chore with an input named like the field off the page", async () => {
    const { html } = await get("/chores/acme/shop/squatter");
    expect(html).toContain("its input &quot;chorebot_run_name&quot; has a name the form uses for itself");
    expect(html).not.toContain("Run</button>");
  });

  it("shows the run's name on its page and in the chore's history", async () => {
    const { res } = await post(await formOf({ account: "acct_1", [RUN_NAME_FIELD]: "Nightly-Unlock" }));
    const runPage = await get(res.headers.get("location")!, "rita");
    expect(runPage.res.status).toBe(200);
    expect(runPage.html).toContain("<dt>Name</dt><dd><code>Nightly-Unlock</code></dd>");
    expect((await get(PATH, "rita")).html).toContain('<span class="run-name">Nightly-Unlock </span>');
  });
});
