import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunDecision } from "../../../src/run-types.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const PREFIX = "{parked-test}";
const at = "2026-12-06T10:00:00.000Z";
const base: ParkInit = {
  runId: "run-1",
  kind: "waiting",
  owner: "acme",
  repo: "shop",
  chore: "move-plan",
  since: at,
  attempt: 1,
  signal: "approved",
  step: "charge",
  deadline: "2026-12-08T10:00:00.000Z",
  pullRequest: null,
  requestedBy: "alice",
  approval: null,
};
const approvalWait: ParkInit = { ...base, signal: "approval", step: null, approval: { count: 2 } };
const decision = (over: Partial<RunDecision>): RunDecision => ({ kind: "signal", by: "bob", via: "api", at, ...over });

describe("ParkedRuns", () => {
  let server: TestRedis;
  let redis: Redis;
  let parked: ParkedRuns;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
    parked = new ParkedRuns(redis, PREFIX);
  });
  beforeEach(async () => {
    await redis.flushall();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("delivers the signal it waits for once, keeps its payload, and records the decision", async () => {
    await parked.park(base);
    const first = await parked.decide("run-1", decision({ signal: "approved" }), { approvedBy: "bob", n: [1, 2] });
    expect(first).toMatchObject({ ok: true, moves: true, parked: { decision: { kind: "signal", by: "bob" } } });
    expect(await parked.payload("run-1")).toEqual({ approvedBy: "bob", n: [1, 2] });
    const second = await parked.decide("run-1", decision({ by: "carol", signal: "approved" }), null);
    expect(second).toMatchObject({ ok: false, refusal: "decided", parked: { decision: { by: "bob" } } });
    expect((await parked.decisions("run-1")).map((d) => d.by)).toEqual(["bob"]);
  });

  it("refuses another signal's name, approvals, and Resume of a waiting run", async () => {
    await parked.park(base);
    expect(await parked.decide("run-1", decision({ signal: "other" }))).toMatchObject({ ok: false, refusal: "other_signal" });
    expect(await parked.decide("run-1", decision({ kind: "approve" }))).toMatchObject({ ok: false, refusal: "other_signal" });
    expect(await parked.decide("run-1", decision({ kind: "resume" }))).toMatchObject({ ok: false, refusal: "not_interrupted" });
    expect(await parked.decide("nope", decision({ signal: "approved" }))).toMatchObject({ ok: false, refusal: "not_parked", parked: null });
    expect(await parked.decisions("run-1")).toEqual([]);
  });

  it("counts approvals by other people, each once, and moves on at the count", async () => {
    await parked.park(approvalWait);
    expect(await parked.decide("run-1", decision({ kind: "approve", by: "Alice" }))).toMatchObject({ ok: false, refusal: "own_request" });
    expect(await parked.decide("run-1", decision({ kind: "approve", by: "bob" }))).toMatchObject({ ok: true, moves: false });
    expect(await parked.decide("run-1", decision({ kind: "approve", by: "BOB" }))).toMatchObject({ ok: false, refusal: "already_approved" });
    expect(await parked.decide("run-1", decision({ kind: "signal", signal: "approval" }))).toMatchObject({ ok: false, refusal: "other_signal" });
    const last = await parked.decide("run-1", decision({ kind: "approve", by: "carol" }));
    expect(last).toMatchObject({ ok: true, moves: true, parked: { decision: { kind: "approve", by: "carol" } } });
    expect(last.parked?.approval?.approvals.map((a) => a.by)).toEqual(["bob", "carol"]);
    expect(await parked.decide("run-1", decision({ kind: "reject", by: "dave" }))).toMatchObject({ ok: false, refusal: "decided" });
  });

  it("refuses an approval or a signal past the wait's deadline, and still takes the timeout", async () => {
    await parked.park(base);
    const late = "2026-12-08T10:00:00.001Z";
    expect(await parked.decide("run-1", decision({ signal: "approved", at: late }))).toMatchObject({ ok: false, refusal: "expired" });
    expect(await parked.decide("run-1", decision({ kind: "timeout", by: "timeout", via: "timer", at: late }))).toMatchObject({ ok: true, moves: true });
    await parked.park(approvalWait);
    expect(await parked.decide("run-1", decision({ kind: "approve", at: late }))).toMatchObject({ ok: false, refusal: "expired" });
    expect(await parked.decide("run-1", decision({ kind: "approve", at: "2026-12-08T09:59:59.999Z" }))).toMatchObject({ ok: true, moves: false });
  });

  it("takes one of two concurrent decisions on an interrupted run", async () => {
    await parked.park({ ...base, kind: "interrupted", signal: null, deadline: null });
    expect(await parked.decide("run-1", decision({ kind: "signal", signal: "approved" }))).toMatchObject({ ok: false, refusal: "not_waiting" });
    const answers = await Promise.all([
      parked.decide("run-1", decision({ kind: "resume", by: "bob" })),
      parked.decide("run-1", decision({ kind: "rollback", by: "carol" })),
    ]);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok && a.refusal === "decided")).toHaveLength(1);
  });

  it("keeps every signal delivered to a step, for its next run and a Resume of it, and forgets them once another step waits", async () => {
    expect(await parked.deliver("run-1", "charge", "first", { a: 1 })).toEqual({ first: { a: 1 } });
    expect(await parked.deliver("run-1", "charge", "second", null)).toEqual({ first: { a: 1 }, second: null });
    expect(await parked.delivered("run-1", "charge")).toEqual({ first: { a: 1 }, second: null });
    expect(await parked.deliver("run-1", "ship", "third", 3)).toEqual({ third: 3 });
    expect(await parked.delivered("run-1", "charge")).toEqual({});
  });

  it("indexes parked runs and review waits, and forgets them when cleared", async () => {
    await parked.park({ ...base, pullRequest: 12 });
    expect(await parked.list()).toEqual(["run-1"]);
    expect(await parked.waitingForReview("ACME", "Shop", 12)).toEqual(["run-1"]);
    await parked.clear("run-1");
    expect(await parked.read("run-1")).toBeNull();
    expect(await parked.list()).toEqual([]);
    expect(await parked.waitingForReview("acme", "shop", 12)).toEqual([]);
  });
});
