/**
 * The one Redis hash that holds what chorebot keeps about a run beside BullMQ's jobs: its
 * bundle, its execution ledger and each attempt's outcome. One key per run, so retention
 * removes all of it at once. The queue prefix carries the Redis Cluster hash tag, so the
 * hash lives in the jobs' slot.
 */
export function runKey(prefix: string, runId: string): string {
  return `${prefix}:runs:${runId}`;
}
