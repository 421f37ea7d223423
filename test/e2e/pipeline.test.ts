import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { METRICS_AUTH, startHarness, WEBHOOK_SECRET, type Harness } from "./harness.js";

/** Script source that records each execution in the side-effect file before doing `body`. */
function script(name: string, body = "") {
  return [`import { appendFileSync } from "node:fs";`, `appendFileSync(process.env.SIDE_EFFECTS!, ${JSON.stringify(name)} + "\\n");`, body].join("\n");
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function committedLog(logPath: string) {
  const text = await h.gh.readFile(h.gh.defaultBranch, logPath);
  expect(text, `${logPath} is on the default branch`).toBeDefined();
  return parseRunLog(text!);
}

describe("a merged script", () => {
  it("runs once, and one commit adds its log and deletes it", async () => {
    const path = "scripts/2026-11-hello.ts";
    const merged = await h.mergeAndPush({
      [path]: script(
        "hello",
        `console.log("hello from production");
         console.error("careful: stderr too");
         console.log("token is " + process.env.PROD_API_TOKEN);
         console.log("secret visible: " + (process.env.WEBHOOK_SECRET ?? process.env.PRIVATE_KEY ?? "none"));`,
      ),
    });
    expect(merged.delivery.status).toBe(200);

    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("hello")).toBe(1);

    const [head] = await h.gh.commits();
    expect(head).toMatchObject({ sha: result.commit, parents: [merged.after] });
    expect(await h.gh.readFile("main", path)).toBeUndefined();

    const { frontMatter, body } = await committedLog(result.logPath);
    expect(result.logPath).toMatch(/^logs\/\d{4}\/\d{2}\/2026-11-hello\.ts-[0-9a-f]{12}\.md$/);
    expect(frontMatter).toMatchObject({
      script: path,
      commit: merged.after,
      pull_request: merged.number,
      author: "alice",
      approved_by: ["bob"],
      status: "succeeded",
      exit_code: 0,
      signal: null,
      run_id: merged.runIds[path],
    });
    expect(Date.parse(String(frontMatter.finished_at))).toBeGreaterThanOrEqual(Date.parse(String(frontMatter.started_at)));
    expect(frontMatter.duration_ms).toEqual(expect.any(Number));
    expect(body).toContain("hello from production");
    expect(body).toContain("careful: stderr too");
    expect(body).toContain("## Executed JavaScript");
    // The allowlisted value is redacted; the app's own secrets never reach the script.
    expect(body).not.toContain("prod-token-value-123");
    expect(body).toContain("token is [REDACTED]");
    expect(body).toContain("secret visible: none");
  });

  it("imports a repository module at the merge commit and a package from SCRIPT_CWD", async () => {
    const path = "scripts/fix-plans.ts";
    const merged = await h.mergeAndPush({
      "scripts/_lib/seats.ts": `export const MIN_SEATS: number = 1;\n`,
      [path]: script(
        "fix-plans",
        `import { plans } from "prod-db";
         import { MIN_SEATS } from "./_lib/seats.js";
         for (const plan of plans()) if (plan.seats < MIN_SEATS) console.log("fixing " + plan.id);`,
      ),
    });
    const result = await h.waitForRun(merged.runIds[path]!);
    const { frontMatter, body } = await committedLog(result.logPath);
    expect(frontMatter.status).toBe("succeeded");
    expect(body).toContain("fixing plan_1");
    expect(body).not.toContain("fixing plan_2");
    expect(body).toContain("MIN_SEATS = 1");
    // Only entry scripts run and are removed; the helper stays for other scripts.
    expect(await h.gh.readFile("main", "scripts/_lib/seats.ts")).toBeDefined();
    expect(await h.timesRan("fix-plans")).toBe(1);
  });

  it("that throws is recorded as failed with its stack", async () => {
    const path = "scripts/throws.ts";
    const merged = await h.mergeAndPush({ [path]: script("throws", `throw new Error("plan table is locked");`) });
    const result = await h.waitForRun(merged.runIds[path]!);
    const { frontMatter, body } = await committedLog(result.logPath);
    expect(frontMatter).toMatchObject({ status: "failed", exit_code: 1 });
    expect(body).toContain("Error: plan table is locked");
    expect(await h.gh.readFile("main", path)).toBeUndefined();
  });

  it("that calls process.exit(3) is failed with exit code 3", async () => {
    const path = "scripts/exit-three.mjs";
    const merged = await h.mergeAndPush({
      [path]: `import { appendFileSync } from "node:fs";\nappendFileSync(process.env.SIDE_EFFECTS, "exit-three\\n");\nprocess.exit(3);\n`,
    });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect((await committedLog(result.logPath)).frontMatter).toMatchObject({ status: "failed", exit_code: 3 });
    expect(await h.timesRan("exit-three")).toBe(1);
  });

  it("that does not compile is failed with the compiler's error, and never runs", async () => {
    const path = "scripts/broken.ts";
    const merged = await h.mergeAndPush({ [path]: script("broken", `const x: number = ;`) });
    const result = await h.waitForRun(merged.runIds[path]!);
    const { frontMatter, body } = await committedLog(result.logPath);
    expect(frontMatter.status).toBe("failed");
    expect(body).toMatch(/scripts\/broken\.ts:3:\d+/);
    expect(await h.timesRan("broken")).toBe(0);
    expect(await h.gh.readFile("main", path)).toBeUndefined();
  });

  it("that imports a package production lacks is failed with a clear message", async () => {
    const path = "scripts/needs-missing.ts";
    const merged = await h.mergeAndPush({ [path]: `import { x } from "not-installed-in-prod";\nconsole.log(x);\n` });
    const result = await h.waitForRun(merged.runIds[path]!);
    const { frontMatter, body } = await committedLog(result.logPath);
    expect(frontMatter.status).toBe("failed");
    expect(body).toContain("Cannot find package 'not-installed-in-prod'");
  });
});

describe("a merge adding two scripts", () => {
  it("runs each once with its own log, and removes both", async () => {
    const merged = await h.mergeAndPush({
      "scripts/pair-a.ts": script("pair-a", `console.log("A");`),
      "scripts/pair-b.ts": script("pair-b", `console.log("B");`),
    });
    const results = await Promise.all(Object.values(merged.runIds).map((id) => h.waitForRun(id)));
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(new Set(results.map((r) => r.logPath)).size).toBe(2);
    for (const result of results) expect((await committedLog(result.logPath)).frontMatter.commit).toBe(merged.after);
    expect(await h.gh.listFiles("main", "scripts")).not.toEqual(expect.arrayContaining(["scripts/pair-a.ts"]));
    expect(await h.gh.listFiles("main", "scripts")).not.toEqual(expect.arrayContaining(["scripts/pair-b.ts"]));
    expect([await h.timesRan("pair-a"), await h.timesRan("pair-b")]).toEqual([1, 1]);
    // One comment on the pull request, with a section for each run.
    const comments = h.gh.comments(merged.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("scripts/pair-a.ts");
    expect(comments[0]!.body).toContain("scripts/pair-b.ts");
  });

  it("gives scripts that differ only by extension their own logs", async () => {
    const merged = await h.mergeAndPush({
      "scripts/dup.ts": script("dup-ts", `console.log("from the ts one");`),
      "scripts/dup.mjs": `import { appendFileSync } from "node:fs";\nappendFileSync(process.env.SIDE_EFFECTS, "dup-mjs\\n");\nconsole.log("from the mjs one");\n`,
    });
    const [ts, mjs] = await Promise.all(["scripts/dup.ts", "scripts/dup.mjs"].map((path) => h.waitForRun(merged.runIds[path]!)));
    expect(ts!.logPath).not.toBe(mjs!.logPath);
    expect((await committedLog(ts!.logPath)).body).toContain("from the ts one");
    expect((await committedLog(mjs!.logPath)).body).toContain("from the mjs one");
  });
});

describe("provenance", () => {
  it("refuses an unapproved merge: never runs it, commits a refused log and removes it", async () => {
    const path = "scripts/unapproved.ts";
    const merged = await h.mergeAndPush({ [path]: script("unapproved") }, { approvals: [] });
    const result = await h.waitForRun(merged.runIds[path]!);
    const { frontMatter, body } = await committedLog(result.logPath);
    expect(frontMatter).toMatchObject({ status: "refused", exit_code: null, pull_request: merged.number });
    expect(body).toContain("0 approving review(s)");
    expect(await h.timesRan("unapproved")).toBe(0);
    expect(await h.gh.readFile("main", path)).toBeUndefined();
  });

  it("does not count the author's own approval", async () => {
    const path = "scripts/self-approved.ts";
    const merged = await h.mergeAndPush({ [path]: script("self-approved") }, { author: "alice", approvals: ["alice"] });
    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("refused");
    expect(await h.timesRan("self-approved")).toBe(0);
  });
});

describe("webhook deliveries", () => {
  it("a redelivered push (new delivery id) queues nothing new and runs nothing again", async () => {
    const path = "scripts/once-only.ts";
    const merged = await h.mergeAndPush({ [path]: script("once-only") });
    const first = await h.waitForRun(merged.runIds[path]!);
    const commitsBefore = await h.gh.commits();
    const jobsBefore = await h.jobCount();

    const again = await h.deliverPush(merged.before, merged.after, { deliveryId: "redelivery-1" });
    expect(again.status).toBe(200);
    expect(await h.jobCount()).toBe(jobsBefore);
    expect(await h.waitForRun(merged.runIds[path]!)).toEqual(first);
    expect(await h.gh.commits()).toEqual(commitsBefore);
    expect(await h.timesRan("once-only")).toBe(1);
  });

  it("a push to another branch queues nothing", async () => {
    const head = await h.gh.head();
    const sha = await h.gh.commitFiles({ branch: "main-staging", files: { "scripts/staging.ts": script("staging") } });
    const jobsBefore = await h.jobCount();
    const delivery = await h.deliverPush(head, sha, { ref: "refs/heads/main-staging" });
    expect(delivery.status).toBe(200);
    expect(await h.jobCount()).toBe(jobsBefore);
    expect(await h.gh.head()).toBe(head);
  });

  it("a bad signature is rejected with 4xx and queues nothing", async () => {
    const merged = await h.gh.mergePullRequest({ files: { "scripts/forged.ts": script("forged") }, approvals: ["bob"] });
    const jobsBefore = await h.jobCount();
    const forged = await h.deliverPush(merged.before, merged.after, { signature: "sha256=" + "0".repeat(64) });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    expect(await h.jobCount()).toBe(jobsBefore);
    expect(WEBHOOK_SECRET).not.toBe("");
  });
});

describe("the dashboard", () => {
  it("is served at /admin/queues only with the configured credentials", async () => {
    const anonymous = await fetch(`${h.appUrl}/admin/queues`);
    expect(anonymous.status).toBe(401);
    const auth = `Basic ${Buffer.from("ops:e2e-dashboard-password").toString("base64")}`;
    const queues = await fetch(`${h.appUrl}/admin/queues/api/queues`, { headers: { authorization: auth } });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(["cleanup", "discover", "execute", "index", "process", "schedule"]);
  });
});

describe("/metrics", () => {
  it("serves Prometheus metrics: finished runs, queue depths and GitHub errors", async () => {
    const response = await fetch(`${h.appUrl}/metrics`, { headers: METRICS_AUTH });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^chorebot_runs_total\{status="succeeded",script="scripts\/2026-11-hello\.ts"\} 1$/m);
    expect(text).toMatch(/^chorebot_runs_total\{status="refused",script="scripts\/unapproved\.ts"\} 1$/m);
    expect(text).toMatch(/^chorebot_queue_jobs\{queue="cleanup",state="completed"\} \d+$/m);
    expect(text).toMatch(/^chorebot_run_duration_seconds_count\{status="succeeded"\} \d+$/m);
  });
});
