import type { Job } from "bullmq";

/**
 * The return value of a job's only child. execute and cleanup always have one; process has
 * one (the previous script's cleanup) only when the scripts of a merge run in order.
 */
export async function onlyChildValue<T>(job: Job): Promise<T>;
export async function onlyChildValue<T>(job: Job, o: { optional: true }): Promise<T | undefined>;
export async function onlyChildValue<T>(job: Job, o?: { optional: true }): Promise<T | undefined> {
  const values = Object.values(await job.getChildrenValues<T>());
  if (values.length === 0 && o?.optional) return undefined;
  if (values.length !== 1) throw new Error(`expected one finished child of ${job.queueName} job ${job.id}, found ${values.length}`);
  return values[0]!;
}
