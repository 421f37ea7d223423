import { request as httpRequest } from "node:http";
import { Job } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { choresApiRoute } from "../../../src/api/chores-api-routes.js";
import type { RunDeciders } from "../../../src/api/decide-as.js";
import { PAUSE_BODY_LIMIT } from "../../../src/api/pause-route.js";
import type { Permission } from "../../../src/github/permission.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth } from "../../helpers/serve-handler.js";
import { entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";
import { bearer, DASHBOARD, serveDecisionApis } from "./decision-apis-fixture.js";
import { runJobs } from "../pipeline/iteration-run-fixture.js";
import { parkedRecord } from "../../helpers/parked-record.js";

const PREFIX = "{pause-api-test}";
const catalog = repoCatalog("acme", "ops", [entry(indexedChore("billing/unlock", null))]);
const other = repoCatalog("globex", "infra", [entry(indexedChore("billing/unlock", null))]);
/** Each person's role on acme/ops; mallory writes to globex/infra only. */
const roles: Record<string, Permission> = { alice: "write", bob: "write", rita: "read", tina: "triage" };

describe("POST /api/runs/<run>/pause", () => {
  let redis: TestRedis;
  let client: Redis;
  let parked: ParkedRuns;
  let jobs: ReturnType<typeof runJobs>;
  let apis: Awaited<ReturnType<typeof serveDecisionApis>>;
  let base: string;

  const post = (runId: string, headers: Record<string, string>, body?: string) => fetch(`${base}/api/runs/${runId}/pause`, { method: "POST", headers, body });

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    client = new Redis({ ...connection, maxRetriesPerRequest: null });
    parked = new ParkedRuns(client, PREFIX);
    jobs = runJobs(connection, PREFIX);
    const deciders: RunDeciders = {
      parked,
      execute: jobs.execute,
      catalog: { read: async (owner, repo) => (owner === "acme" && repo === "ops" ? catalog : owner === "globex" && repo === "infra" ? other : null) },
      permission: async (repo, login) => {
        if (repo.owner === "globex") return login === "mallory" ? "admin" : "none";
        return repo.owner === "acme" && repo.repo === "ops" && repo.installationId === 7 ? (roles[login] ?? "none") : "none";
      },
      requiredPermission: () => "triage",
    };
    apis = await serveDecisionApis(client, PREFIX, jobs.execute, deciders);
    base = apis.base;
  });
  beforeEach(async () => {
    await client.flushall();
  });
  afterAll(async () => {
    await apis?.close();
    await jobs?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("asks a running iteration to pause for a user with the chore's permission: 202, recorded as theirs (the CLI's when it says so)", async () => {
    const runId = await jobs.add();
    const res = await post(runId, { ...bearer("tina"), "X-Chorebot-Via": "cli" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      run: runId,
      decision: { kind: "pause", by: "tina", via: "cli" },
      message: "pausing: it stops after its current batch, keeping its checkpoint; Resume goes on from there",
    });
    expect(await parked.pauseRequest(runId)).toMatchObject({ by: "tina", via: "cli" });
    // The job is left as it is: its worker answers at its next checkpoint.
    expect(await (await Job.fromId(jobs.execute, executeJobId(runId)))?.getState()).toBe("waiting");
  });

  it("takes one of two pauses at once (a double click); the other is 409 saying who asked", async () => {
    const runId = await jobs.add();
    const answers = await Promise.all([post(runId, bearer("alice")), post(runId, bearer("bob"))]);
    expect(answers.map((res) => res.status).sort()).toEqual([202, 409]);
    const refused = answers.find((res) => res.status === 409)!;
    expect(await refused.json()).toMatchObject({
      refusal: "pause_requested",
      error: expect.stringMatching(/^a pause was already asked for by @(alice|bob) at /),
    });
    expect(await parked.decisions(runId)).toHaveLength(1);
  });

  it("judges the caller: a reader 403, a stranger and another repository's writer 404, a forged token 401; nothing asked", async () => {
    const runId = await jobs.add();
    const reader = await post(runId, bearer("rita"));
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ refusal: "forbidden", permission: "read", required: "triage" });
    expect((await post(runId, bearer("mallory"))).status).toBe(404);
    expect((await post(runId, { Authorization: "Bearer ghp_forged" })).status).toBe(401);
    // A merged script's run needs write: triage is not enough.
    const script = await jobs.add({ chore: null });
    expect(await (await post(script, bearer("tina"))).json()).toMatchObject({ refusal: "forbidden", required: "write" });
    // mallory's own repository's run id does not let her pause acme's, nor acme's people hers.
    const hers = await jobs.add({ owner: "globex", repo: "infra" });
    expect((await post(hers, bearer("alice"))).status).toBe(404);
    for (const id of [runId, script, hers]) expect(await parked.pauseRequest(id)).toBeNull();
    expect((await post(hers, bearer("mallory"))).status).toBe(202);
  });

  it("refuses what is not a running iteration (409), an unknown run (404), and says why in one sentence", async () => {
    const plain = await jobs.add({ kind: "plain" });
    const res = await post(plain, bearer("alice"));
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ run: plain, refusal: "not_iteration", error: "only an iteration can be paused; this run is not one" });
    const paused = await jobs.add();
    await parked.park({
      runId: paused,
      kind: "paused",
      owner: "acme",
      repo: "ops",
      chore: "billing/unlock",
      since: "2026-12-06T10:00:00.000Z",
      attempt: 1,
      signal: null,
      step: null,
      deadline: null,
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
    });
    expect(await (await post(paused, bearer("alice"))).json()).toMatchObject({ refusal: "already_paused" });
    expect((await post("run-nope", bearer("alice"))).status).toBe(404);
    expect((await post("run-nope", DASHBOARD)).status).toBe(404);
  });

  it("lets the dashboard's login pause (by dashboard), not cross-site, not with a wrong password, and Resume the paused run", async () => {
    const runId = await jobs.add();
    expect((await post(runId, { ...DASHBOARD, Origin: "https://evil.example" })).status).toBe(403);
    expect((await post(runId, basicAuth("ops", "guess"))).status).toBe(401);
    expect(await parked.pauseRequest(runId)).toBeNull();
    const res = await post(runId, DASHBOARD);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ decision: { kind: "pause", by: "dashboard", via: "api" } });
    // What its worker does at the checkpoint: park it paused, clear the request, delay the job.
    await parked.clearPauseRequest(runId);
    await parked.park(parkedRecord(runId, { kind: "paused", chore: "billing/unlock", requestedBy: "alice" }));
    const resume = await fetch(`${base}/api/runs/${runId}/resume`, { method: "POST", headers: DASHBOARD });
    expect(resume.status).toBe(202);
    expect(await resume.json()).toMatchObject({ decision: { kind: "resume", by: "dashboard" }, message: "resuming: it goes on from its last checkpoint" });
    // A second Resume finds it decided.
    expect((await fetch(`${base}/api/runs/${runId}/resume`, { method: "POST", headers: bearer("alice") })).status).toBe(409);
    expect((await parked.decisions(runId)).map((d) => `${d.kind}:${d.by}`)).toEqual(["pause:dashboard", "resume:dashboard"]);
  });

  it("routes /api/runs/<run>/pause, and nothing under it", () => {
    expect(choresApiRoute("/api/runs/r-1/pause")).toEqual({ route: "pause", runId: "r-1" });
    expect(choresApiRoute("/api/runs/r-1/pause/")).toEqual({ route: "pause", runId: "r-1" });
    expect(choresApiRoute("/api/runs/r-1/pause/now")).toBeNull();
    expect(choresApiRoute("/api/runs/r-1%2Fpause")).toEqual({ route: "bad", error: "not a run id" });
  });

  it("answers GET with 405, a bad run id with 400, and a big body with 413 before asking anything", async () => {
    const runId = await jobs.add();
    for (const headers of [bearer("alice"), DASHBOARD]) {
      const get = await fetch(`${base}/api/runs/${runId}/pause`, { headers });
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
    }
    expect((await fetch(`${base}/api/runs/a%3Ab/pause`, { method: "POST", headers: bearer("alice") })).status).toBe(400);
    const big = await post(runId, { ...bearer("alice"), "Content-Type": "application/json" }, `"${"x".repeat(PAUSE_BODY_LIMIT)}"`);
    expect(big.status).toBe(413);
    expect(await parked.pauseRequest(runId)).toBeNull();
    // A body streamed with no declared length is never read: the pause is answered, and the connection does not hang.
    const { port } = new URL(base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: `/api/runs/${runId}/pause`, headers: bearer("alice") });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      const chunk = "z".repeat(16 * 1024);
      const pump = () => {
        while (!req.destroyed && req.write(chunk));
        if (!req.destroyed) req.once("drain", pump);
      };
      pump();
    });
    expect(status).toBe(202);
    expect(await parked.pauseRequest(runId)).toMatchObject({ by: "alice" });
  });
});
