import type { IndexedChore, RepoCatalog } from "../catalog-types.js";
import { DEFAULT_CONCURRENCY, type Concurrency } from "../sdk/protocol.js";
import { formatDuration } from "./format-time.js";

/** How many runs of a chore may go at once, in words. */
export function describeConcurrency(concurrency: Concurrency): string {
  switch (concurrency) {
    case "none":
      return "no limit: runs may overlap";
    case "self":
      return "one run at a time";
    case "global":
      return "one run at a time among every script and chore declaring global concurrency";
  }
}

/** A runnable chore's concurrency: declared, or the default (plain scripts too). */
export function concurrencyOf(chore: IndexedChore): Concurrency {
  return chore.description?.concurrency ?? DEFAULT_CONCURRENCY;
}

/**
 * The longest a run may take, in words: the shorter of the chore's own timeout and the
 * repository's (itself within the server's).
 */
export function describeTimeout(chore: IndexedChore, catalog: RepoCatalog): string {
  const declared = chore.description?.timeoutMs ?? null;
  const repository = catalog.config.timeoutMs;
  if (declared !== null && declared < repository) return `${formatDuration(declared)} (declared by the chore)`;
  return `${formatDuration(repository)} (the repository's timeout)`;
}
