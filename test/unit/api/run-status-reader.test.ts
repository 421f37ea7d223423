import type { Server } from "node:http";
import { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunsApiHandler } from "../../../src/api/create-runs-api-handler.js";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { Cancellations } from "../../../src/stores/cancellations.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";
import { PULL_REQUEST, runPipeline, type RunPipeline } from "./run-pipeline.js";
import { runStatusClient } from "./run-status-client.js";

const PREFIX = "{status-test}";
const BASE_URL = "https://github.example/api/v3";
const auth = basicAuth("ops", "s3cret");
const wrongAuth = basicAuth("ops", "guess");

describe("GET /api/runs", () => {
  let redis: TestRedis;
  let pipeline: RunPipeline;
  let cancellations: Cancellations;
  const servers: Server[] = [];
  let base: string;

  const get = (path: string, headers: Record<string, string> = auth) => fetch(`${base}${path}`, { headers });
  const { status, until } = runStatusClient(() => base, auth);

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    pipeline = await runPipeline(connection, PREFIX);
    cancellations = new Cancellations(pipeline.redis, PREFIX, { executeQueue: pipeline.queues.execute });
    const handler = createRunsApiHandler({
      cancellations,
      user: "ops",
      password: "s3cret",
      status: { queues: pipeline.queues, redis: pipeline.redis, baseUrl: BASE_URL },
    });
    const served = await serveHandler(handler);
    servers.push(served.server);
    base = served.base;
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await cancellations?.close();
    await pipeline?.close();
    await redis?.stop();
  });

  it("says a run whose process step is not done is queued", async () => {
    const run = await pipeline.add("scripts/queued.ts", { holdProcess: true, execute: { kind: "finish", status: "succeeded" } });
    const view = await until(run, "queued");
    expect(view).toEqual({
      id: run,
      status: "queued",
      script: "scripts/queued.ts",
      repository: "acme/ops",
      commit: "0123456789abcdef0123456789abcdef01234567",
      pull_request: null,
      attempt: 1,
      started_at: null,
      finished_at: null,
      duration_ms: null,
      exit_code: null,
      signal: null,
      message: null,
      waiting_reason: "waits for its process step (reading the script, checking its approvals, bundling it)",
      log: null,
      result: null,
      progress: null,
      progress_done: null,
      progress_total: null,
      counters: null,
      trigger: "merge",
      requested_by: null,
      chore: null,
      name: null,
      inputs: null,
      output: [],
    });
    pipeline.release(run);
    await until(run, "succeeded");
  });

  it("says which run a queued run of a merge waits for, and what a ready run waits for", async () => {
    const [first, second, third] = await pipeline.addMerge(
      {
        "scripts/merge/a.ts": { execute: { kind: "hold", report: "none" } },
        "scripts/merge/b.ts": { execute: { kind: "finish", status: "succeeded" } },
        "scripts/merge/c.ts": { execute: { kind: "finish", status: "succeeded" } },
      },
      "1111111111111111111111111111111111111111",
    );
    await until(first!, "running");
    expect((await until(second!, "queued")).waiting_reason).toBe(
      `waits for run ${first} (scripts/merge/a.ts) to finish and be recorded: a merge's scripts run one at a time, in path order`,
    );
    expect((await until(third!, "queued")).waiting_reason).toBe(
      `waits for run ${second} (scripts/merge/b.ts) to finish and be recorded: a merge's scripts run one at a time, in path order`,
    );
    // No worker free: the next run is ready, and says so.
    await pipeline.pauseExecute();
    try {
      pipeline.release(first!);
      expect((await until(second!, "waiting")).waiting_reason).toBe("waits for a free worker: every worker is busy with other runs");
    } finally {
      await pipeline.resumeExecute();
    }
    await until(third!, "succeeded");
    expect((await status(first!)).waiting_reason).toBeNull();
  });

  it("says a run waiting for a concurrency lock is waiting, and why", async () => {
    const run = await pipeline.add("scripts/waiting.ts", { execute: { kind: "wait", reason: "self lock held by ops-1#1" } });
    const view = await until(run, "waiting", (v) => v.waiting_reason === "self lock held by ops-1#1");
    expect(view).toMatchObject({ status: "waiting", waiting_reason: "self lock held by ops-1#1", attempt: 1, pull_request: PULL_REQUEST });
    expect(await pipeline.queues.execute.getJobState(run)).toBe("delayed");
  });

  it("says a running run is running, with its progress and latest counters", async () => {
    const run = await pipeline.add("scripts/running.ts", { execute: { kind: "hold" } });
    const view = await until(run, "running", (v) => v.counters !== null);
    expect(view).toMatchObject({
      status: "running",
      attempt: 1,
      progress: 40,
      progress_done: 4,
      progress_total: 10,
      counters: { rows: 3, skipped: 1 },
      log: null,
      finished_at: null,
    });
    expect(Date.parse(view.started_at!)).toBeGreaterThan(Date.now() - 60_000);
    pipeline.release(run);
    await until(run, "succeeded");
  });

  it("says a run whose log is not yet recorded is recording, with its outcome", async () => {
    const run = await pipeline.add("scripts/recording.ts", { execute: { kind: "finish", status: "failed" }, holdCleanup: true });
    const view = await until(run, "recording");
    expect(view).toMatchObject({ status: "recording", exit_code: 3, message: "it failed", duration_ms: 1500, log: null, result: { attempt: 1 } });
    pipeline.release(run);
    expect(await until(run, "failed")).toMatchObject({ status: "failed", exit_code: 3 });
  });

  it("gives a finished run's final status, outcome and log link", async () => {
    const run = await pipeline.add("scripts/done.ts", { execute: { kind: "finish", status: "succeeded" } });
    const view = await until(run, "succeeded");
    expect(view).toMatchObject({
      id: run,
      status: "succeeded",
      script: "scripts/done.ts",
      pull_request: PULL_REQUEST,
      attempt: 1,
      exit_code: 0,
      signal: null,
      message: null,
      duration_ms: 1500,
      waiting_reason: null,
      result: { attempt: 1 },
      progress: 100,
      progress_done: 4,
      progress_total: 4,
      counters: { rows: 4 },
      log: {
        path: "logs/done.ts-1.md",
        commit: "c0ffee1".padEnd(40, "0"),
        url: `https://github.example/acme/ops/blob/${"c0ffee1".padEnd(40, "0")}/logs/done.ts-1.md`,
      },
    });
    expect(Date.parse(view.finished_at!) - Date.parse(view.started_at!)).toBe(1500);
  });

  it("records a run whose execute job failed as lost", async () => {
    const run = await pipeline.add("scripts/lost.ts", { execute: { kind: "crash" } });
    const view = await until(run, "lost");
    expect(view).toMatchObject({ status: "lost", attempt: 1, log: { path: "logs/lost.ts-1.md" } });
    expect(view.message).toContain("the worker died");
  });

  it("reports the latest attempt of a retried run", async () => {
    const run = await pipeline.add("scripts/retried.ts", { execute: { kind: "finish", status: "failed" } });
    await until(run, "failed");
    pipeline.replan(run, { execute: { kind: "hold" } });
    await pipeline.retryExecute(run);
    const running = await until(run, "running", (v) => v.counters !== null);
    expect(running).toMatchObject({ attempt: 2, progress: 40, counters: { rows: 3, skipped: 1 }, log: null });
    pipeline.release(run);
    const done = await until(run, "succeeded");
    expect(done).toMatchObject({ attempt: 2, result: { attempt: 2 }, log: { path: "logs/retried.ts-2.md" } });
  });

  it("shows a running attempt none of the numbers of the attempt before", async () => {
    const run = await pipeline.add("scripts/retried-quiet.ts", { execute: { kind: "hold" } });
    await until(run, "running", (v) => v.counters !== null);
    pipeline.release(run);
    await until(run, "succeeded");
    pipeline.replan(run, { execute: { kind: "hold", report: "none" } });
    await pipeline.retryExecute(run);
    // Attempt 1's state is still the job's progress: attempt 2 reported nothing.
    const running = await until(run, "running", (v) => v.attempt === 2);
    expect(running).toMatchObject({ attempt: 2, progress: null, counters: null });
    pipeline.release(run);
    await until(run, "succeeded");
  });

  it("reads the bare progress number a previous release's worker wrote", async () => {
    const run = await pipeline.add("scripts/legacy.ts", { execute: { kind: "hold", report: "legacy" } });
    const view = await until(run, "running", (v) => v.progress !== null);
    expect(view).toMatchObject({ status: "running", attempt: 1, progress: 40, counters: null });
    pipeline.release(run);
    await until(run, "succeeded");
  });

  it("answers 404 for a run no queue knows, and 400 for what cannot be a run id", async () => {
    const res = await get("/api/runs/run-nobody-knows");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "no run run-nobody-knows", hint: expect.stringContaining("logs/") });
    expect((await get("/api/runs/run%3Ax")).status).toBe(400);
  });

  it("lists runs most recently queued first, filtered by status and script", async () => {
    const first = await pipeline.add("scripts/list-a.ts", { execute: { kind: "finish", status: "succeeded" } }, "1".repeat(40));
    await until(first, "succeeded");
    const second = await pipeline.add("scripts/list-b.ts", { execute: { kind: "finish", status: "cancelled" } }, "2".repeat(40));
    await until(second, "cancelled");

    const all = (await (await get("/api/runs")).json()) as { runs: RunStatusView[] };
    const ids = all.runs.map((run) => run.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    expect(ids).toHaveLength(14);

    const succeeded = (await (await get("/api/runs?status=succeeded")).json()) as { runs: RunStatusView[] };
    expect(succeeded.runs.length).toBeGreaterThan(0);
    expect(succeeded.runs.every((run) => run.status === "succeeded")).toBe(true);
    expect(succeeded.runs[0]!.id).toBe(first);

    expect(await (await get("/api/runs?script=list-b.ts")).json()).toMatchObject({ runs: [{ id: second, status: "cancelled" }] });
    expect(await (await get("/api/runs?script=scripts/list-a.ts&status=succeeded")).json()).toMatchObject({ runs: [{ id: first }] });
    expect(await (await get("/api/runs?script=list-a.ts&status=failed")).json()).toEqual({ runs: [] });
    const limited = (await (await get("/api/runs/?limit=1")).json()) as { runs: RunStatusView[] };
    expect(limited.runs.map((run) => run.id)).toEqual([second]);
    expect((await get("/api/runs?limit=5000")).status).toBe(200);

    for (const query of ["status=done", "limit=0", "limit=-1", "limit=ten"]) {
      expect({ query, status: (await get(`/api/runs?${query}`)).status }).toEqual({ query, status: 400 });
    }
  });

  it("lists a run found only by its cleanup job, whose data names it", async () => {
    const run = await pipeline.add("scripts/cleaned.ts", { execute: { kind: "finish", status: "succeeded" } }, "3".repeat(40));
    await until(run, "succeeded");
    // As when someone cleans the execute queue: the execute job goes, its process child with it.
    await (await Job.fromId(pipeline.queues.execute, run))!.remove();
    expect(await Job.fromId(pipeline.queues.process, run)).toBeUndefined();
    expect(await (await get("/api/runs?script=cleaned.ts")).json()).toMatchObject({ runs: [{ id: run }] });
  });

  it("allows only GET on the read routes", async () => {
    for (const path of ["/api/runs", "/api/runs/some-run"]) {
      const res = await fetch(`${base}${path}`, { method: "POST", headers: auth });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET");
    }
  });

  it("needs the dashboard's login, but no same-origin check for reads", async () => {
    for (const headers of [{}, wrongAuth]) {
      const res = await get("/api/runs", headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="chorebot"');
    }
    expect((await get("/api/runs/run-nobody-knows", { ...auth, "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" })).status).toBe(404);
  });

  it("counts failed logins on reads towards the lockout", async () => {
    const { base: locked, server } = await serveHandler(
      createRunsApiHandler({
        cancellations,
        user: "ops",
        password: "s3cret",
        maxFailedLogins: 2,
        status: { queues: pipeline.queues, redis: pipeline.redis, baseUrl: BASE_URL },
      }),
    );
    servers.push(server);
    const read = (headers: Record<string, string>) => fetch(`${locked}/api/runs/some-run`, { headers });
    expect((await read(wrongAuth)).status).toBe(401);
    expect((await read(wrongAuth)).status).toBe(401);
    expect((await read(wrongAuth)).status).toBe(429);
    expect((await read(auth)).status).toBe(429);
  });

  it("still reads runs without a Redis client for the ledger", async () => {
    const { base: plain, server } = await serveHandler(
      createRunsApiHandler({ cancellations, user: "ops", password: "s3cret", status: { queues: pipeline.queues } }),
    );
    servers.push(server);
    const res = await fetch(`${plain}/api/runs?script=list-a.ts`, { headers: auth });
    expect(await res.json()).toMatchObject({ runs: [{ status: "succeeded", attempt: 1, log: { path: "logs/list-a.ts-1.md", url: null } }] });
  });

  it("leaves the read routes to the next handler when it has no queues", async () => {
    const { base: bare, server } = await serveHandler(createRunsApiHandler({ cancellations, user: "ops", password: "s3cret" }));
    servers.push(server);
    expect((await fetch(`${bare}/api/runs`, { headers: auth })).status).toBe(404);
    const res = await fetch(`${bare}/api/runs/some-run`, { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "not found" });
  });
});
