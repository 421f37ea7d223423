import type { BoolOptions, FileOptions, NumberOptions, StringOptions } from "../sdk/inputs.js";
import type { InputType } from "../sdk/protocol.js";
import type { LiteralKind } from "./read-literal.js";

/** How an option is read: a literal of a kind, or "code" (a function: allowed, never read). */
export type OptionKind = LiteralKind | "code";

const BASE = { required: "boolean", optional: "boolean", description: "string", secret: "boolean", validate: "code" } as const;

/**
 * The options each input builder (`string()`, `int()`, …) accepts. `satisfies` ties each list to
 * the SDK's option type, so an option added there fails to compile here until it is read.
 */
export const INPUT_OPTIONS: Readonly<Record<InputType, Readonly<Record<string, OptionKind>>>> = {
  string: { ...BASE, default: "string", pattern: "regex", choices: "strings" } satisfies Record<keyof StringOptions, OptionKind>,
  int: { ...BASE, default: "number", min: "number", max: "number" } satisfies Record<keyof NumberOptions, OptionKind>,
  float: { ...BASE, default: "number", min: "number", max: "number" } satisfies Record<keyof NumberOptions, OptionKind>,
  bool: { ...BASE, default: "boolean" } satisfies Record<keyof BoolOptions, OptionKind>,
  file: { ...BASE, default: "string" } satisfies Record<keyof FileOptions, OptionKind>,
};
