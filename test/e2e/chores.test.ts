import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { TestBrowser } from "../helpers/test-browser.js";
import { pushJobs } from "./push-jobs.js";
import { DASHBOARD, startHarness, type Harness } from "./harness.js";

// The whole way of a chore, over HTTP against the GitHub stand-in: merged through a reviewed
// pull request, indexed, found on /chores after signing in with GitHub, run from its generated
// form, and recorded in a log committed to the default branch.

const PATH = "chores/unlock-account.ts";
const SECRET_TOKEN = "tok-secret-98765";

function chore(version: string): string {
  return `import { appendFileSync, readFileSync } from "node:fs";
import { bool, defineScript, file, int, string } from "chorebot";
export default defineScript({
  description: "Unlocks a customer's account",
  concurrency: "self",
  env: ["SIDE_EFFECTS"],
  inputs: {
    account: string({ pattern: /^acct_[0-9]+$/, description: "the account id" }),
    reason: string({ choices: ["fraud-cleared", "support"], default: "support" }),
    attempts: int({ min: 1, max: 5, default: 3 }),
    notify: bool({ default: false }),
    token: string({ secret: true, optional: true }),
    list: file({ optional: true, description: "a CSV of accounts" }),
  },
  async run({ inputs, log, counter, progress }) {
    appendFileSync(process.env.SIDE_EFFECTS!, "unlock-${version}\\n");
    const rows = inputs.list ? readFileSync(inputs.list, "utf8").trim().split("\\n") : [];
    for (const _ of rows) counter.inc("rows");
    progress({ done: rows.length, total: rows.length });
    console.log("token is " + inputs.token);
    console.log("given PROD_API_TOKEN: " + (process.env.PROD_API_TOKEN !== undefined));
    log("unlocked " + inputs.account + " for " + inputs.reason);
    return { account: inputs.account, rows: rows.length, notify: inputs.notify, version: "${version}" };
  },
});
`;
}

let h: Harness;
let merged: { before: string; after: string };

const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);

function browserFor(login: string): TestBrowser {
  return new TestBrowser({ base: h.appUrl, githubHost: h.gh.host, githubCookie: h.gh.signInAs(login) });
}

/** Signs `login` in through GitHub's OAuth pages and opens the chore's page. */
async function openChore(login: string): Promise<{ browser: TestBrowser; html: string; hidden: Record<string, string> }> {
  const browser = browserFor(login);
  const { response } = await browser.follow(`/chores/${h.gh.owner}/${h.gh.repo}/unlock-account`);
  expect(response.status).toBe(200);
  const html = await response.text();
  const hidden: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"/g)) hidden[name!] ??= value!;
  return { browser, html, hidden };
}

function post(browser: TestBrowser, body: URLSearchParams | FormData, headers: Record<string, string> = {}): Promise<Response> {
  return browser.send(`/chores/${h.gh.owner}/${h.gh.repo}/unlock-account`, { method: "POST", headers: { origin: h.appUrl, ...headers }, body });
}

beforeAll(async () => {
  h = await startHarness({ chores: true });
  const indexing = (after: string) => pushJob(h.queues.index, after);
  const merge = await h.mergeAndPush({ [PATH]: chore("v1") });
  merged = merge;
  await Promise.all([indexing(merge.after), pushJob(h.queues.discover, merge.after)]);
});

afterAll(async () => {
  await closePushJobs();
  await h?.close();
});

describe("a chore", () => {
  it("is not run by its merge: it waits in the catalog", async () => {
    expect(await pushJob(h.queues.discover, merged.after)).toEqual({ runIds: [] });
    expect(await h.timesRan("unlock-v1")).toBe(0);
  });

  it("is listed on /chores once its user signed in with GitHub", async () => {
    const browser = browserFor("alice");
    const { response, visited } = await browser.follow("/chores");
    expect(visited.some((url) => url.includes("/login/oauth/authorize"))).toBe(true);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`href="/chores/${h.gh.owner}/${h.gh.repo}/unlock-account"`);
    expect(html).toContain("Unlocks a customer's account");
  });

  it("has a form generated from its inputs, which refuses a bad value next to its field and runs nothing", async () => {
    const { browser, html, hidden } = await openChore("alice");
    // A browser anchors `pattern`; the SDK's check does not: the field says what the SDK means.
    expect(html).toMatch(/<input[^>]*name="account"[^>]*required pattern="\.\*\(\?:\^acct_\[0-9\]\+\$\)\.\*"/);
    expect(html).toMatch(/<select[^>]*name="reason"/);
    expect(html).toMatch(/<input[^>]*type="number"[^>]*name="attempts"[^>]*|<input[^>]*name="attempts"[^>]*type="number"/);
    expect(html).toMatch(/<input[^>]*type="checkbox"[^>]*name="notify"|<input[^>]*name="notify"[^>]*type="checkbox"/);
    expect(html).toMatch(/<input[^>]*type="password"[^>]*name="token"|<input[^>]*name="token"[^>]*type="password"/);
    expect(html).toMatch(/<input[^>]*type="file"[^>]*name="list"|<input[^>]*name="list"[^>]*type="file"/);
    expect(hidden.version).toBe(merged.after);

    const jobs = await h.jobCount();
    const bad = await post(browser, new URLSearchParams({ ...hidden, account: "bob", attempts: "9", token: SECRET_TOKEN }));
    expect(bad.status).toBe(422);
    const page = await bad.text();
    expect(page).toContain("must match /^acct_[0-9]+$/");
    expect(page).toContain("between 1 and 5");
    expect(page).not.toContain(SECRET_TOKEN);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("refuses a POST without the session's CSRF token, or from another site", async () => {
    const { browser, hidden } = await openChore("alice");
    const jobs = await h.jobCount();
    const { csrf: _, ...withoutCsrf } = hidden;
    expect((await post(browser, new URLSearchParams({ ...withoutCsrf, account: "acct_1" }))).status).toBe(403);
    expect((await post(browser, new URLSearchParams({ ...hidden, account: "acct_1" }), { origin: "https://evil.example" })).status).toBe(403);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("shows a user with read permission no Run button, and refuses their POST", async () => {
    h.gh.setPermission("carol", "read");
    const { browser, html, hidden } = await openChore("carol");
    expect(html).not.toContain(">Run</button>");
    const jobs = await h.jobCount();
    expect((await post(browser, new URLSearchParams({ ...hidden, account: "acct_1", request_key: "carol-key" }))).status).toBe(403);
    expect(await h.jobCount()).toBe(jobs);
  });

  it("runs once from its form, with its inputs and a file, and lands its log on the default branch", async () => {
    const { browser, hidden } = await openChore("alice");
    const csv = "acct_1\nacct_2\nacct_3\n";
    const form = () => {
      const data = new FormData();
      for (const [name, value] of Object.entries({ ...hidden, account: "acct_42", reason: "fraud-cleared", notify: "on", token: SECRET_TOKEN })) {
        data.append(name, value);
      }
      data.append("list", new Blob([csv], { type: "text/csv" }), "accounts.csv");
      return data;
    };
    const answer = await post(browser, form());
    expect(answer.status).toBe(303);
    const location = answer.headers.get("location")!;
    const runId = decodeURIComponent(location.replace(/^.*\/chores\/runs\//, ""));
    // The same form sent twice (a double click, a retried request) is the same run.
    const again = await post(browser, form());
    expect(again.headers.get("location")).toBe(location);

    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    const today = new Date().toISOString().slice(0, 10).split("-");
    expect(result.logPath).toBe(`logs/chores/unlock-account/${today[0]}/${today[1]}/${today[2]}-${runId}.md`);
    expect(await h.timesRan("unlock-v1")).toBe(1);

    const text = (await h.gh.readFile(h.gh.defaultBranch, result.logPath))!;
    expect(text).not.toContain(SECRET_TOKEN);
    const { frontMatter, body } = parseRunLog(text);
    expect(frontMatter).toMatchObject({
      status: "succeeded",
      script: PATH,
      commit: merged.after,
      trigger: "ui",
      requested_by: "alice",
      chore: "unlock-account",
      inputs: {
        account: "acct_42",
        reason: "fraud-cleared",
        // Typed as the script got them.
        attempts: 3,
        notify: true,
        token: { secret: true },
        list: { file: "accounts.csv", bytes: csv.length, sha256: createHash("sha256").update(csv).digest("hex") },
      },
      counters: { rows: 3 },
      result: { account: "acct_42", rows: 3, notify: true, version: "v1" },
    });
    expect(body).toContain("token is [REDACTED]");
    // Its definition asks for SIDE_EFFECTS only: the rest of SCRIPT_ENV stays out of its reach.
    expect(body).toContain("given PROD_API_TOKEN: false");
    expect(await h.gh.readFile(h.gh.defaultBranch, PATH)).toBe(chore("v1"));

    const page = await browser.get(location);
    const html = await page.text();
    expect(html).toContain("succeeded");
    expect(html).toContain("unlocked acct_42 for fraud-cleared");
    expect(html).toContain(result.logPath);
    expect(html).not.toContain(SECRET_TOKEN);
    const history = await (await browser.get(`/chores/${h.gh.owner}/${h.gh.repo}/unlock-account`)).text();
    expect(history).toContain(runId);

    const api = await fetch(`${h.appUrl}/api/runs/${runId}`, {
      headers: { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` },
    });
    expect(await api.json()).toMatchObject({ id: runId, status: "succeeded", trigger: "ui", requested_by: "alice", chore: "unlock-account" });
  });

  it("keeps running its reviewed version when a direct push edits it, and says why", async () => {
    const before = await h.gh.head();
    const after = await h.gh.commitFiles({ files: { [PATH]: chore("v2") }, message: "hotfix without review", author: "mallory" });
    await h.deliverPush(before, after);
    await pushJob(h.queues.index, after);

    const { browser, html, hidden } = await openChore("alice");
    expect(html).toContain(`commit <code>${after.slice(0, 7)}</code>`);
    expect(hidden.version).toBe(merged.after);
    const answer = await post(browser, new URLSearchParams({ ...hidden, account: "acct_7" }));
    expect(answer.status).toBe(303);
    const runId = decodeURIComponent(answer.headers.get("location")!.replace(/^.*\/chores\/runs\//, ""));
    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    const { frontMatter } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
    expect(frontMatter).toMatchObject({ commit: merged.after, result: { version: "v1" } });
    expect(await h.timesRan("unlock-v2")).toBe(0);
  });

  it("runs under a unique name given on its form, and refuses the same name in any case to another run, linking the first", async () => {
    const first = await openChore("alice");
    expect(first.html).toMatch(/<input[^>]*name="chorebot_run_name"/);
    const answer = await post(first.browser, new URLSearchParams({ ...first.hidden, account: "acct_5", chorebot_run_name: "Nightly-Unlock" }));
    expect(answer.status).toBe(303);
    const location = answer.headers.get("location")!;
    const runId = decodeURIComponent(location.replace(/^.*\/chores\/runs\//, ""));

    // Another user, another form, the same name but for its case: refused with the first run linked, nothing queued.
    const second = await openChore("bob");
    const jobs = await h.jobCount();
    const refused = await post(second.browser, new URLSearchParams({ ...second.hidden, account: "acct_6", chorebot_run_name: "nightly-unlock" }));
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain(`is taken by run <a href="/chores/runs/${runId}">${runId}</a>`);
    expect(page).toContain('value="acct_6"');
    expect(await h.jobCount()).toBe(jobs);

    const result = await h.waitForRun(runId);
    expect(result.status).toBe("succeeded");
    const { frontMatter } = parseRunLog((await h.gh.readFile(h.gh.defaultBranch, result.logPath))!);
    expect(frontMatter).toMatchObject({ trigger: "ui", requested_by: "alice", run_name: "Nightly-Unlock", result: { account: "acct_5" } });
    // Over, but within RUN_NAME_TTL: still taken.
    expect((await post(second.browser, new URLSearchParams({ ...second.hidden, account: "acct_6", chorebot_run_name: "NIGHTLY-UNLOCK" }))).status).toBe(409);
    const runPage = await (await second.browser.get(location)).text();
    expect(runPage).toContain("<dt>Name</dt><dd><code>Nightly-Unlock</code></dd>");
  });
});
