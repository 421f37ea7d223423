import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import type { ChoreRunView } from "../../../src/chores/chore-run-view.js";
import { createChoresHandler, type ChoreRunRequest, type ChoresPagesDeps } from "../../../src/chores/create-chores-handler.js";
import { atLeast, type Permission } from "../../../src/github/permission.js";
import { serveHandler } from "../../helpers/serve-handler.js";
import { COMMIT, description, entry, indexedChore, NEWER_COMMIT, repoCatalog, runView } from "./chores-fixtures.js";

const FILE_LIMIT = 1024;

const unlock = indexedChore(
  "unlock-account",
  description({
    account: { type: "string", required: true, pattern: "^acct_\\d+$", description: "The account to unlock" },
    region: { type: "string", required: false, default: "eu", choices: ["us", "eu"] },
    limit: { type: "int", required: false, default: 100, min: 1, max: 1000 },
    notify: { type: "bool", required: false, default: true },
    token: { type: "string", required: true, secret: true },
  }),
);
const importer = indexedChore(
  "billing/import",
  description({ csv: { type: "file", required: true, description: "Ids, one a line" } }, { concurrency: "global" }),
);
const plain = indexedChore("plain", null);
const reserved = indexedChore("reserved", description({ version: { type: "string", required: true } }));

function catalogs(): RepoCatalog[] {
  return [
    repoCatalog("acme", "shop", [
      entry(unlock, { problem: { commit: NEWER_COMMIT, message: "chores/unlock-account.ts changed in a direct push, without an approved pull request" } }),
      entry(importer),
      entry(plain),
      entry(reserved),
      entry(null, { name: "broken", problem: { commit: COMMIT, message: "it does not bundle: <Could not resolve 'nope'>" } }),
    ]),
    repoCatalog("acme", "private", [entry(indexedChore("secret-chore", null))]),
    repoCatalog("other", "tools", [entry(indexedChore("tidy", null))]),
  ];
}

/** Who has which role where: alice writes to acme/shop, bob reads it; nobody but alice sees acme/private. */
const ROLES: Record<string, Record<string, Permission>> = {
  alice: { "acme/shop": "write", "acme/private": "admin", "other/tools": "read" },
  bob: { "acme/shop": "read", "acme/private": "none", "other/tools": "none" },
  carol: { "acme/shop": "write", "acme/private": "none", "other/tools": "read" },
};

interface Fake {
  deps: ChoresPagesDeps;
  started: ChoreRunRequest[];
  cancelled: Array<[string, string]>;
  runs: Map<string, ChoreRunView>;
  catalogs: RepoCatalog[];
  failPermission: boolean;
}

function fake(): Fake {
  const f: Fake = {
    started: [],
    cancelled: [],
    runs: new Map(),
    catalogs: catalogs(),
    failPermission: false,
    deps: undefined as unknown as ChoresPagesDeps,
  };
  const login = (req: IncomingMessage) => /(?:^|;\s*)user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? null;
  f.deps = {
    catalog: {
      repositories: async () => f.catalogs.map(({ owner, repo }) => ({ owner, repo })),
      read: async (owner, repo) => f.catalogs.find((c) => c.owner === owner && c.repo === repo) ?? null,
      bundle: async () => null,
    },
    signIn: {
      user: (req) => {
        const name = login(req);
        return name === null ? null : { login: name, id: name.length };
      },
      redirectToLogin: (req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(302, { Location: `/login?return=${encodeURIComponent(req.url ?? "/")}` }).end();
      },
      csrfToken: (req) => `token-of-${login(req)}`,
      verifyCsrf: (req, token) => token === `token-of-${login(req)}`,
    },
    permission: async (repo, user) => {
      if (f.failPermission) throw new Error("GitHub is down");
      expect(repo.installationId).toBe(42);
      return ROLES[user]?.[`${repo.owner}/${repo.repo}`] ?? "none";
    },
    requiredPermission: (catalog) => catalog.config.chores.permission,
    startRun: async (request) => {
      f.started.push(request);
      return { runId: `run-${f.started.length}` };
    },
    run: async (runId) => f.runs.get(runId) ?? null,
    history: async (owner, repo, name, limit) =>
      [...f.runs.values()].filter((run) => run.repository === `${owner}/${repo}` && run.chore === name).slice(0, limit),
    cancel: async (runId, by) => {
      f.cancelled.push([runId, by]);
    },
    fileLimit: FILE_LIMIT,
  };
  return f;
}

let f: Fake;
let base: string;
let server: Server;

beforeAll(async () => {
  // The handler reads `f` through the deps object, replaced before each test.
  ({ base, server } = await serveHandler((req, res) => createChoresHandler(f.deps)(req, res)));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  f = fake();
});

function as(user: string, headers: Record<string, string> = {}): Record<string, string> {
  return { Cookie: `user=${user}`, ...headers };
}

async function get(path: string, user: string | null = "alice") {
  const res = await fetch(`${base}${path}`, { headers: user ? as(user) : {}, redirect: "manual" });
  return { res, html: await res.text() };
}

async function post(path: string, body: URLSearchParams | FormData, user = "alice", headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method: "POST", body, headers: as(user, headers), redirect: "manual" });
  return { res, html: await res.text() };
}

/** What the chore page's form holds, as a browser would submit it untouched (plus `values`). */
async function formOf(path: string, values: Record<string, string>, user = "alice"): Promise<URLSearchParams> {
  const { html } = await get(path, user);
  const form = new URLSearchParams();
  for (const name of ["csrf", "version", "request_key"]) form.set(name, hidden(html, name));
  for (const [name, value] of Object.entries(values)) form.set(name, value);
  return form;
}

function hidden(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden ${name} field in ${html}`);
  return match[1]!;
}

/** The block of one form field: its label, control, help and error. */
function fieldBlock(html: string, name: string): string {
  const match = new RegExp(`<div class="field[^"]*" data-input="${name}">([\\s\\S]*?)</div>`).exec(html);
  if (!match) throw new Error(`no field ${name} in ${html}`);
  return match[1]!;
}

const SHOP_UNLOCK = "/chores/acme/shop/unlock-account";

describe("createChoresHandler", () => {
  it("takes the runs API's views of runs as they are", () => {
    expectTypeOf<RunStatusView>().toExtend<ChoreRunView>();
  });

  it("leaves other paths to the next handler", async () => {
    expect((await get("/login")).res.status).toBe(404);
    expect((await get("/choresx")).res.status).toBe(404);
  });

  it("sends anyone not signed in to the login, for pages and posts alike", async () => {
    for (const path of ["/chores", SHOP_UNLOCK, "/chores/runs/run-1", "/chores/nope"]) {
      const { res } = await get(path, null);
      expect(res.status, path).toBe(302);
      expect(res.headers.get("location")).toBe(`/login?return=${encodeURIComponent(path)}`);
    }
    const res = await fetch(`${base}${SHOP_UNLOCK}`, { method: "POST", body: new URLSearchParams({ account: "acct_1" }), redirect: "manual" });
    expect(res.status).toBe(302);
    expect(f.started).toEqual([]);
  });

  it("serves its stylesheet to anyone", async () => {
    const { res, html } = await get("/chores/assets/chores.css", null);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(html).toContain(".field");
  });

  it("lists the chores of every repository the user can read, with their concurrency, problems and last runs", async () => {
    f.runs.set("r-9", runView({ id: "r-9", status: "failed", chore: "unlock-account" }));
    const { res, html } = await get("/chores", "bob");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<a href="${SHOP_UNLOCK}"><strong>unlock-account</strong></a>`);
    expect(html).toContain('<a href="/chores/acme/shop/billing/import">');
    expect(html).toContain("Unlocks a customer's account");
    expect(html).toContain("Concurrency: one run at a time among every script and chore declaring global concurrency.");
    expect(html).toContain('<a href="/chores/runs/r-9"');
    expect(html).toContain('<span class="status status-failed">failed</span>');
    // The problem, escaped.
    expect(html).toContain("it does not bundle: &lt;Could not resolve 'nope'>");
    expect(html).toContain("changed in a direct push, without an approved pull request");
    expect(html).toContain("You have read permission here");
    // Repositories bob cannot read are not there.
    expect(html).not.toContain("acme/private");
    expect(html).not.toContain("other/tools");
    expect(html).not.toContain("secret-chore");
    // The logout form posts the session's CSRF token.
    expect(html).toMatch(/<form method="post" action="\/logout">[\s\S]*<input type="hidden" name="csrf" value="token-of-bob"\/>/);
  });

  it("shows a chore's form to who may run it: a field per input, named after it, with labels and help", async () => {
    const { res, html } = await get(SHOP_UNLOCK);
    expect(res.status).toBe(200);
    expect(html).toContain("<h1>unlock-account</h1>");
    expect(html).toContain("one run at a time");
    expect(hidden(html, "csrf")).toBe("token-of-alice");
    expect(hidden(html, "version")).toBe(COMMIT);
    expect(hidden(html, "request_key")).toMatch(/^[0-9a-f-]{36}$/);
    expect(html).toContain('enctype="application/x-www-form-urlencoded"');
    expect(fieldBlock(html, "account")).toMatch(/<label for="input-0">account <span class="required">\(required\)<\/span><\/label>/);
    expect(fieldBlock(html, "account")).toContain('<input type="text" id="input-0" name="account"');
    expect(fieldBlock(html, "account")).toContain('pattern=".*(?:^acct_\\d+$).*"');
    expect(fieldBlock(html, "account")).toContain("The account to unlock");
    expect(fieldBlock(html, "region")).toContain('<option value="eu" selected>eu</option>');
    expect(fieldBlock(html, "limit")).toMatch(/<input type="number"[^>]* name="limit"[^>]* value="100"[^>]* min="1" max="1000" step="1"/);
    expect(fieldBlock(html, "notify")).toMatch(/<input type="checkbox"[^>]* name="notify"[^>]* value="true" checked/);
    expect(fieldBlock(html, "token")).toMatch(/<input type="password"[^>]* name="token" autocomplete="off" required\/>/);
    expect(html).toContain('<button type="submit">Run</button>');
    // The newest version does not run, and the page says why.
    expect(html).toContain("Its newest version (commit <code>bbbbbbb</code>) does not run");
  });

  it("uses a multipart form for a chore with a file input", async () => {
    const { html } = await get("/chores/acme/shop/billing/import");
    expect(html).toContain('enctype="multipart/form-data"');
    expect(fieldBlock(html, "csv")).toMatch(/<input type="file"[^>]* name="csv"[^>]* required/);
  });

  it("shows a read-only user the chore without a Run button, and refuses their POST", async () => {
    const { res, html } = await get(SHOP_UNLOCK, "bob");
    expect(res.status).toBe(200);
    expect(html).not.toContain("Run</button>");
    expect(html).not.toContain('name="account"');
    expect(html).toContain("You have read permission on acme/shop; running its chores needs write or above.");
    const form = new URLSearchParams({ csrf: "token-of-bob", version: COMMIT, request_key: "k".repeat(20), account: "acct_1", token: "t" });
    const refused = await post(SHOP_UNLOCK, form, "bob");
    expect(refused.res.status).toBe(403);
    expect(refused.html).toContain("running its chores needs write or above. Nothing was run.");
    expect(f.started).toEqual([]);
  });

  it("answers 404 for an unknown chore or repository, and for one the user cannot read", async () => {
    for (const [path, user] of [
      ["/chores/acme/shop/nope", "alice"],
      ["/chores/acme/nowhere/unlock-account", "alice"],
      ["/chores/acme/private/secret-chore", "bob"],
      ["/chores/runs/no-such-run", "alice"],
      ["/chores/a/b", "alice"],
    ] as const) {
      const { res, html } = await get(path, user);
      expect(res.status, path).toBe(404);
      expect(html).toContain("<h1>Not found</h1>");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
    expect((await post("/chores/acme/shop/nope", new URLSearchParams({ csrf: "token-of-alice" }))).res.status).toBe(404);
    expect((await post("/chores/acme/private/secret-chore", new URLSearchParams({ csrf: "token-of-bob" }), "bob")).res.status).toBe(404);
    expect(f.started).toEqual([]);
  });

  it("runs a valid submission: 303 to the run's page, with the values coerced, the box unticked and the secret passed on", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "acct_42", limit: " 7 ", token: "tok_s3cret" });
    const { res } = await post(SHOP_UNLOCK, form);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/chores/runs/run-1");
    expect(f.started).toHaveLength(1);
    const [request] = f.started;
    expect(request).toMatchObject({
      requestedBy: "alice",
      // The form's key in the page's own space: never another trigger's (a comment's `comment-<id>`).
      requestKey: `page:${form.get("request_key")}`,
      values: { account: "acct_42", region: "eu", limit: "7", notify: "false", token: "tok_s3cret" },
      files: {},
    });
    expect(request!.chore).toBe(unlock);
    expect(request!.catalog.repo).toBe("shop");
  });

  it("passes uploaded files on", async () => {
    const path = "/chores/acme/shop/billing/import";
    const fields = await formOf(path, {});
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    form.append("csv", new Blob(["acct_1\nacct_2\n"]), "ids.csv");
    const { res } = await post(path, form);
    expect(res.status).toBe(303);
    expect(f.started[0]!.files).toEqual({ csv: { filename: "ids.csv", bytes: Buffer.from("acct_1\nacct_2\n") } });
    expect(f.started[0]!.values).toEqual({});
  });

  it("answers a bad value with 422: the form again, each message next to its field, values kept but secrets", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "<b>bob</b>", limit: "0", region: "us", token: "hunter2" });
    form.delete("notify");
    const { res, html } = await post(SHOP_UNLOCK, form);
    expect(res.status).toBe(422);
    expect(f.started).toEqual([]);
    expect(html).toContain("Nothing was run.");
    const account = fieldBlock(html, "account");
    expect(account).toContain('<p class="error" id="input-0-error">must match /^acct_\\d+$/, got &quot;&lt;b>bob&lt;/b>&quot;</p>');
    expect(account).toContain('value="&lt;b>bob&lt;/b>"');
    expect(account).toContain('aria-invalid="true"');
    expect(fieldBlock(html, "limit")).toContain("must be an integer between 1 and 1000, got &quot;0&quot;");
    expect(fieldBlock(html, "limit")).toContain('value="0"');
    expect(fieldBlock(html, "region")).not.toContain('class="error"');
    expect(fieldBlock(html, "region")).toContain('<option value="us" selected>us</option>');
    // Unticked stays unticked.
    expect(fieldBlock(html, "notify")).not.toContain("checked");
    expect(html).not.toContain("hunter2");
    // The same request key, so the corrected form is still one run.
    expect(hidden(html, "request_key")).toBe(form.get("request_key"));
  });

  it("says a required secret is missing without echoing anything", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "acct_1" });
    const { res, html } = await post(SHOP_UNLOCK, form);
    expect(res.status).toBe(422);
    expect(fieldBlock(html, "token")).toContain("is required");
  });

  it("refuses a POST without the session's CSRF token", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "acct_1", token: "t" });
    form.delete("csrf");
    const missing = await post(SHOP_UNLOCK, form);
    expect(missing.res.status).toBe(403);
    expect(missing.html).toContain("security token is missing or out of date");
    form.set("csrf", "token-of-carol");
    expect((await post(SHOP_UNLOCK, form)).res.status).toBe(403);
    expect(f.started).toEqual([]);
  });

  it("refuses a cross-site POST", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "acct_1", token: "tok_s3cret" });
    const origin = await post(SHOP_UNLOCK, form, "alice", { Origin: "https://evil.example" });
    expect(origin.res.status).toBe(403);
    expect(origin.html).toContain("came from another site");
    expect((await post(SHOP_UNLOCK, form, "alice", { "Sec-Fetch-Site": "cross-site" })).res.status).toBe(403);
    expect(f.started).toEqual([]);
    // From chorebot's own page it goes through.
    expect((await post(SHOP_UNLOCK, form, "alice", { Origin: base, "Sec-Fetch-Site": "same-origin" })).res.status).toBe(303);
  });

  it("answers 409 with the new form when the chore changed since the page was opened", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "acct_1", token: "t" });
    const newer = { ...unlock, commit: NEWER_COMMIT };
    f.catalogs[0]!.chores[0] = entry(newer);
    const { res, html } = await post(SHOP_UNLOCK, form);
    expect(res.status).toBe(409);
    expect(html).toContain("This chore changed since the page was opened: it now runs the version of commit bbbbbbb");
    expect(hidden(html, "version")).toBe(NEWER_COMMIT);
    expect(fieldBlock(html, "account")).toContain('value="acct_1"');
    expect(f.started).toEqual([]);
  });

  it("answers 409 when the chore can no longer run", async () => {
    const form = await formOf(SHOP_UNLOCK, { account: "acct_1", token: "t" });
    f.catalogs[0]!.chores[0] = entry(null, { name: "unlock-account", problem: { commit: NEWER_COMMIT, message: "its definition cannot be read" } });
    const { res, html } = await post(SHOP_UNLOCK, form);
    expect(res.status).toBe(409);
    expect(html).toContain("This chore cannot run: its definition cannot be read");
    expect(html).not.toContain("Run</button>");
  });

  it("refuses a file over the limit with 413 and a clear message, running nothing", async () => {
    const path = "/chores/acme/shop/billing/import";
    const fields = await formOf(path, {});
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    form.append("csv", new Blob(["x".repeat(FILE_LIMIT + 1)]), "big.csv");
    const { res, html } = await post(path, form);
    expect(res.status).toBe(413);
    expect(html).toContain("The file &quot;big.csv&quot; for csv is over the limit of 1 KiB; nothing was run.");
    expect(f.started).toEqual([]);
  });

  it("runs a plain script's chore with a bare Run button", async () => {
    const { html } = await get("/chores/acme/shop/plain");
    expect(html).toContain('<button type="submit">Run</button>');
    const form = await formOf("/chores/acme/shop/plain", {});
    expect((await post("/chores/acme/shop/plain", form)).res.status).toBe(303);
    expect(f.started[0]!.values).toEqual({});
  });

  it("says why a chore whose input is named like a hidden field cannot run from the page", async () => {
    const { html } = await get("/chores/acme/shop/reserved");
    expect(html).toContain("its input &quot;version&quot; has a name the form uses for itself");
    expect(html).not.toContain("Run</button>");
  });

  it("answers 503 when GitHub does not answer the permission check, and leaves out what it cannot check", async () => {
    f.failPermission = true;
    const { res, html } = await get(SHOP_UNLOCK);
    expect(res.status).toBe(503);
    expect(html).toContain("GitHub did not answer");
    const catalog = await get("/chores");
    expect(catalog.res.status).toBe(200);
    expect(catalog.html).toContain("Your access to 3 repositories could not be checked");
  });

  it("answers 405 for other methods", async () => {
    const res = await fetch(`${base}/chores`, { method: "PUT", headers: as("alice") });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const cancel = await fetch(`${base}/chores/runs/run-1/cancel`, { headers: as("alice") });
    expect(cancel.status).toBe(405);
  });

  describe("the run page", () => {
    const live = () =>
      runView({
        id: "r-1",
        status: "running",
        finished_at: null,
        duration_ms: null,
        progress: 40,
        counters: { unlocked: 3, leaked: "[REDACTED]" },
        inputs: { account: "acct_42", token: { secret: true }, csv: { file: "ids.csv", bytes: 2048, sha256: "f".repeat(64) }, note: null },
        output: [
          { t: 5, stream: "stdout", text: "<script>alert(1)</script>" },
          { t: 1200, stream: "stderr", text: "\u001b[31mwarning\u001b[0m & more" },
          { t: 1300, stream: "log", text: "unlocked <acct_42>" },
        ],
      });

    it("shows who ran it, its inputs as logged, its output escaped, and follows it live (reloading itself without JavaScript)", async () => {
      f.runs.set("r-1", live());
      const { res, html } = await get("/chores/runs/r-1");
      expect(res.status).toBe(200);
      // A browser running the script does not reload: the refresh is for one that does not.
      expect(html).toContain('<noscript><meta http-equiv="refresh" content="5"/></noscript>');
      expect(html).toContain('<script type="module" src="/chores/live/client.js"></script>');
      expect(html).toContain('<div id="run" data-events="/chores/runs/r-1/events?after=1-l-1300-1">');
      expect(res.headers.get("content-security-policy")).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; script-src 'self'; connect-src 'self'",
      );
      expect(html).toContain('<span class="status status-running">running</span>');
      expect(html).toContain("<dt>Run by</dt><dd>alice</dd>");
      expect(html).toContain("&lt;script>alert(1)&lt;/script>");
      expect(html).not.toContain("<script>");
      expect(html).toContain("warning &amp; more");
      expect(html).not.toContain("\u001b");
      expect(html).toContain("unlocked &lt;acct_42>");
      expect(html).toContain("•••••• (secret)");
      expect(html).toContain(`ids.csv (2 KiB, sha256 ${"f".repeat(64)})`);
      expect(html).toContain("(not given)");
      expect(html).toContain('<th scope="row">unlocked</th><td>3</td>');
      expect(html).toContain("[REDACTED]");
      expect(html).toContain('<dt>Progress</dt><dd id="run-progress">40</dd>');
      // alice may run acme/shop's chores: she may cancel.
      expect(html).toMatch(
        /<form id="run-cancel" method="post" action="\/chores\/runs\/r-1\/cancel" class="cancel"><input type="hidden" name="csrf" value="token-of-alice"\/>/,
      );
    });

    it("shows a final run without reloading, with its result, message and committed log", async () => {
      f.runs.set(
        "r-2",
        runView({
          id: "r-2",
          status: "failed",
          message: "exited with code 1 <oops>",
          result: { unlocked: ["acct_42"], html: "<img src=x onerror=alert(1)>" },
          log: { path: "logs/chores/unlock-account/2026/12/02-r-2.md", commit: NEWER_COMMIT, url: "https://github.example/acme/shop/blob/x/logs.md" },
        }),
      );
      const { res, html } = await get("/chores/runs/r-2");
      expect(html).not.toContain("http-equiv");
      expect(html).not.toContain("<script");
      expect(html).not.toContain("data-events");
      expect(res.headers.get("content-security-policy")).not.toContain("script-src");
      expect(html).not.toContain("Cancel this run");
      expect(html).toContain('<span class="status status-failed">failed</span>');
      expect(html).toContain("exited with code 1 &lt;oops>");
      expect(html).toContain("&quot;html&quot;: &quot;&lt;img src=x onerror=alert(1)>&quot;");
      expect(html).toContain('<a href="https://github.example/acme/shop/blob/x/logs.md">logs/chores/unlock-account/2026/12/02-r-2.md</a>');
    });

    it("follows a chore's unfinished runs live on its page, and loads no script when all are over", async () => {
      f.runs.set("r-1", live());
      f.runs.set("r-2", runView({ id: "r-2", status: "succeeded" }));
      const { res, html } = await get(SHOP_UNLOCK);
      expect(html).toContain('<script type="module" src="/chores/live/client.js"></script>');
      expect(html).not.toContain("http-equiv");
      expect(res.headers.get("content-security-policy")).toContain("; script-src 'self'; connect-src 'self'");
      expect(html).toContain('<table class="history" data-events="/chores/events?run=r-1">');
      expect(html).toContain('<tr data-run="r-1"><td class="run-status"><span class="status status-running">running</span>');
      f.runs.delete("r-1");
      const over = await get(SHOP_UNLOCK);
      expect(over.html).not.toContain("<script");
      expect(over.html).not.toContain("data-events");
      expect(over.res.headers.get("content-security-policy")).not.toContain("script-src");
    });

    it("shows a waiting run as waiting, with its reason", async () => {
      f.runs.set("r-3", runView({ id: "r-3", status: "waiting", waiting_reason: "waiting for run r-0 of this chore", started_at: null }));
      const { html } = await get("/chores/runs/r-3");
      expect(html).toContain('<span class="status status-waiting">waiting</span>');
      expect(html).toContain("waiting for run r-0 of this chore");
    });

    it("shows a read-only user no Cancel button, and hides runs of repositories they cannot read", async () => {
      f.runs.set("r-1", live());
      const { res, html } = await get("/chores/runs/r-1", "bob");
      expect(res.status).toBe(200);
      expect(html).not.toContain("Cancel this run");
      f.runs.set("r-4", runView({ id: "r-4", repository: "acme/private", chore: "secret-chore" }));
      expect((await get("/chores/runs/r-4", "bob")).res.status).toBe(404);
      expect((await get("/chores/runs/r-4", "alice")).res.status).toBe(200);
    });

    it("neither shows nor cancels a merged one-off script's run: those are the dashboard's", async () => {
      f.runs.set("r-5", { ...live(), id: "r-5", chore: null, trigger: "merge", requested_by: null, inputs: null, script: "scripts/backfill.ts" });
      expect((await get("/chores/runs/r-5", "alice")).res.status).toBe(404);
      expect((await post("/chores/runs/r-5/cancel", new URLSearchParams({ csrf: "token-of-alice" }))).res.status).toBe(404);
      expect(f.cancelled).toEqual([]);
    });

    it("cancels a live run for who may run the chore: 303 back to the run, recording who", async () => {
      f.runs.set("r-1", live());
      const { res } = await post("/chores/runs/r-1/cancel", new URLSearchParams({ csrf: "token-of-alice" }));
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/chores/runs/r-1");
      expect(f.cancelled).toEqual([["r-1", "alice"]]);
    });

    it("refuses a cancel without CSRF token, cross-site, from a reader, or of a finished run", async () => {
      f.runs.set("r-1", live());
      expect((await post("/chores/runs/r-1/cancel", new URLSearchParams({}))).res.status).toBe(403);
      expect(
        (await post("/chores/runs/r-1/cancel", new URLSearchParams({ csrf: "token-of-alice" }), "alice", { Origin: "https://evil.example" })).res.status,
      ).toBe(403);
      const reader = await post("/chores/runs/r-1/cancel", new URLSearchParams({ csrf: "token-of-bob" }), "bob");
      expect(reader.res.status).toBe(403);
      expect(reader.html).toContain("Nothing was cancelled.");
      f.runs.set("r-2", runView({ id: "r-2", status: "succeeded" }));
      const over = await post("/chores/runs/r-2/cancel", new URLSearchParams({ csrf: "token-of-alice" }));
      expect(over.res.status).toBe(409);
      expect(over.html).toContain("This run is over (succeeded): there is nothing to cancel.");
      expect((await post("/chores/runs/nope/cancel", new URLSearchParams({ csrf: "token-of-alice" }))).res.status).toBe(404);
      expect(f.cancelled).toEqual([]);
    });
  });

  it("checks the permissions against the roles table", () => {
    // The fake's roles agree with atLeast's order (a guard on the fixture itself).
    expect(atLeast(ROLES.alice!["acme/shop"]!, "write")).toBe(true);
    expect(atLeast(ROLES.bob!["acme/shop"]!, "write")).toBe(false);
  });
});
