import { once } from "node:events";
import { FlowProducer, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cancellations, cleanActorName, type CancelRequest } from "../../../src/stores/cancellations.js";
import { ParkedRuns } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { heldJobs, type HeldJobs } from "./held-jobs.js";

const PREFIX = "{cancel-test}";

describe("Cancellations", () => {
  let redis: TestRedis;
  let jobs: HeldJobs;
  // Two processes sharing one Redis: the web server taking requests and a worker running scripts.
  let webRedis: Redis;
  let workerRedis: Redis;
  let web: Cancellations;
  let worker: Cancellations;
  let connection: ConnectionOptions;

  beforeAll(async () => {
    redis = await startRedis();
    connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
    jobs = await heldJobs(connection, PREFIX);
    webRedis = new Redis(connection);
    workerRedis = new Redis(connection);
    web = new Cancellations(webRedis, PREFIX, { executeQueue: jobs.queue });
    worker = new Cancellations(workerRedis, PREFIX);
  });

  afterAll(async () => {
    await Promise.all([web?.close(), worker?.close()]);
    await jobs?.close();
    webRedis?.disconnect();
    workerRedis?.disconnect();
    await redis?.stop();
  });

  it("stops a running run on another worker as soon as it is requested", async () => {
    await jobs.running("run-active");
    const cancel = worker.signalFor("run-active");
    await cancel.ready;
    expect(cancel.signal.aborted).toBe(false);

    const aborted = once(cancel.signal, "abort");
    expect(await web.request("run-active", "alice")).toBe("running");
    await aborted;
    const reason = cancel.signal.reason as CancelRequest;
    expect(reason.by).toBe("alice");
    expect(Date.parse(reason.at)).not.toBeNaN();
    expect(await worker.cancelledBy("run-active")).toEqual(reason);
    cancel.dispose();
    await jobs.release("run-active");
  });

  it("wakes a run waiting in delayed (parked, or for its lock), which sees the request before starting", async () => {
    await jobs.delayed("run-delayed");
    // Delayed for an hour: it is taken up now only because the request woke it.
    const woken = jobs.whenHeld("run-delayed");
    expect(await web.request("run-delayed", "bob")).toBe("waiting");
    await woken;
    const request = await worker.cancelledBy("run-delayed");
    expect(request).toMatchObject({ by: "bob" });
    const cancel = worker.signalFor("run-delayed");
    await cancel.ready;
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.signal.reason).toEqual(request);
    cancel.dispose();
    await jobs.release("run-delayed");
  });

  it("reports a run queued behind a running one as waiting", async () => {
    await jobs.running("run-ahead");
    await jobs.queue.add("run", {}, { jobId: "run-queued", attempts: 1 });
    expect(await jobs.queue.getJobState("run-queued")).toBe("waiting");
    expect(await web.request("run-queued", "carol")).toBe("waiting");
    expect(await web.cancelledBy("run-queued")).toMatchObject({ by: "carol" });
    await web.clear("run-queued");
    // Let the queued job through too, so later tests find the worker free.
    const next = jobs.whenHeld("run-queued");
    await jobs.release("run-ahead");
    await next;
    await jobs.release("run-queued");
  });

  it("reports a run whose process step is not done as queued, and keeps it from starting", async () => {
    const flows = new FlowProducer({ connection, prefix: PREFIX });
    try {
      const child = { name: "run", queueName: "process", opts: { jobId: "run-unprocessed" } };
      await flows.add({ name: "run", queueName: "execute", opts: { jobId: "run-unprocessed" }, children: [child] });
    } finally {
      await flows.close();
    }
    expect(await jobs.queue.getJobState("run-unprocessed")).toBe("waiting-children");
    expect(await web.request("run-unprocessed", "ivan")).toBe("queued");
    expect(await worker.cancelledBy("run-unprocessed")).toMatchObject({ by: "ivan" });
  });

  it("leaves finished and unknown runs alone", async () => {
    await jobs.finished("run-done", "completed");
    await jobs.finished("run-failed", "failed");
    expect(await web.request("run-done", "dave")).toBe("finished");
    expect(await web.request("run-failed", "dave")).toBe("finished");
    expect(await web.request("run-nobody-knows", "dave")).toBe("unknown");
    for (const id of ["run-done", "run-failed", "run-nobody-knows"]) expect(await web.cancelledBy(id)).toBeNull();
  });

  it("ends an interrupted iteration (its job failed, the run parked for a person): the cancel is the decision, and the job is retried to record it", async () => {
    const parked = new ParkedRuns(webRedis, PREFIX);
    const park = (runId: string, step: string | null) =>
      parked.park({
        runId,
        kind: "interrupted",
        owner: "o",
        repo: "r",
        chore: null,
        since: new Date().toISOString(),
        attempt: 1,
        signal: null,
        step,
        deadline: null,
        pullRequest: null,
        requestedBy: null,
        approval: null,
      });
    await jobs.finished("run-iteration-lost", "failed");
    await park("run-iteration-lost", null);
    const retried = jobs.whenHeld("run-iteration-lost");
    expect(await web.request("run-iteration-lost", "erin")).toBe("waiting");
    await retried;
    expect((await parked.read("run-iteration-lost"))?.decision).toMatchObject({ kind: "cancel", by: "erin" });
    // A second cancel, or a Resume after it, changes nothing: the first decision stands.
    expect(await parked.decide("run-iteration-lost", { kind: "resume", by: "fred", via: "api", at: new Date().toISOString() })).toMatchObject({
      ok: false,
      refusal: "decided",
    });
    await jobs.release("run-iteration-lost");

    // An interrupted workflow is a person's Resume or Roll back: a cancel does not end it.
    await jobs.finished("run-workflow-lost", "failed");
    await park("run-workflow-lost", "charge");
    expect(await web.request("run-workflow-lost", "erin")).toBe("finished");
    expect((await parked.read("run-workflow-lost"))?.decision).toBeNull();
  });

  it("keeps the first requester and forgets the request once cleared", async () => {
    await jobs.delayed("run-twice");
    const woken = jobs.whenHeld("run-twice");
    expect(await web.request("run-twice", "erin")).toBe("waiting");
    await woken;
    expect(await web.request("run-twice", "frank")).toBe("running");
    expect(await worker.cancelledBy("run-twice")).toMatchObject({ by: "erin" });
    expect(await webRedis.ttl(`${PREFIX}:cancel:run-twice`)).toBeGreaterThan(6 * 24 * 60 * 60);

    // A retry of the cancelled run, from the dashboard, must really run.
    await worker.clear("run-twice");
    expect(await worker.cancelledBy("run-twice")).toBeNull();
    const cancel = worker.signalFor("run-twice");
    await cancel.ready;
    expect(cancel.signal.aborted).toBe(false);
    cancel.dispose();
    await jobs.release("run-twice");
  });

  it("only aborts signals still in use, and only for their own run", async () => {
    await jobs.running("run-watched");
    const disposed = worker.signalFor("run-watched");
    const other = worker.signalFor("run-other");
    const live = worker.signalFor("run-watched");
    await Promise.all([disposed.ready, other.ready, live.ready]);
    disposed.dispose();

    const aborted = once(live.signal, "abort");
    expect(await web.request("run-watched", "grace")).toBe("running");
    await aborted;
    // One message aborts every watcher of the run in one go: had it reached them, they would be aborted now.
    expect(disposed.signal.aborted).toBe(false);
    expect(other.signal.aborted).toBe(false);
    live.dispose();
    other.dispose();
    await jobs.release("run-watched");
  });

  it("needs the execute queue to take requests", async () => {
    await expect(worker.request("run-x", "heidi")).rejects.toThrow(/execute queue/);
  });
});

describe("cleanActorName", () => {
  it("keeps a name short and on one line", () => {
    expect(cleanActorName("  Alice   Smith ")).toBe("Alice Smith");
    expect(cleanActorName("ops@example.com")).toBe("ops@example.com");
    expect(cleanActorName("x\n**[evil](http://x)**`")).toBe("x evil http x");
    expect(cleanActorName("Zoë")).toBe("Zoë");
    expect(cleanActorName("a".repeat(100))).toHaveLength(64);
    expect(cleanActorName("\u0000\u202e")).toBe("");
  });
});
