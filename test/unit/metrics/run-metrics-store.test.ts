import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { countGitHubErrors, metricsKeys, readRunMetrics, recordGitHubError, recordRunFinished } from "../../../src/metrics/run-metrics-store.js";
import { RUN_STATUSES } from "../../../src/run-types.js";
import { freePort, startRedis, type TestRedis } from "../../helpers/redis-server.js";

describe("run metrics store", () => {
  let server: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.port, "127.0.0.1");
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("counts runs by status and script, and their durations in buckets per status", async () => {
    const prefix = "runs-test";
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/a.ts" }, 1_200);
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/a.ts" }, 40_000);
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/b.ts" }, 5_000);
    await recordRunFinished(redis, prefix, { status: "refused", script: "scripts/odd|name.ts" }, 0);
    await recordRunFinished(redis, prefix, { status: "timed_out", script: "scripts/slow.ts" }, 7_200_000);

    const snapshot = await readRunMetrics(redis, prefix);
    expect(snapshot.runs.sort((x, y) => x.script.localeCompare(y.script))).toEqual([
      { status: "succeeded", script: "scripts/a.ts", count: 2 },
      { status: "succeeded", script: "scripts/b.ts", count: 1 },
      { status: "refused", script: "scripts/odd|name.ts", count: 1 },
      { status: "timed_out", script: "scripts/slow.ts", count: 1 },
    ]);
    const succeeded = snapshot.durations.find((d) => d.status === "succeeded")!;
    expect(succeeded.count).toBe(3);
    expect(succeeded.sum).toBeCloseTo(46.2);
    const cumulative = Object.fromEntries(succeeded.buckets.map(({ le, count }) => [le, count]));
    expect(cumulative).toMatchObject({ 0.5: 0, 1: 0, 5: 2, 15: 2, 30: 2, 60: 3, 3600: 3 });
    const timedOut = snapshot.durations.find((d) => d.status === "timed_out")!;
    // Longer than the last bound: only in +Inf, which is the count.
    expect(timedOut.buckets.every(({ count }) => count === 0)).toBe(true);
    expect(timedOut.count).toBe(1);
    const refused = snapshot.durations.find((d) => d.status === "refused")!;
    expect(refused.buckets.every(({ count }) => count === 1)).toBe(true);
  });

  it("counts every status a run can end with, the workflow ones included", async () => {
    const prefix = "{every-status}";
    for (const status of RUN_STATUSES) await recordRunFinished(redis, prefix, { status, script: "chores/refund.ts" }, 2_000);
    const snapshot = await readRunMetrics(redis, prefix);
    expect(snapshot.runs.map((run) => run.status).sort()).toEqual([...RUN_STATUSES].sort());
    expect(snapshot.runs.every((run) => run.count === 1)).toBe(true);
    expect(snapshot.durations.map((d) => d.status).sort()).toEqual([...RUN_STATUSES].sort());
    expect(RUN_STATUSES).toEqual(expect.arrayContaining(["rolled_back", "rollback_failed"]));
  });

  it("counts a run once per id, however often its cleanup runs", async () => {
    const prefix = "dedupe-test";
    const run = { status: "failed", script: "scripts/c.ts" } as const;
    expect(await recordRunFinished(redis, prefix, run, 2_000, { id: "run-1" })).toBe(true);
    expect(await recordRunFinished(redis, prefix, run, 2_000, { id: "run-1" })).toBe(false);
    expect(await recordRunFinished(redis, prefix, run, 2_000, { id: "run-1-attempt-2" })).toBe(true);
    const snapshot = await readRunMetrics(redis, prefix);
    expect(snapshot.runs).toEqual([{ status: "failed", script: "scripts/c.ts", count: 2 }]);
    expect(snapshot.durations[0]!.count).toBe(2);
    expect(await redis.ttl(metricsKeys(prefix).counted("run-1"))).toBeGreaterThan(0);
  });

  it("counts GitHub errors by status, and `none` for anything else", async () => {
    const prefix = "gh-test";
    await recordGitHubError(redis, prefix, 404);
    await recordGitHubError(redis, prefix, 404);
    await recordGitHubError(redis, prefix, "502");
    await recordGitHubError(redis, prefix, undefined);
    await recordGitHubError(redis, prefix, "weird\nlabel");
    const { githubErrors } = await readRunMetrics(redis, prefix);
    expect(Object.fromEntries(githubErrors.map(({ status, count }) => [status, count]))).toEqual({ 404: 2, 502: 1, none: 2 });
  });

  describe("the Octokit plugin", () => {
    let github: Server;
    let baseUrl: string;

    beforeAll(async () => {
      github = createServer((req, res) => {
        const status = req.url?.includes("broken") ? 500 : 404;
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
      });
      github.listen(0, "127.0.0.1");
      await once(github, "listening");
      baseUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => github?.close(resolve));
    });

    it("counts every failed request and rethrows it untouched", async () => {
      const prefix = "plugin-test";
      const Octokit = ProbotOctokit.plugin(countGitHubErrors(redis, prefix));
      const octokit = new Octokit({ baseUrl, retry: { enabled: false }, throttle: { enabled: false } });

      await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" })).rejects.toMatchObject({ status: 404 });
      await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "broken" })).rejects.toMatchObject({ status: 500 });
      const closed = new Octokit({ baseUrl: `http://127.0.0.1:${await freePort()}`, retry: { enabled: false }, throttle: { enabled: false } });
      await expect(closed.request("GET /rate_limit")).rejects.toThrow();
      // A success counts nothing.
      const ok = new Octokit({
        baseUrl,
        retry: { enabled: false },
        throttle: { enabled: false },
        request: { fetch: async () => new Response("{}", { status: 200 }) },
      });
      await ok.request("GET /rate_limit");

      await vi.waitFor(async () => {
        const { githubErrors } = await readRunMetrics(redis, prefix);
        expect(Object.fromEntries(githubErrors.map(({ status, count }) => [status, count]))).toEqual({ 404: 1, 500: 1, none: 1 });
      });
    });
  });
});
