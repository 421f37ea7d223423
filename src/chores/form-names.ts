import type { ScriptDescription } from "../sdk/protocol.js";

/** The hidden field with the session's CSRF token (the sign-in's own forms use the same name). */
export const CSRF_FIELD = "csrf";
/** The hidden field with the commit of the chore version the form was made for. */
export const VERSION_FIELD = "version";
/** The hidden field that makes the same form submitted twice one run. */
export const REQUEST_KEY_FIELD = "request_key";

/** The optional field with the run's unique name (named so that no chore's input is likely to have its name). */
export const RUN_NAME_FIELD = "chorebot_run_name";

/** The form's own fields, which no input of a chore run from the page may be named after. */
export const RESERVED_FIELDS: readonly string[] = [CSRF_FIELD, VERSION_FIELD, REQUEST_KEY_FIELD, RUN_NAME_FIELD];

/**
 * The chore's inputs whose names are the form's own hidden fields. Each form field is named
 * after its input, so such an input cannot be given on the chores page.
 */
export function reservedInputNames(description: ScriptDescription | null): string[] {
  return Object.keys(description?.inputs ?? {}).filter((name) => RESERVED_FIELDS.includes(name));
}
