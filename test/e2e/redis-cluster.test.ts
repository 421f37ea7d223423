import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";
import { DASHBOARD, METRICS_AUTH, startHarness, type ClusterHarness } from "./harness.js";
import { beaconScript } from "./scripts.js";

// The web process only queues and takes requests; a separate `chorebot worker` runs the
// scripts, so a cancel request crosses processes through the cluster's pub/sub.
let h: ClusterHarness;
beforeAll(async () => {
  h = await startHarness({ redis: "cluster", appArgs: ["start", "--no-workers"] });
  await h.spawnApp(["worker"]);
});
afterAll(async () => {
  await h?.close();
});

const auth = { Authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString("base64")}` };

/** `POST /api/runs/<run>/cancel` with the dashboard login, as `by`. */
async function cancel(runId: string, by: string) {
  const res = await fetch(`${h.appUrl}/api/runs/${encodeURIComponent(runId)}/cancel`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ by }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function logOf(logPath: string) {
  return parseRunLog((await h.gh.readFile(h.gh.defaultBranch, logPath))!);
}

describe("on a Redis Cluster (REDIS_CLUSTER_NODES)", () => {
  it("runs a merged script once and commits its log", async () => {
    const path = "scripts/2026-11-cluster.ts";
    const merged = await h.mergeAndPush({
      [path]: [
        `import { appendFileSync } from "node:fs";`,
        `appendFileSync(process.env.SIDE_EFFECTS!, "cluster\\n");`,
        `console.log("hello from a cluster");`,
      ].join("\n"),
    });
    expect(merged.delivery.status).toBe(200);

    const result = await h.waitForRun(merged.runIds[path]!);
    expect(result.status).toBe("succeeded");
    expect(await h.timesRan("cluster")).toBe(1);

    const [head] = await h.gh.commits();
    expect(head).toMatchObject({ sha: result.commit, parents: [merged.after] });
    const text = await h.gh.readFile(h.gh.defaultBranch, result.logPath);
    expect(text, `${result.logPath} is on the default branch`).toBeDefined();
    const { frontMatter, body } = parseRunLog(text!);
    expect(frontMatter).toMatchObject({ script: path, commit: merged.after, status: "succeeded", exit_code: 0 });
    expect(body).toContain("hello from a cluster");
  });

  it("cancels a running script in the worker process and a waiting one, from the web process", async () => {
    expect(
      h.app.lines.some((line) => String(line.msg).startsWith("workers started")),
      "the web process runs no workers",
    ).toBe(false);
    h.beacon.answer("cluster-cancel-running", "hang");
    const merged = await h.mergeAndPush({
      "scripts/a-cluster-cancel-running.ts": beaconScript("cluster-cancel-running"),
      "scripts/b-cluster-cancel-waiting.ts": beaconScript("cluster-cancel-waiting"),
    });
    const running = merged.runIds["scripts/a-cluster-cancel-running.ts"]!;
    const waiting = merged.runIds["scripts/b-cluster-cancel-waiting.ts"]!;
    await h.beacon.next("cluster-cancel-running");

    // b is queued behind a (scripts of a merge run one at a time, in path order): its process step waits for a's record.
    expect(await cancel(waiting, "carol")).toMatchObject({ status: 202, body: { run: waiting, state: "queued", cancelled: true } });
    expect(await cancel(running, "dave")).toMatchObject({ status: 202, body: { run: running, state: "running", cancelled: true } });

    const [a, b] = await Promise.all([h.waitForRun(running), h.waitForRun(waiting)]);
    expect([a.status, b.status]).toEqual(["cancelled", "cancelled"]);
    expect((await logOf(a.logPath)).frontMatter).toMatchObject({ status: "cancelled", message: "cancelled by dave" });
    expect((await logOf(b.logPath)).frontMatter).toMatchObject({ status: "cancelled", message: "cancelled by carol before it started" });
    expect(await h.timesRan("cluster-cancel-running")).toBe(1);
    expect(await h.timesRan("cluster-cancel-waiting")).toBe(0);

    expect(await cancel(running, "erin")).toMatchObject({ status: 409, body: { state: "finished", cancelled: false } });
  });

  it("cancels a running script whose worker missed the announcement (its pub/sub connection was being replaced)", async () => {
    h.beacon.answer("cluster-cancel-missed", "hang");
    const path = "scripts/2026-11-cluster-cancel-missed.ts";
    const merged = await h.mergeAndPush({ [path]: beaconScript("cluster-cancel-missed") });
    const run = merged.runIds[path]!;
    await h.beacon.next("cluster-cancel-missed");

    const client = new Cluster(h.cluster.nodes);
    try {
      await client.ping();
      // Drop the worker's subscriber connection, wherever it is, and at once record a request
      // and announce it as Cancellations.request does: ioredis subscribes again on another
      // connection, so the announcement most likely reaches nobody.
      await Promise.all(client.nodes("master").map((node) => node.client("KILL", "TYPE", "pubsub")));
      const request = { by: "frank", at: new Date().toISOString() };
      await client.set(`{chorebot}:cancel:${run}`, JSON.stringify(request), "EX", 600, "NX");
      await client.publish("{chorebot}:cancellations", JSON.stringify({ runId: run, ...request }));
    } finally {
      client.disconnect();
    }

    const result = await h.waitForRun(run);
    expect(result.status).toBe("cancelled");
    expect((await logOf(result.logPath)).frontMatter.message).toBe("cancelled by frank");
    expect(await h.timesRan("cluster-cancel-missed")).toBe(1);
  });

  it("answers GET /api/runs/<id> with a finished run's status, and GET /metrics with the runs", async () => {
    const path = "scripts/2026-11-cluster-status.ts";
    const merged = await h.mergeAndPush({ [path]: beaconScript("cluster-status") });
    const run = merged.runIds[path]!;
    const finished = await h.waitForRun(run);
    expect(finished.status).toBe("succeeded");

    const res = await fetch(`${h.appUrl}/api/runs/${encodeURIComponent(run)}`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: run,
      script: path,
      commit: merged.after,
      status: "succeeded",
      exit_code: 0,
      attempt: 1,
      log: { path: finished.logPath, commit: finished.commit },
    });

    const metrics = await fetch(`${h.appUrl}/metrics`, { headers: METRICS_AUTH });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^chorebot_runs_total\{status="succeeded",script="scripts\/2026-11-cluster-status\.ts"\} 1$/m);
    expect(text).toMatch(/^chorebot_runs_total\{status="cancelled",script="scripts\/a-cluster-cancel-running\.ts"\} 1$/m);
    expect(text).toMatch(/^chorebot_queue_jobs\{queue="cleanup",state="completed"\} \d+$/m);
    expect(text).toMatch(/^chorebot_run_duration_seconds_count\{status="succeeded"\} \d+$/m);
  });

  // Last: it looks at every key the tests above left.
  it("keeps every key under the {chorebot} hash tag, in one slot on one node", async () => {
    const client = new Cluster(h.cluster.nodes);
    try {
      await client.ping(); // connected: it knows the nodes and their slots
      const perNode = await Promise.all(client.nodes("master").map((node) => node.keys("*")));
      const keys = perNode.flat();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => !key.startsWith("{chorebot}"))).toEqual([]);
      expect(perNode.filter((nodeKeys) => nodeKeys.length > 0)).toHaveLength(1);
      const slots = new Set(await Promise.all(keys.map((key) => client.cluster("KEYSLOT", key))));
      expect(slots.size).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
