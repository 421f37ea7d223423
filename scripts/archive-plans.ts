// An SDK script with a file input, a secret input, a global lock and fail().
// Try it: npx chorebot run scripts/archive-plans.ts --input ids=scripts/_data/plan-ids.txt --input apiKey=local-key
import { readFile } from "node:fs/promises";
import { defineScript, fail, file, string } from "chorebot";

export default defineScript({
  description: "Archive the plans listed in a file, one id per line",
  inputs: {
    ids: file({ description: "text file with one plan id per line" }),
    apiKey: string({ secret: true, description: "billing API key (masked in every log)" }),
    reason: string({ default: "cleanup", choices: ["cleanup", "fraud", "request"] }),
  },
  concurrency: "global", // at most one global script at a time
  async run({ inputs, log, counter }) {
    const ids = (await readFile(inputs.ids, "utf8"))
      .split("\n")
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) fail(`${inputs.ids} lists no plan ids`);
    for (const id of ids) {
      log(`archiving ${id} (${inputs.reason})`);
      counter.inc("archived");
    }
    return { archived: ids.length, reason: inputs.reason };
  },
});
