import type { RunContext } from "./define-script.js";
import type { Duration } from "./parse-duration.js";

/** What `collection` is called with: where to start (after `cursor`; null the first time), and the run's inputs. */
export interface CollectionArgs<C, V> {
  /** The cursor of the last checkpointed item: yield what comes after it. Null: from the start. */
  cursor: C | null;
  inputs: V;
  /** Aborted when the run is stopped. */
  signal: AbortSignal;
}

/** One item of a collection, with the cursor to start after it (JSON: it is checkpointed). */
export interface CollectionEntry<T, C> {
  item: T;
  cursor: C;
}

/**
 * A collection: an async generator of `{ item, cursor }` from `cursor` on. One that knows its
 * size (csvRows) carries `count`, used when the definition names none.
 */
export type Collection<T, C, V> = ((args: CollectionArgs<C, V>) => AsyncIterable<CollectionEntry<T, C>> | Iterable<CollectionEntry<T, C>>) & {
  count?: (args: { inputs: V }) => number | Promise<number>;
};

/**
 * An iteration: `defineScript({ collection, process, batchSize, pause, count })`. Its items are
 * processed in batches; after each batch the cursor of its last item is checkpointed in Redis,
 * so a run that is paused, or resumed after its worker was lost or an item failed, goes on
 * after the last checkpoint. Items of a checkpointed batch are never processed again; items of
 * the batch in flight when a worker is lost may be.
 */
export interface IterationDefinition<T, C, V> {
  collection: Collection<T, C, V>;
  /** Processes one item. A throw fails the run after that item; the checkpoint before its batch is kept, and Resume retries from there. */
  process(item: T, context: RunContext<V>): unknown;
  /** Items per batch (and per checkpoint): 1 to 10,000, default 100. A literal: it is read from the source. */
  batchSize?: number;
  /** How long to wait between batches, to spare what it works on: "200ms", "2s" or a number of seconds (at most 1h). */
  pause?: Duration;
  /** How many items there are, for progress with an ETA. */
  count?: (args: { inputs: V }) => number | Promise<number>;
}
