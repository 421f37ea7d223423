import type { ChoreListing } from "../api/chore-listing.js";

/** `chorebot chores list`: each chore with its description and the `--input` flags it takes. */
export function formatChoreList(listing: ChoreListing): string {
  const count = listing.chores.length;
  const may = listing.can_run ? "you may run them" : `running them needs ${listing.required_permission}; you have ${listing.permission}`;
  const lines = [`${listing.repository}: ${count} chore${count === 1 ? "" : "s"} (${may})`];
  for (const chore of listing.chores) {
    lines.push("", `  ${chore.name}${chore.description ? `  ${chore.description}` : ""}`);
    if (!chore.runnable) lines.push(`    not runnable${chore.problem ? `: ${chore.problem}` : ""}`);
    else if (chore.problem) lines.push(`    its newest version does not run (${chore.problem}); the one from ${chore.commit!.slice(0, 7)} does`);
    for (const [name, input] of Object.entries(chore.inputs)) {
      const facts = [
        input.type,
        input.required && input.default === undefined ? "required" : null,
        input.default !== undefined ? `default ${JSON.stringify(input.default)}` : null,
        input.min !== undefined ? `min ${input.min}` : null,
        input.max !== undefined ? `max ${input.max}` : null,
        input.choices ? `one of ${input.choices.join(", ")}` : null,
        input.pattern !== undefined ? `matching /${input.pattern}/${input.flags ?? ""}` : null,
        input.secret ? "secret" : null,
      ].filter((fact) => fact !== null);
      lines.push(`    --input ${name}=…  ${facts.join(", ")}${input.description ? `: ${input.description}` : ""}`);
    }
  }
  return lines.join("\n");
}
