import type { Job } from "bullmq";

/** The return value of a job's only child (each step has exactly one). */
export async function onlyChildValue<T>(job: Job): Promise<T> {
  const values = Object.values(await job.getChildrenValues<T>());
  if (values.length !== 1) throw new Error(`expected one finished child of ${job.queueName} job ${job.id}, found ${values.length}`);
  return values[0]!;
}
