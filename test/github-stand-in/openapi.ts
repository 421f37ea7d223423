import type { components, operations } from "@octokit/openapi-types";

/**
 * GitHub's REST shapes from its published OpenAPI description (@octokit/openapi-types, the
 * version Octokit's own method types use): the stand-in's answers are typed by them, so a
 * response GitHub would never send does not compile.
 */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

export type OperationId = keyof operations;

type Responses<Op extends OperationId> = operations[Op]["responses"];
type SuccessStatus<Op extends OperationId> = Extract<keyof Responses<Op>, 200 | 201 | 202 | 204>;
type JsonOf<Response> = Response extends { content: { "application/json": infer Json } } ? Json : undefined;

/** The JSON `op` answers with `status` (one of its success statuses). */
export type Answer<Op extends OperationId, Status extends SuccessStatus<Op> = SuccessStatus<Op>> = JsonOf<Responses<Op>[Status]>;

/** A success answer of `op`: each documented 2xx status with its own body. Errors are thrown (ApiError). */
export type OperationResult<Op extends OperationId> = {
  [Status in SuccessStatus<Op>]: { status: Status; body: Answer<Op, Status>; headers?: Record<string, string> };
}[SuccessStatus<Op>];

/** The file's bytes as text, for `Accept: application/vnd.github.raw` (a media type the description leaves out). */
export interface RawResult {
  status: 200;
  body: string;
  headers: { "content-type": string };
}

/** Operations GitHub also answers with their raw media type. */
export type RawOperation = "repos/get-content";
