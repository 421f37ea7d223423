import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FlowProducer, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import type { Handler } from "../../../src/http/handler.js";
import { createMetricsHandler } from "../../../src/metrics/create-metrics-handler.js";
import { liveState, progressOf, writeLiveState } from "../../../src/pipeline/live-state.js";
import { recordGitHubError, recordRunFinished } from "../../../src/metrics/run-metrics-store.js";
import { judgeHealth, type RedisHealth } from "../../../src/redis/redis-info.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const TOKEN = "s3cret-token";
const bearer = { Authorization: `Bearer ${TOKEN}` };

/** Serves `handler` like Probot's server: handlers first, then a 404 for whatever nobody answered. */
async function serve(handler: Handler | null): Promise<{ base: string; server: Server }> {
  // The listener's promise is voided as Node ignores it anyway: a failure stays an unhandled rejection, which vitest reports.
  const server = createServer((req, res) => {
    void (async () => {
      if (!(await handler?.(req, res))) res.writeHead(404).end("not found");
    })();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Every sample line of a Prometheus text page, as `name{labels}` → value; fails on a line that is not one. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe("createMetricsHandler", () => {
  const prefix = "metrics-test";
  let redisServer: TestRedis;
  let redis: Redis;
  let queues: Queue[];
  let flows: FlowProducer;
  let base: string;
  const servers: Server[] = [];
  const workers: Worker[] = [];

  beforeAll(async () => {
    redisServer = await startRedis();
    const connection = { host: "127.0.0.1", port: redisServer.port, maxRetriesPerRequest: null };
    redis = new Redis(connection);
    queues = ["discover", "process", "execute", "cleanup"].map((name) => new Queue(name, { connection, prefix }));
    flows = new FlowProducer({ connection, prefix });
    const served = await serve(createMetricsHandler({ queues, redis, prefix, token: TOKEN }));
    base = served.base;
    servers.push(served.server);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close(true)));
    await flows?.close();
    await Promise.all((queues ?? []).map((q) => q.close()));
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    redis?.disconnect();
    await redisServer?.stop();
  });

  const scrape = async () => {
    const res = await fetch(`${base}/metrics`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    return { text, samples: parse(text) };
  };

  it("reports every queue and state, zero included, and the default Node metrics", async () => {
    const { text, samples } = await scrape();
    expect(text).toContain("# TYPE chorebot_queue_jobs gauge\n");
    for (const queue of ["discover", "process", "execute", "cleanup"]) {
      for (const state of ["waiting", "active", "delayed", "failed", "completed", "waiting-children"]) {
        expect(samples.get(`chorebot_queue_jobs{queue="${queue}",state="${state}"}`)).toBe(0);
      }
    }
    expect(samples.get("chorebot_waiting_for_lock")).toBe(0);
    expect(samples.has("chorebot_process_cpu_user_seconds_total")).toBe(true);
    expect(samples.has("chorebot_nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("counts jobs per queue and state", async () => {
    const discover = queues[0]!;
    await discover.add("push", {});
    await discover.add("push", {});
    await queues[1]!.add("later", {}, { delay: 60_000 });
    // A merged run's flow: cleanup waits for its execute child.
    await flows.add({ name: "run", queueName: "cleanup", data: {}, children: [{ name: "run", queueName: "execute", data: {} }] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(
      "process",
      async (job) => {
        if (job.name === "boom") throw new Error("boom");
        if (job.name === "hold") await held;
        return "ok";
      },
      { connection: { host: "127.0.0.1", port: redisServer.port, maxRetriesPerRequest: null }, prefix },
    );
    workers.push(worker);
    await queues[1]!.add("done", {});
    await queues[1]!.add("boom", {}, { attempts: 1 });
    await queues[1]!.add("hold", {});
    await vi.waitFor(async () => expect(await queues[1]!.getJobCounts("active", "completed", "failed")).toEqual({ active: 1, completed: 1, failed: 1 }));

    const { text, samples } = await scrape();
    expect(text).toContain('chorebot_queue_jobs{queue="discover",state="waiting"} 2\n');
    expect(samples.get('chorebot_queue_jobs{queue="process",state="delayed"}')).toBe(1);
    expect(samples.get('chorebot_queue_jobs{queue="process",state="active"}')).toBe(1);
    expect(samples.get('chorebot_queue_jobs{queue="process",state="completed"}')).toBe(1);
    expect(samples.get('chorebot_queue_jobs{queue="process",state="failed"}')).toBe(1);
    expect(samples.get('chorebot_queue_jobs{queue="cleanup",state="waiting-children"}')).toBe(1);
    expect(samples.get('chorebot_queue_jobs{queue="execute",state="waiting"}')).toBe(1);
    release();
    await worker.close();
  });

  it("counts delayed execute jobs waiting for a concurrency lock", async () => {
    const execute = queues[2]!;
    const waiting = await execute.add("run", {}, { delay: 60_000 });
    await writeLiveState(waiting, { ...liveState(1), waiting: "self lock held by run-1#1" });
    // As the previous release wrote it, during a rolling upgrade.
    const waitingBefore = await execute.add("run", {}, { delay: 60_000 });
    await waitingBefore.updateProgress({ waiting: "self lock held by run-3#1" });
    const other = await execute.add("run", {}, { delay: 60_000 });
    await writeLiveState(other, { ...liveState(1), ...progressOf(4, 10) });
    const otherBefore = await execute.add("run", {}, { delay: 60_000 });
    await otherBefore.updateProgress(40);
    await execute.add("run", {}, { delay: 60_000 });
    // Its state says waiting but the job is not delayed (any more): not counted.
    const notDelayed = await execute.add("run", {});
    await writeLiveState(notDelayed, { ...liveState(1), waiting: "global lock held by run-2#1" });

    const { text, samples } = await scrape();
    expect(text).toContain("# TYPE chorebot_waiting_for_lock gauge\nchorebot_waiting_for_lock 2\n");
    expect(samples.get('chorebot_queue_jobs{queue="execute",state="delayed"}')).toBe(5);
  });

  it("reports the parked runs by kind: zero, then as they are parked and cleared", async () => {
    expect((await scrape()).samples.get('chorebot_parked_runs{kind="interrupted"}')).toBe(0);
    const parked = new ParkedRuns(redis, prefix);
    const park = (runId: string, kind: "waiting" | "interrupted" | "paused") =>
      parked.park({
        runId,
        kind,
        owner: "acme",
        repo: "ops",
        chore: null,
        since: new Date().toISOString(),
        attempt: 1,
        signal: kind === "waiting" ? "approved" : null,
        step: "charge",
        deadline: null,
        pullRequest: null,
        requestedBy: null,
        approval: null,
      });
    await park("parked-1", "waiting");
    await park("parked-2", "interrupted");
    await park("parked-3", "interrupted");
    await park("parked-4", "paused");
    const { samples } = await scrape();
    expect(samples.get('chorebot_parked_runs{kind="waiting"}')).toBe(1);
    expect(samples.get('chorebot_parked_runs{kind="interrupted"}')).toBe(2);
    expect(samples.get('chorebot_parked_runs{kind="paused"}')).toBe(1);
    for (const id of ["parked-1", "parked-2", "parked-3", "parked-4"]) await parked.clear(id);
    expect((await scrape()).samples.get('chorebot_parked_runs{kind="interrupted"}')).toBe(0);
  });

  it("reports the recorded runs, their duration histogram and GitHub errors", async () => {
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/a.ts" }, 1_200, { id: "r1" });
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/a.ts" }, 1_200, { id: "r1" });
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/a.ts" }, 45_000, { id: "r2" });
    await recordRunFinished(redis, prefix, { status: "failed", script: 'scripts/we"ird.ts' }, 300, { id: "r3" });
    await recordGitHubError(redis, prefix, 502);
    await recordGitHubError(redis, prefix, 502);

    const { text, samples } = await scrape();
    expect(text).toContain("# TYPE chorebot_runs_total counter\n");
    expect(text).toContain('chorebot_runs_total{status="succeeded",script="scripts/a.ts"} 2\n');
    expect(text).toContain('chorebot_runs_total{status="failed",script="scripts/we\\"ird.ts"} 1\n');
    expect(text).toContain("# TYPE chorebot_run_duration_seconds histogram\n");
    expect(text).toContain('chorebot_run_duration_seconds_bucket{status="succeeded",le="1"} 0\n');
    expect(text).toContain('chorebot_run_duration_seconds_bucket{status="succeeded",le="5"} 1\n');
    expect(text).toContain('chorebot_run_duration_seconds_bucket{status="succeeded",le="60"} 2\n');
    expect(text).toContain('chorebot_run_duration_seconds_bucket{status="succeeded",le="+Inf"} 2\n');
    expect(text).toContain('chorebot_run_duration_seconds_sum{status="succeeded"} 46.2\n');
    expect(text).toContain('chorebot_run_duration_seconds_count{status="succeeded"} 2\n');
    expect(samples.get('chorebot_run_duration_seconds_bucket{status="failed",le="0.5"}')).toBe(1);
    expect(text).toContain('chorebot_github_api_errors_total{status="502"} 2\n');

    // Recorded by another process in between: the next scrape has it, nothing doubled.
    await recordRunFinished(redis, prefix, { status: "succeeded", script: "scripts/a.ts" }, 2_000, { id: "r4" });
    const [first, second] = await Promise.all([scrape(), scrape()]);
    for (const { samples: again } of [first, second]) {
      expect(again.get('chorebot_runs_total{status="succeeded",script="scripts/a.ts"}')).toBe(3);
      expect(again.get('chorebot_run_duration_seconds_count{status="succeeded"}')).toBe(3);
      expect(again.get('chorebot_github_api_errors_total{status="502"}')).toBe(2);
    }
  });

  it("leaves other paths and refuses other methods", async () => {
    for (const path of ["/", "/metricsX", "/metrics/x", "/admin/queues"]) expect((await fetch(`${base}${path}`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${base}/metrics?x=1`, { headers: bearer })).status).toBe(200);
    const post = await fetch(`${base}/metrics`, { method: "POST", headers: bearer });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    // Without the token not even the methods it takes are told.
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(401);
    const head = await fetch(`${base}/metrics`, { method: "HEAD", headers: bearer });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("is not served at all without a token", async () => {
    for (const token of [null, ""]) {
      const handler = createMetricsHandler({ queues, redis, prefix, token });
      expect(handler).toBeNull();
      const { base: bare, server } = await serve(handler);
      servers.push(server);
      expect((await fetch(`${bare}/metrics`, { headers: bearer })).status).toBe(404);
    }
  });

  it("answers 401 without the right bearer token, on its own path too", async () => {
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: "Bearer wrong" },
      { Authorization: `Bearer ${TOKEN}X` },
      { Authorization: `Basic ${TOKEN}` },
    ]) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="chorebot metrics"');
      expect(await res.text()).not.toContain("chorebot_");
    }
    const { base: moved, server } = await serve(createMetricsHandler({ queues, redis, prefix, token: TOKEN, path: "internal/metrics/" }));
    servers.push(server);
    expect((await fetch(`${moved}/internal/metrics`)).status).toBe(401);
    const res = await fetch(`${moved}/internal/metrics`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(parse(await res.text()).get('chorebot_queue_jobs{queue="discover",state="waiting"}')).toBe(2);
    expect((await fetch(`${moved}/metrics`, { headers: bearer })).status).toBe(404);
  });

  it("answers 503 when Redis does not answer in time, and recovers", async () => {
    const { base: impatient, server } = await serve(createMetricsHandler({ queues, redis, prefix, token: TOKEN, timeoutMs: 300 }));
    servers.push(server);
    redisServer.pause();
    try {
      const res = await fetch(`${impatient}/metrics`, { headers: bearer });
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/^metrics unavailable: Redis did not answer within 300 ms/);
    } finally {
      redisServer.resume();
    }
    expect((await fetch(`${impatient}/metrics`, { headers: bearer })).status).toBe(200);
  });

  it("with the Redis monitor: reports chorebot_redis_* and answers 200 with chorebot_redis_up 0 when Redis does not", async () => {
    let health: RedisHealth = judgeHealth({ info: "used_memory:1234\r\nmaxmemory:5678\r\nmaxmemory_policy:noeviction\r\n", probeError: null, now: 1 });
    const handler = createMetricsHandler({ queues, redis, prefix, token: TOKEN, timeoutMs: 300, redisHealth: () => health });
    const { base: monitored, server } = await serve(handler);
    servers.push(server);
    const read = async () => {
      const started = Date.now();
      const res = await fetch(`${monitored}/metrics`, { headers: bearer });
      return { status: res.status, samples: parse(await res.text()), ms: Date.now() - started };
    };
    let page = await read();
    expect(page.status).toBe(200);
    expect(page.samples.get("chorebot_redis_up")).toBe(1);
    expect(page.samples.get("chorebot_redis_used_memory_bytes")).toBe(1234);
    expect(page.samples.get("chorebot_redis_maxmemory_bytes")).toBe(5678);
    expect(page.samples.has('chorebot_queue_jobs{queue="discover",state="waiting"}')).toBe(true);

    // Redis hangs before the monitor noticed: the scrape gives up on it after timeoutMs, and still answers.
    redisServer.pause();
    try {
      page = await read();
      expect(page.status).toBe(200);
      expect(page.samples.get("chorebot_redis_up")).toBe(0);
      expect([...page.samples.keys()].some((name) => name.startsWith("chorebot_queue_jobs"))).toBe(false);
      expect(page.samples.has("chorebot_process_cpu_user_seconds_total")).toBe(true);
      // Once the monitor knows, no scrape waits for Redis at all.
      health = judgeHealth({ info: null, infoError: new Error("Command timed out"), probeError: null, now: 2 });
      page = await read();
      expect(page.status).toBe(200);
      expect(page.ms).toBeLessThan(250);
      expect(page.samples.get("chorebot_redis_up")).toBe(0);
    } finally {
      redisServer.resume();
    }
    health = judgeHealth({ info: "used_memory:1234\r\nmaxmemory:5678\r\nmaxmemory_policy:noeviction\r\n", probeError: null, now: 3 });
    page = await read();
    expect(page.samples.get("chorebot_redis_up")).toBe(1);
    expect(page.samples.has('chorebot_queue_jobs{queue="discover",state="waiting"}')).toBe(true);
  });
});
