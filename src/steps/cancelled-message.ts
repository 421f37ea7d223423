/**
 * What earlier processes of a run had done when a cancel came before its current one started
 * (a Resume was decided, its job waited to be picked up, for its lock or a freeze): an
 * iteration's checkpointed items, or the step a workflow was to go on from. Null: nothing of
 * the run ran.
 */
export type RanBefore = { items: number } | { step: string } | null;

/**
 * The run's `message` when a person cancelled it: while its script ran (`running`), or before
 * its script started, saying what ran before when an earlier process of the run did, so a
 * resumed run is never said to have not started.
 */
export function cancelledMessage(by: string, when: "running" | { before: RanBefore }): string {
  if (when === "running") return `cancelled by ${by}`;
  const ran = when.before;
  if (ran === null) return `cancelled by ${by} before it started`;
  if ("step" in ran) return `cancelled by ${by} before it went on from step ${ran.step}`;
  if (ran.items === 0) return `cancelled by ${by} before it went on (nothing was checkpointed before)`;
  return `cancelled by ${by} before it went on (${ran.items} ${ran.items === 1 ? "item was" : "items were"} processed before)`;
}
