import { Job, QueueEvents, type Queue } from "bullmq";
import { discoverJobId } from "../../src/pipeline/run-id.js";
import type { Harness } from "./harness.js";

/**
 * What a push's jobs returned, awaited through QueueEvents (a push's discover and index jobs
 * share its id). `harness` is read when a job is awaited, so this can be made before the
 * harness starts; `close` closes every QueueEvents it opened.
 */
export function pushJobs(harness: () => Pick<Harness, "redis" | "gh">): {
  finished: (queue: Queue, after: string) => Promise<unknown>;
  close: () => Promise<void>;
} {
  const events: QueueEvents[] = [];
  return {
    finished: async (queue, after) => {
      const h = harness();
      const queueEvents = new QueueEvents(queue.name, { connection: { host: "127.0.0.1", port: h.redis.port }, prefix: queue.opts.prefix! });
      events.push(queueEvents);
      await queueEvents.waitUntilReady();
      const job = await Job.fromId(queue, discoverJobId({ owner: h.gh.owner, repo: h.gh.repo, after }));
      return job!.waitUntilFinished(queueEvents);
    },
    close: async () => {
      await Promise.all(events.map((e) => e.close()));
    },
  };
}
