import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import type { InputType } from "./protocol.js";

/**
 * A validator gets the coerced value after the built-in checks (type, min/max, pattern,
 * choices) passed, and:
 * - returns `undefined` or `true`: the value is accepted as is;
 * - returns `false`: the value is rejected ("is not valid");
 * - throws: the value is rejected, with the error's message;
 * - returns any other value: it replaces the input's value (e.g. a trimmed or normalised string).
 * For `bool` inputs a returned boolean is always a verdict, never a replacement.
 * Validators do not run on defaults.
 */
export type Validator<T> = (value: T) => T | boolean | void;

interface BaseOptions<T> {
  /** Required unless `optional` / `required: false` or a `default` is given. */
  required?: boolean;
  /** Alias of `required: false`. */
  optional?: boolean;
  default?: T;
  description?: string;
  /** Never echoed: masked in reports and left out of error messages and descriptions. */
  secret?: boolean;
  validate?: Validator<T>;
}
export interface StringOptions extends BaseOptions<string> {
  pattern?: RegExp;
  /** The allowed values (UIs render a select). With `as const` or inline, the value is their union. */
  choices?: readonly string[];
}
export interface NumberOptions extends BaseOptions<number> {
  min?: number;
  max?: number;
}
export type BoolOptions = BaseOptions<boolean>;
/** A local path that must name a readable file, resolved against the working directory. */
export type FileOptions = BaseOptions<string>;

export type AnyInputOptions = StringOptions & NumberOptions & BaseOptions<unknown>;

declare const VALUE: unique symbol;
declare const OPTIONAL: unique symbol;

/** A declared input. `V` and `Opt` exist for typing only (the value and whether it may be absent). */
export interface Input<K extends InputType = InputType, V = unknown, Opt extends boolean = boolean> {
  readonly kind: K;
  readonly options: Readonly<AnyInputOptions>;
  readonly [VALUE]?: V;
  readonly [OPTIONAL]?: Opt;
}
export type AnyInput = Input<InputType, unknown, boolean>;
export type InputDeclarations = Record<string, AnyInput>;

type IsOptional<O> = O extends { default: string | number | boolean } ? false : O extends { optional: true } | { required: false } ? true : false;
type StringValue<O> = O extends { choices: readonly (infer C extends string)[] } ? C : string;

/** The values `run` receives for declared inputs. */
export type InputValues<I extends InputDeclarations> = {
  [K in keyof I]: I[K] extends Input<InputType, infer V, infer Opt> ? (true extends Opt ? V | undefined : V) : never;
};

function input<K extends InputType>(kind: K, options: object | undefined): Input<K, never, never> {
  const o = { ...(options ?? {}) } as AnyInputOptions;
  if (o.required === true && o.optional === true) throw new Error(`${kind} input: required and optional at once`);
  if (o.min !== undefined && o.max !== undefined && o.min > o.max) throw new Error(`${kind} input: min ${o.min} > max ${o.max}`);
  return { kind, options: Object.freeze(o) };
}

export function string<const O extends StringOptions>(options?: O): Input<"string", StringValue<O>, IsOptional<O>> {
  return input("string", options);
}
export function int<const O extends NumberOptions>(options?: O): Input<"int", number, IsOptional<O>> {
  return input("int", options);
}
export function float<const O extends NumberOptions>(options?: O): Input<"float", number, IsOptional<O>> {
  return input("float", options);
}
export function bool<const O extends BoolOptions>(options?: O): Input<"bool", boolean, IsOptional<O>> {
  return input("bool", options);
}
export function file<const O extends FileOptions>(options?: O): Input<"file", string, IsOptional<O>> {
  return input("file", options);
}

/** Whether a caller must supply the input (not optional and no default). */
export function isRequired(input: AnyInput): boolean {
  const o = input.options;
  return o.default === undefined && o.optional !== true && o.required !== false;
}

export type CoerceResult = { ok: true; values: Record<string, unknown> } | { ok: false; errors: string[] };

const TRUE = new Set(["true", "yes", "1", "on"]);
const FALSE = new Set(["false", "no", "0", "off"]);
const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Coerces raw string values (forms, CLI flags, chat) to the declared inputs' types, applies
 * defaults and checks. An empty string counts as not given. Undeclared names are dropped.
 * Returns every bad field's message (`limit: must be an integer ≥ 1, got "0"`).
 */
export function coerceInputs(declared: InputDeclarations, raw: Readonly<Record<string, string>>, cwd = process.cwd()): CoerceResult {
  const values: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, decl] of Object.entries(declared)) {
    const given = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (given === undefined || given === "") {
      if (decl.options.default !== undefined) values[name] = decl.options.default;
      else if (isRequired(decl)) errors.push(`${name}: is required`);
      else values[name] = undefined;
      continue;
    }
    const outcome = coerceOne(decl, given, cwd);
    if ("error" in outcome) errors.push(`${name}: ${outcome.error}`);
    else values[name] = outcome.value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

function coerceOne(decl: AnyInput, raw: string, cwd: string): { value: unknown } | { error: string } {
  const o = decl.options;
  const got = o.secret === true ? "" : `, got ${JSON.stringify(raw)}`;
  let value: unknown;
  switch (decl.kind) {
    case "int":
    case "float": {
      const text = raw.trim();
      const n = Number(text);
      const ok = decl.kind === "int" ? INT.test(text) && Number.isSafeInteger(n) : FLOAT.test(text) && Number.isFinite(n);
      if (!ok || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
        return { error: `must be ${decl.kind === "int" ? "an integer" : "a number"}${range(o)}${got}` };
      }
      value = n;
      break;
    }
    case "bool": {
      const text = raw.trim().toLowerCase();
      if (!TRUE.has(text) && !FALSE.has(text)) return { error: `must be true or false (yes/no, on/off, 1/0)${got}` };
      value = TRUE.has(text);
      break;
    }
    case "string": {
      if (o.choices !== undefined && !o.choices.includes(raw)) {
        return { error: `must be one of ${o.choices.map((c) => JSON.stringify(c)).join(", ")}${got}` };
      }
      if (o.pattern !== undefined) {
        o.pattern.lastIndex = 0;
        if (!o.pattern.test(raw)) return { error: `must match ${String(o.pattern)}${got}` };
      }
      value = raw;
      break;
    }
    case "file": {
      const path = resolve(cwd, raw);
      try {
        if (!statSync(path).isFile()) return { error: `not a file: ${path}` };
        accessSync(path, constants.R_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return { error: code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path} (${code ?? String(error)})` };
      }
      value = path;
      break;
    }
  }
  return validate(decl, value, got);
}

function validate(decl: AnyInput, value: unknown, got: string): { value: unknown } | { error: string } {
  const validator = decl.options.validate as Validator<unknown> | undefined;
  if (validator === undefined) return { value };
  let verdict: unknown;
  try {
    verdict = validator(value);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (verdict === false) return { error: `is not valid${got}` };
  if (verdict === undefined || verdict === true) return { value };
  if (decl.kind === "bool") return { error: `validator returned ${typeof verdict}, expected a boolean or nothing` };
  return { value: verdict };
}

function range(o: NumberOptions): string {
  if (o.min !== undefined && o.max !== undefined) return ` between ${o.min} and ${o.max}`;
  if (o.min !== undefined) return ` ≥ ${o.min}`;
  if (o.max !== undefined) return ` ≤ ${o.max}`;
  return "";
}
