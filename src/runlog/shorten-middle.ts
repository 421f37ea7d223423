export interface ShortenedMiddle<T> {
  head: T[];
  tail: T[];
  /** The items left out between head and tail, in order. */
  dropped: T[];
}

/**
 * Keeps as many items from both ends as fit in `budget` (sizes from `sizeOf`) and drops the
 * middle: the start of a run's output says what it set out to do, the end how it finished.
 */
export function shortenMiddle<T>(items: readonly T[], budget: number, sizeOf: (item: T) => number): ShortenedMiddle<T> {
  let used = 0;
  let headEnd = 0;
  // The head gets half the budget; the tail gets whatever the head left over.
  while (headEnd < items.length && used + sizeOf(items[headEnd]!) <= budget / 2) used += sizeOf(items[headEnd++]!);
  let tailStart = items.length;
  while (tailStart > headEnd && used + sizeOf(items[tailStart - 1]!) <= budget) used += sizeOf(items[--tailStart]!);
  return {
    head: items.slice(0, headEnd),
    tail: items.slice(tailStart),
    dropped: items.slice(headEnd, tailStart),
  };
}
