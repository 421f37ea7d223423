import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunDeciders } from "../../../src/api/decide-as.js";
import { SIGNAL_BODY_LIMIT } from "../../../src/api/decide-route.js";
import type { Permission } from "../../../src/github/permission.js";
import { executeJobId } from "../../../src/pipeline/run-id.js";
import { MAX_SIGNAL_PAYLOAD_BYTES } from "../../../src/sdk/protocol.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth } from "../../helpers/serve-handler.js";
import { entry, indexedChore, repoCatalog } from "../chores/chores-fixtures.js";
import { bearer, DASHBOARD, serveDecisionApis } from "./decision-apis-fixture.js";

const PREFIX = "{decide-api-test}";
const catalog = repoCatalog("acme", "ops", [entry(indexedChore("billing/unlock", null))]);
/** Each person's role on acme/ops; anyone else has none. */
const roles: Record<string, Permission> = { alice: "write", bob: "write", carol: "admin", rita: "read", tina: "triage" };
const JSON_TYPE = { "Content-Type": "application/json" };

describe("decision routes of the runs API", () => {
  let redis: TestRedis;
  let client: Redis;
  let execute: Queue;
  let parked: ParkedRuns;
  let apis: Awaited<ReturnType<typeof serveDecisionApis>>;
  let base: string;

  /** A run of the chore (or of a merged script, with `chore: null`) parked as `over` says, its execute job delayed as a parked one is. */
  async function parkRun(over: Partial<ParkInit> = {}): Promise<string> {
    const runId = `run-${randomUUID()}`;
    const chore = over.chore === undefined ? "billing/unlock" : over.chore;
    const target = { owner: "acme", repo: "ops", installationId: 7, ...(chore === null ? {} : { chore: { name: chore } }) };
    await execute.add("execute", { runId, target }, { jobId: executeJobId(runId), delay: 3_600_000 });
    await parked.park({
      runId,
      kind: "waiting",
      owner: "acme",
      repo: "ops",
      chore,
      since: new Date().toISOString(),
      attempt: 1,
      signal: "approved",
      step: "charge",
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      pullRequest: null,
      requestedBy: "alice",
      approval: null,
      ...over,
    });
    return runId;
  }

  const post = (path: string, init: { headers?: Record<string, string>; body?: string } = {}) =>
    fetch(`${base}/api/runs/${path}`, { method: "POST", headers: init.headers ?? {}, body: init.body });
  const signal = (runId: string, name: string, login: string, payload: unknown) =>
    post(`${runId}/signals/${name}`, { headers: { ...bearer(login), ...JSON_TYPE }, body: JSON.stringify(payload) });
  const decide = (runId: string, kind: string, login: string) => post(`${runId}/${kind}`, { headers: bearer(login) });
  const jobState = async (runId: string) => (await Job.fromId(execute, executeJobId(runId)))?.getState();

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    client = new Redis(connection);
    execute = new Queue("execute", { connection, prefix: PREFIX });
    parked = new ParkedRuns(client, PREFIX);
    const deciders: RunDeciders = {
      parked,
      execute,
      catalog: { read: async (owner, repo) => (owner === "acme" && repo === "ops" ? catalog : null) },
      permission: async (repo, login) => (repo.owner === "acme" && repo.repo === "ops" && repo.installationId === 7 ? (roles[login] ?? "none") : "none"),
      // The repository lets triage run its chores: a merged script's run still needs write.
      requiredPermission: () => "triage",
    };
    apis = await serveDecisionApis(client, PREFIX, execute, deciders);
    base = apis.base;
  });
  beforeEach(async () => {
    await client.flushall();
  });
  afterAll(async () => {
    await apis?.close();
    await execute?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it("delivers the signal a run waits for, its payload kept for the step, the run woken, once", async () => {
    const runId = await parkRun();
    const res = await signal(runId, "approved", "bob", { ticket: "OPS-1", amount: 3 });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ run: runId, moves: true, decision: { kind: "signal", signal: "approved", by: "bob", via: "api" } });
    expect(body.message).toContain('signal "approved" delivered');
    expect(await parked.payload(runId)).toEqual({ ticket: "OPS-1", amount: 3 });
    expect(await jobState(runId)).toBe("waiting");

    const again = await signal(runId, "approved", "carol", { ticket: "OPS-2" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ refusal: "decided", error: expect.stringContaining("already decided: signal by bob") });
    expect(await parked.payload(runId)).toEqual({ ticket: "OPS-1", amount: 3 });
    expect((await parked.decisions(runId)).map((d) => d.by)).toEqual(["bob"]);
  });

  it("refuses a signal of another name, one for an interrupted run, a Resume of a waiting run, and changes nothing", async () => {
    const waiting = await parkRun();
    const interrupted = await parkRun({ kind: "interrupted", signal: null, deadline: null });
    const refusals = [
      [await signal(waiting, "shipped", "bob", {}), 409, "other_signal"],
      [await decide(waiting, "approve", "bob"), 409, "other_signal"],
      [await decide(waiting, "resume", "bob"), 409, "not_interrupted"],
      [await decide(waiting, "rollback", "bob"), 409, "not_interrupted"],
      [await signal(interrupted, "approved", "bob", {}), 409, "not_waiting"],
    ] as const;
    for (const [res, status, refusal] of refusals) {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ refusal });
    }
    for (const runId of [waiting, interrupted]) {
      expect(await parked.decisions(runId)).toEqual([]);
      expect((await parked.read(runId))?.decision).toBeNull();
      expect(await jobState(runId)).toBe("delayed");
    }
  });

  it("counts approvals of other people with the chore's permission: not the requester's, not twice; signals/approval is approve", async () => {
    const runId = await parkRun({ signal: "approval", step: null, approval: { count: 2 } });
    const own = await decide(runId, "approve", "alice");
    expect(own.status).toBe(403);
    expect(await own.json()).toMatchObject({ refusal: "own_request" });

    const first = await decide(runId, "approve", "bob");
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ moves: false, decision: { kind: "approve", by: "bob" }, message: expect.stringContaining("1 more") });
    expect(await jobState(runId)).toBe("delayed");
    const twice = await post(`${runId}/signals/approval`, { headers: bearer("bob") });
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ refusal: "already_approved" });

    const last = await post(`${runId}/signals/approval`, { headers: bearer("carol") });
    expect(last.status).toBe(202);
    expect(await last.json()).toMatchObject({ moves: true, decision: { kind: "approve", by: "carol" } });
    expect(await jobState(runId)).toBe("waiting");
    expect((await parked.decisions(runId)).map((d) => `${d.kind}:${d.by}`)).toEqual(["approve:bob", "approve:carol"]);
  });

  it("refuses a payload over the limit (413) without storing it, and a body that is not JSON (400)", async () => {
    const runId = await parkRun();
    // Within the body's limit, over the payload's.
    const justOver = await signal(runId, "approved", "bob", "x".repeat(MAX_SIGNAL_PAYLOAD_BYTES));
    expect(justOver.status).toBe(413);
    expect(await justOver.json()).toMatchObject({ refusal: "payload_too_large" });
    // Over the body's limit: refused from its declared length.
    const huge = await post(`${runId}/signals/approved`, { headers: { ...bearer("bob"), ...JSON_TYPE }, body: `"${"y".repeat(SIGNAL_BODY_LIMIT)}"` });
    expect(huge.status).toBe(413);
    const notJson = await post(`${runId}/signals/approved`, { headers: { ...bearer("bob"), ...JSON_TYPE }, body: "{ticket: OPS-1" });
    expect(notJson.status).toBe(400);
    const notJsonType = await post(`${runId}/signals/approved`, { headers: { ...bearer("bob"), "Content-Type": "text/plain" }, body: "{}" });
    expect(notJsonType.status).toBe(415);
    expect(await parked.payload(runId)).toBeNull();
    expect(await parked.decisions(runId)).toEqual([]);
    expect((await parked.read(runId))?.decision).toBeNull();
  });

  it("answers a streamed body with no declared length past the limit with 413, reading no more than the limit", async () => {
    const runId = await parkRun();
    const { port } = new URL(base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/api/runs/${runId}/signals/approved`,
        headers: { ...bearer("bob"), ...JSON_TYPE },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.write('"');
      // Keeps sending until answered: a server that buffered it all would never answer.
      const chunk = "z".repeat(16 * 1024);
      const pump = () => {
        while (!req.destroyed && req.write(chunk));
        if (!req.destroyed) req.once("drain", pump);
      };
      pump();
    });
    expect(status).toBe(413);
    expect((await parked.read(runId))?.decision).toBeNull();
  });

  it("judges the person by the chore's permission (write for a merged script), and hides runs of repositories they cannot read", async () => {
    const runId = await parkRun();
    const readOnly = await signal(runId, "approved", "rita", {});
    expect(readOnly.status).toBe(403);
    expect(await readOnly.json()).toMatchObject({ refusal: "forbidden", permission: "read", required: "triage" });
    const stranger = await signal(runId, "approved", "mallory", {});
    expect(stranger.status).toBe(404);
    const script = await parkRun({ chore: null });
    const triage = await signal(script, "approved", "tina", {});
    expect(triage.status).toBe(403);
    expect(await triage.json()).toMatchObject({ refusal: "forbidden", required: "write" });
    expect((await decide("run-unknown", "approve", "bob")).status).toBe(404);
    expect((await post(`${runId}/signals/approved`, { headers: { Authorization: "Bearer ghp_forged" }, body: "{}" })).status).toBe(401);
    expect((await post(`${runId}/signals/approved`, { body: "{}" })).status).toBe(401);
    expect(await parked.decisions(runId)).toEqual([]);
    expect(await parked.decisions(script)).toEqual([]);
    // Triage runs the chore here: it may decide on the chore's run.
    expect((await signal(runId, "approved", "tina", {})).status).toBe(202);
  });

  it("takes one of two concurrent Resumes, and records a decision the CLI sent as the CLI's", async () => {
    const runId = await parkRun({ kind: "interrupted", signal: null, deadline: null });
    const headers = (login: string) => ({ ...bearer(login), "X-Chorebot-Via": "cli" });
    const answers = await Promise.all([post(`${runId}/resume`, { headers: headers("bob") }), post(`${runId}/resume`, { headers: headers("carol") })]);
    expect(answers.map((res) => res.status).sort()).toEqual([202, 409]);
    const decisions = await parked.decisions(runId);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ kind: "resume", via: "cli" });
  });

  it("lets the dashboard's login Resume or Roll back (by dashboard) and nothing else, and refuses it cross-site", async () => {
    const runId = await parkRun({ kind: "interrupted", signal: null, deadline: null });
    const crossSite = await post(`${runId}/rollback`, { headers: { ...DASHBOARD, Origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    const approve = await post(`${runId}/approve`, { headers: DASHBOARD });
    expect(approve.status).toBe(403);
    expect((await approve.json()) as { error: string }).toMatchObject({ error: expect.stringContaining("GitHub user token") });
    expect(await parked.decisions(runId)).toEqual([]);
    const rollback = await post(`${runId}/rollback`, { headers: DASHBOARD });
    expect(rollback.status).toBe(202);
    expect(await rollback.json()).toMatchObject({ decision: { kind: "rollback", by: "dashboard" } });
    expect((await post("run-unknown/resume", { headers: DASHBOARD })).status).toBe(404);
    expect((await post(`${runId}/resume`, { headers: basicAuth("ops", "guess") })).status).toBe(401);
  });
});
