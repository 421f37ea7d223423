// An iteration: a backfill over a table, a page at a time, resumable from its last checkpoint.
// The cursor is the id of the last user processed: after a pause or a lost worker, the run
// goes on after the last checkpointed id (items of a checkpointed batch never run again).
// Try it: npx chorebot run scripts/backfill-display-names.ts
import { defineScript, string } from "chorebot";
import { countUsers, setDisplayName, usersAfter } from "./_lib/users-table.js";

export default defineScript({
  description: "Fill in every user's display name from their first and last names",
  inputs: { format: string({ choices: ["first last", "last, first"], default: "first last" }) },
  async *collection({ cursor }: { cursor: number | null }) {
    let after = cursor ?? 0;
    for (;;) {
      const page = usersAfter(after, 500);
      if (page.length === 0) return;
      for (const user of page) yield { item: user, cursor: user.id };
      after = page.at(-1)!.id;
    }
  },
  process(user, { inputs, counter }) {
    const name = inputs.format === "first last" ? `${user.firstName} ${user.lastName}` : `${user.lastName}, ${user.firstName}`;
    setDisplayName(user.id, name);
    counter.inc("updated");
  },
  batchSize: 100, // a checkpoint every 100 users
  pause: "200ms", // spares the database between batches
  count: () => countUsers(),
});
