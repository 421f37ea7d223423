import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { parse } from "csv-parse";
import { CSV_MARK } from "./iteration-mark.js";
import type { Collection, CollectionArgs, CollectionEntry } from "./iteration-types.js";

/** One row of a CSV file: its values by the header row's column names. */
export type CsvRow = Record<string, string>;

/**
 * A collection of the rows of the CSV file given as the file input `input`
 * (`collection: csvRows("codes")`, with `inputs: { codes: file() }`): the first row names the
 * columns, each later row is an item `{ column: value }`. Its cursor is the number of rows
 * processed, so a resumed run skips those; it counts the rows for progress. Streamed: a file
 * of millions of rows is never held in memory.
 */
export function csvRows(input: string): Collection<CsvRow, number, object> {
  if (typeof input !== "string" || input === "") throw new Error('csvRows takes the name of a file input, like csvRows("codes")');
  async function* rows({ cursor, inputs, signal }: CollectionArgs<number, object>): AsyncGenerator<CollectionEntry<CsvRow, number>> {
    const skip = cursor ?? 0;
    if (!Number.isSafeInteger(skip) || skip < 0)
      throw new Error(`csvRows(${JSON.stringify(input)}): the cursor must be a number of rows, not ${JSON.stringify(cursor)}`);
    let row = 0;
    for await (const record of readRows(pathOf(inputs, input), signal)) {
      row++;
      if (row > skip) yield { item: record, cursor: row };
    }
    if (row < skip)
      throw new Error(`csvRows(${JSON.stringify(input)}): the file has ${row} rows, fewer than the ${skip} already processed: is it the same file?`);
  }
  const count = async ({ inputs }: { inputs: object }): Promise<number> => {
    let rows = 0;
    for await (const _ of readRows(pathOf(inputs, input))) rows++;
    return rows;
  };
  return Object.assign(rows, { count, [CSV_MARK]: input });
}

function readRows(path: string, signal?: AbortSignal): AsyncIterable<CsvRow> {
  // Header row → column names; a byte order mark and blank lines are skipped; a row with a
  // different number of fields is an error (the parser's, naming its line).
  // pipeline: a file that cannot be read fails the rows (pipe would leave them waiting), and rows left early close the file.
  return pipeline(createReadStream(path, signal === undefined ? {} : { signal }), parse({ columns: true, bom: true, skip_empty_lines: true }), () => {});
}

function pathOf(inputs: object, input: string): string {
  const path = (inputs as Record<string, unknown>)[input];
  if (typeof path !== "string") throw new Error(`csvRows(${JSON.stringify(input)}): the input ${JSON.stringify(input)} must be a file() input, and given`);
  return path;
}
