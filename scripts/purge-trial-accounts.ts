// A script that asks for a second pair of eyes at run time: each run waits (status `waiting`,
// signal `approval`) until one person other than the one who asked, with the right to run it,
// approves it on its run page, with `/chorebot approve <run>` or through the API. A rejection, or
// 3 days without an approval, cancels it: nothing of it ran.
import { defineScript, int } from "chorebot";

export default defineScript({
  description: "Delete trial accounts that expired long ago",
  inputs: { olderThanDays: int({ default: 90, min: 30, description: "how long ago the trial ended" }) },
  approval: { count: 1, timeout: "3d" },
  run({ inputs, log, counter }) {
    // Stands for the accounts a real script would query.
    const expired = ["acc_1", "acc_2", "acc_3"];
    for (const account of expired) {
      log(`deleting ${account} (trial ended over ${inputs.olderThanDays} days ago)`);
      counter.inc("deleted");
    }
    return { deleted: expired.length };
  },
});
