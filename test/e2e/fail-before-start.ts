import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { runKey } from "../../src/stores/run-key.js";
import type { FileContent } from "../github-stand-in/index.js";
import type { Harness, MergeResult } from "./harness.js";

/**
 * Merges `files` and makes the first `execute` of the run of `path` fail before it starts the
 * script: the execute queue is paused until `process` has bundled it, then the bundle is
 * removed from Redis. Resolves once that first try is recorded (its flow's cleanup), with
 * `restore()`, which puts the bundle back so that a person's retry can run it.
 */
export async function mergeFailingBeforeStart(h: Harness, files: Record<string, FileContent>, path: string) {
  const connection = { host: "127.0.0.1", port: h.redis.port };
  const redis = new Redis(connection);
  const processEvents = new QueueEvents("process", { connection, prefix: "{chorebot}" });
  try {
    await processEvents.waitUntilReady();
    await h.queues.execute.pause();
    let runId = "";
    const processed = new Promise<void>((resolve) => processEvents.on("completed", ({ jobId }) => jobId === runId && resolve()));
    const merged: MergeResult = await h.mergeAndPush(files);
    runId = merged.runIds[path]!;
    // The process job may have finished before runId was known: look, then wait.
    if ((await h.queues.process.getJobState(runId)) !== "completed") await processed;
    const key = runKey("{chorebot}", runId);
    const bundle = await redis.hget(key, "bundle");
    if (bundle === null) throw new Error(`no bundle for ${runId}`);
    await redis.hdel(key, "bundle");
    await h.queues.execute.resume();
    const first = await h.waitForRun(runId);
    return {
      merged,
      runId,
      first,
      restore: async () => {
        const client = new Redis(connection);
        await client.hset(key, "bundle", bundle);
        client.disconnect();
      },
    };
  } finally {
    await h.queues.execute.resume();
    await processEvents.close();
    redis.disconnect();
  }
}
