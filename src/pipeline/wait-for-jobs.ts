import { Job, QueueEvents, type ConnectionOptions, type Queue } from "bullmq";

/** Waits until the given jobs have finished (completed or failed), at most `timeoutMs`. */
export async function waitForJobs(
  queue: Queue,
  ids: readonly string[],
  options: { connection: ConnectionOptions; prefix: string },
  timeoutMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  const events = new QueueEvents(queue.name, options);
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
  }
}
