import type { InputType, ScriptDescription } from "../sdk/protocol.js";

type InputDescription = ScriptDescription["inputs"][string];

interface FieldBase {
  /** The input's name, which is the form field's name and its label. */
  name: string;
  /** The input's declared type. */
  type: InputType;
  /** Its description: the help text. */
  help: string | null;
  /** What a value must be, in words (`a whole number between 1 and 100`); null when anything goes. */
  rule: string | null;
  /** A value must be given. A checkbox is never marked (unticked is a value: false). */
  required: boolean;
}

/** A text field: a string input, with its pattern for the browser to check when it has one. */
export interface TextField extends FieldBase {
  kind: "text";
  value: string;
  /**
   * The `pattern` attribute: the browser's check, as unanchored as the SDK's (`.*(?:source).*`);
   * null without a pattern, or with flags the browser cannot apply (see htmlPattern).
   */
  pattern: string | null;
}
/** A secret input (of any type but bool and file): a password field, never filled in. */
export interface PasswordField extends FieldBase {
  kind: "password";
  pattern: string | null;
}
/** A string input with choices. */
export interface SelectField extends FieldBase {
  kind: "select";
  /** In declared order; a first empty option (`value: ""`) when a choice may be left out or must be made. */
  options: Array<{ value: string; label: string }>;
  value: string;
}
/** An int or float input. */
export interface NumberField extends FieldBase {
  kind: "number";
  value: string;
  min: number | null;
  max: number | null;
  /** `1` for an int, `any` for a float. */
  step: "1" | "any";
}
/** A bool input: ticked is true, unticked (absent from the submission) false. */
export interface CheckboxField extends FieldBase {
  kind: "checkbox";
  checked: boolean;
}
/** A file input (an upload). */
export interface FileField extends FieldBase {
  kind: "file";
}

export type FormField = TextField | PasswordField | SelectField | NumberField | CheckboxField | FileField;

/** What a checkbox sends when ticked. */
export const CHECKED_VALUE = "true";

/**
 * The form fields of a chore's declared inputs, in declared order: string → text (choices → a
 * select, pattern → the `pattern` attribute), int/float → number with min/max and step,
 * bool → checkbox, file → file upload, secret → password (never filled in). Fields hold the
 * declared defaults, or with `given` (a submission shown again) the values given, so that
 * nothing typed is lost; a secret value is never shown again, a file cannot be.
 */
export function formFields(description: ScriptDescription | null, given?: Readonly<Record<string, string>>): FormField[] {
  return Object.entries(description?.inputs ?? {}).map(([name, input]) => formField(name, input, given));
}

function formField(name: string, input: InputDescription, given: Readonly<Record<string, string>> | undefined): FormField {
  const base: FieldBase = { name, type: input.type, help: input.description ?? null, rule: ruleOf(input), required: input.required };
  const value = given === undefined ? defaultText(input) : Object.hasOwn(given, name) ? given[name]! : "";
  if (input.type === "bool") return { ...base, kind: "checkbox", required: false, checked: isTicked(value) };
  if (input.type === "file") return { ...base, kind: "file" };
  const pattern = input.type === "string" && input.pattern !== undefined ? htmlPattern(input.pattern, input.flags) : null;
  if (input.secret === true) return { ...base, kind: "password", pattern };
  if (input.type === "int" || input.type === "float") {
    return { ...base, kind: "number", value, min: input.min ?? null, max: input.max ?? null, step: input.type === "int" ? "1" : "any" };
  }
  if (input.choices !== undefined) return { ...base, kind: "select", options: selectOptions(input), value };
  return { ...base, kind: "text", value, pattern };
}

/** A declared default as a field shows it; a bool's as ticked or not. */
function defaultText(input: InputDescription): string {
  if (input.default === undefined) return "";
  if (input.type === "bool") return input.default === true ? CHECKED_VALUE : "";
  return String(input.default);
}

/** Whether a checkbox's submitted (or default) value ticks it: anything but nothing and false words. */
function isTicked(value: string): boolean {
  const text = value.trim().toLowerCase();
  return text !== "" && !["false", "no", "0", "off"].includes(text);
}

/**
 * The choices, after an empty option when the select may start empty: when the input is
 * optional without a default (leave it out), or required (the browser then asks for a choice
 * rather than sending the first one unseen).
 */
function selectOptions(input: InputDescription): SelectField["options"] {
  const choices = (input.choices ?? []).map((choice) => ({ value: choice, label: choice }));
  if (input.default !== undefined) return choices;
  return [{ value: "", label: input.required ? "Choose…" : "(none)" }, ...choices];
}

/**
 * The HTML `pattern` attribute matching what the SDK accepts: the SDK tests the value
 * anywhere in the string, the browser the whole value (as `^(?:pattern)$`, with the `v`
 * flag); the server checks either way.
 *
 * Null when the pattern has flags other than `u`/`v` (the browser takes none: it would be
 * case-sensitive for an `i` pattern, unanchored for a `y` one) or does not compile with `v`:
 * then the server alone checks.
 */
export function htmlPattern(source: string, flags = ""): string | null {
  if (!/^[uv]*$/.test(flags)) return null;
  const pattern = `.*(?:${source}).*`;
  // Browsers compile it with `v`, which refuses some patterns `u` takes (a bare `-` in a class,
  // as in [a-z0-9-]) and then ignore the attribute in silence: leave it out, the server checks.
  try {
    new RegExp(`^(?:${pattern})$`, "v");
  } catch {
    return null;
  }
  return pattern;
}

/** What a value must be, as the SDK's messages say it. */
function ruleOf(input: InputDescription): string | null {
  switch (input.type) {
    case "int":
    case "float":
      return `${input.type === "int" ? "a whole number" : "a number"}${range(input)}`;
    case "string":
      if (input.choices !== undefined) return `one of ${input.choices.map((c) => JSON.stringify(c)).join(", ")}`;
      return input.pattern !== undefined ? `must match /${input.pattern}/${input.flags ?? ""}` : null;
    case "bool":
    case "file":
      return null;
  }
}

function range(input: InputDescription): string {
  const { min, max } = input;
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return "";
}
