// An iteration over a CSV file input: one item per row (the header row names the columns),
// checkpointed every `batchSize` rows; resumed, it skips the rows already checkpointed.
// Try it: npx chorebot run scripts/import-discount-codes.ts --input codes=scripts/_data/discount-codes.csv
import { csvRows, defineScript, file } from "chorebot";

export default defineScript({
  description: "Create the discount codes a CSV file lists (code, percent, expires)",
  inputs: { codes: file({ description: "CSV with a header row: code,percent,expires" }) },
  collection: csvRows("codes"),
  process(row, { log, counter, fail }) {
    const percent = Number(row.percent);
    if (!Number.isInteger(percent) || percent < 1 || percent > 90) fail(`code ${row.code}: percent ${row.percent} is not from 1 to 90`);
    log(`creating ${row.code}: ${percent}% until ${row.expires}`);
    counter.inc("created");
  },
  batchSize: 2,
});
