import type { ScriptDescription } from "../sdk/protocol.js";

/**
 * Why inputs cannot be given in a comment, or null. A comment is public to everyone who can
 * read the repository and stays in its history, edits included: a secret value given there is
 * no secret any more, so none is taken, and a chore that needs one cannot run by comment. A
 * file cannot be attached to a command either.
 */
export function commentInputsProblem(
  description: ScriptDescription | null,
  values: Readonly<Record<string, string>>,
): { message: string; errors: Record<string, string> } | null {
  const errors: Record<string, string> = {};
  for (const [name, input] of Object.entries(description?.inputs ?? {})) {
    const given = Object.hasOwn(values, name);
    if (input.secret && given)
      errors[name] = "is secret: never give it in a comment (the comment and its edit history keep it: change that secret now); use the chores page or the API";
    else if (input.secret && input.required && input.default === undefined)
      errors[name] = "is a required secret: this chore runs from the chores page or the API only";
    else if (input.type === "file" && given) errors[name] = "is a file: upload it on the chores page or send it through the API";
    else if (input.type === "file" && input.required) errors[name] = "is a required file: this chore runs from the chores page or the API only";
  }
  if (Object.keys(errors).length === 0) return null;
  return { message: "These inputs cannot be given in a comment.", errors };
}
