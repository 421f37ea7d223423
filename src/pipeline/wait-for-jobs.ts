import { Job, QueueEvents, type ConnectionOptions, type Queue } from "bullmq";
import { closeConnection, dedicatedConnection } from "../redis/redis-client.js";

/** Waits until the given jobs have finished (completed or failed), at most `timeoutMs`. */
export async function waitForJobs(
  queue: Queue,
  ids: readonly string[],
  options: { connection: ConnectionOptions; prefix: string },
  timeoutMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  // QueueEvents blocks on its connection: a shared Cluster instance is duplicated for it.
  const connection = dedicatedConnection(options.connection);
  const events = new QueueEvents(queue.name, { connection, prefix: options.prefix });
  try {
    await events.waitUntilReady();
    await Promise.allSettled(
      ids.map(async (id) => {
        const job = await Job.fromId(queue, id);
        await job?.waitUntilFinished(events, timeoutMs);
      }),
    );
  } finally {
    await events.close();
    if (connection !== options.connection) closeConnection(connection);
  }
}
