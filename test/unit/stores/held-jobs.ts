import { Queue, Worker, type ConnectionOptions, type Job } from "bullmq";

/**
 * An execute-like queue whose worker (concurrency 1) holds each job active until the test
 * releases it, so jobs can be put in every state without sleeps: `running` (held),
 * `waiting` (queued behind a held one, or delayed), `completed` and `failed`.
 */
export interface HeldJobs {
  queue: Queue;
  /** Adds a job and resolves once the worker holds it active. */
  running(id: string): Promise<void>;
  /** Resolves once the worker holds `id` (already queued) active; call it before the job can start. */
  whenHeld(id: string): Promise<void>;
  /** Lets a held job finish (or fail) and resolves once it has. */
  release(id: string, outcome?: "completed" | "failed"): Promise<void>;
  /** Adds a job that is delayed for an hour. */
  delayed(id: string): Promise<void>;
  /** Adds a job and resolves once it completed or failed. */
  finished(id: string, outcome: "completed" | "failed"): Promise<void>;
  close(): Promise<void>;
}

export async function heldJobs(connection: ConnectionOptions, prefix: string): Promise<HeldJobs> {
  const queue = new Queue("execute", { connection, prefix });
  const gates = new Map<string, (outcome: "completed" | "failed") => void>();
  const waiters = new Map<string, { event: string; resolve: () => void }>();
  const expect = (id: string, event: string) => new Promise<void>((resolve) => waiters.set(id, { event, resolve }));
  const notify = (id: string | undefined, event: string) => {
    const waiter = id === undefined ? undefined : waiters.get(id);
    if (waiter && waiter.event === event) {
      waiters.delete(id!);
      waiter.resolve();
    }
  };
  const worker = new Worker(
    "execute",
    async (job: Job) => {
      const outcome = await new Promise<"completed" | "failed">((resolve) => {
        gates.set(job.id!, resolve);
        notify(job.id, "active");
      });
      if (outcome === "failed") throw new Error("boom");
      return "done";
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on("completed", (job: Job) => notify(job.id, "completed"));
  worker.on("failed", (job: Job | undefined) => notify(job?.id, "failed"));
  await worker.waitUntilReady();

  const held = {
    queue,
    async running(id: string) {
      const active = expect(id, "active");
      await queue.add("run", {}, { jobId: id, attempts: 1 });
      await active;
    },
    whenHeld: (id: string) => expect(id, "active"),
    async release(id: string, outcome: "completed" | "failed" = "completed") {
      const done = expect(id, outcome);
      const gate = gates.get(id);
      if (!gate) throw new Error(`${id} is not held`);
      gate(outcome);
      await done;
    },
    async delayed(id: string) {
      await queue.add("run", {}, { jobId: id, attempts: 1, delay: 60 * 60 * 1000 });
    },
    async finished(id: string, outcome: "completed" | "failed") {
      await held.running(id);
      await held.release(id, outcome);
    },
    async close() {
      for (const gate of gates.values()) gate("completed");
      await worker.close();
      await queue.close();
    },
  };
  return held;
}
