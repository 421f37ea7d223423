import { invalidRequest, notFound, unprocessable } from "./api-error.js";
import { isoSeconds } from "./git-parse.js";
import { paginate } from "./paginate.js";
import { refreshPull } from "./pull-helpers.js";
import type { RouteContext, Router } from "./router.js";
import { bodyObject, DOCS, notA, requireRepo, requireString } from "./route-helpers.js";
import { checkAnnotation, checkRun } from "./shapes.js";
import type { StandInState } from "./state.js";
import type { CheckRunAnnotation, CheckRunRecord } from "./types.js";

const STATUSES = ["queued", "in_progress", "completed", "waiting", "requested", "pending"] as const satisfies readonly CheckRunRecord["status"][];
/** What a request may conclude a run with. `stale` is GitHub's own to set: it is refused. */
const CONCLUSIONS = [
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "timed_out",
] as const satisfies readonly CheckRunRecord["conclusion"][];
const LEVELS = ["notice", "warning", "failure"] as const;
/** GitHub's per-request cap on output.annotations. */
const MAX_ANNOTATIONS = 50;
/** GitHub's cap on output.summary and output.text. */
const MAX_OUTPUT_CHARS = 65535;

interface CheckRunPatch {
  name?: string;
  detailsUrl?: string | null;
  externalId?: string | null;
  status?: CheckRunRecord["status"];
  conclusion?: CheckRunRecord["conclusion"];
  startedAt?: string | null;
  completedAt?: string | null;
  output?: { title?: string | null; summary?: string | null; text?: string | null };
  annotations: CheckRunAnnotation[];
}

function optionalString(body: Record<string, unknown>, field: string, docs: string): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== "string") throw notA(field, value, "a string", docs);
  return value;
}

function optionalDate(body: Record<string, unknown>, field: string, docs: string): string | null | undefined {
  const value = optionalString(body, field, docs);
  if (typeof value === "string" && Number.isNaN(Date.parse(value))) throw notA(field, value, "a date-time", docs);
  return typeof value === "string" ? isoSeconds(new Date(value)) : value;
}

function integer(annotation: Record<string, unknown>, field: string, docs: string, required: boolean): number | undefined {
  const value = annotation[field];
  if (value === undefined || value === null) {
    if (required) throw invalidRequest(`"${field}" wasn't supplied.`, docs);
    return undefined;
  }
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw notA(`output/properties/annotations/items/properties/${field}`, value, "an integer", docs);
  }
  return value;
}

function parseAnnotation(item: unknown, docs: string): CheckRunAnnotation {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw notA("output/properties/annotations/items", item, "an object", docs);
  }
  const raw = item as Record<string, unknown>;
  const path = requireString(raw, "path", docs);
  const message = requireString(raw, "message", docs);
  const level = requireString(raw, "annotation_level", docs);
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw notA("output/properties/annotations/items/properties/annotation_level", level, "a member of enum", docs);
  }
  const annotation: CheckRunAnnotation = {
    path,
    start_line: integer(raw, "start_line", docs, true)!,
    end_line: integer(raw, "end_line", docs, true)!,
    annotation_level: level as CheckRunAnnotation["annotation_level"],
    message,
  };
  const startColumn = integer(raw, "start_column", docs, false);
  const endColumn = integer(raw, "end_column", docs, false);
  if ((startColumn !== undefined || endColumn !== undefined) && annotation.start_line !== annotation.end_line) {
    throw unprocessable("Invalid request.\n\nstart_column and end_column may only be used when start_line equals end_line.", docs);
  }
  if (startColumn !== undefined) annotation.start_column = startColumn;
  if (endColumn !== undefined) annotation.end_column = endColumn;
  const title = optionalString(raw, "title", docs);
  if (typeof title === "string") annotation.title = title;
  const details = optionalString(raw, "raw_details", docs);
  if (typeof details === "string") annotation.raw_details = details;
  return annotation;
}

/** Validates a create/update body into a patch; `creating` adds create's required fields. */
function parseCheckRunBody(body: Record<string, unknown>, creating: boolean): CheckRunPatch {
  const docs = creating ? DOCS.createCheckRun : DOCS.updateCheckRun;
  const patch: CheckRunPatch = { annotations: [] };
  if (creating || body.name !== undefined) patch.name = requireString(body, "name", docs);
  const detailsUrl = optionalString(body, "details_url", docs);
  if (detailsUrl !== undefined) patch.detailsUrl = detailsUrl;
  const externalId = optionalString(body, "external_id", docs);
  if (externalId !== undefined) patch.externalId = externalId;
  if (body.status !== undefined) {
    if (typeof body.status !== "string" || !(STATUSES as readonly string[]).includes(body.status)) {
      throw notA("status", body.status, "a member of enum", docs);
    }
    patch.status = body.status as CheckRunRecord["status"];
  }
  if (body.conclusion !== undefined && body.conclusion !== null) {
    if (body.conclusion === "stale") throw invalidRequest("You cannot change a check run conclusion to stale, only GitHub can set this.", docs);
    if (typeof body.conclusion !== "string" || !(CONCLUSIONS as readonly string[]).includes(body.conclusion)) {
      throw notA("conclusion", body.conclusion, "a member of enum", docs);
    }
    patch.conclusion = body.conclusion as CheckRunRecord["conclusion"];
  }
  const startedAt = optionalDate(body, "started_at", docs);
  if (startedAt !== undefined) patch.startedAt = startedAt;
  const completedAt = optionalDate(body, "completed_at", docs);
  if (completedAt !== undefined) patch.completedAt = completedAt;

  if (body.output !== undefined && body.output !== null) {
    if (typeof body.output !== "object" || Array.isArray(body.output)) throw notA("output", body.output, "an object", docs);
    const output = body.output as Record<string, unknown>;
    const title = creating ? requireString(output, "title", docs) : optionalString(output, "title", docs);
    const summary = requireString(output, "summary", docs);
    const text = optionalString(output, "text", docs);
    for (const [field, value] of [
      ["summary", summary],
      ["text", text],
    ] as const) {
      if (typeof value === "string" && value.length > MAX_OUTPUT_CHARS) {
        throw invalidRequest(`Only ${MAX_OUTPUT_CHARS} characters are allowed in output.${field}; ${value.length} were supplied.`, docs);
      }
    }
    patch.output = { summary };
    if (title !== undefined) patch.output.title = title;
    if (text !== undefined) patch.output.text = text;
    const annotations = output.annotations;
    if (annotations !== undefined && annotations !== null) {
      if (!Array.isArray(annotations)) throw notA("output/properties/annotations", annotations, "an array", docs);
      if (annotations.length > MAX_ANNOTATIONS) {
        throw invalidRequest(`For 'properties/annotations', the array has ${annotations.length} items, more than the maximum of ${MAX_ANNOTATIONS}.`, docs);
      }
      patch.annotations = annotations.map((item) => parseAnnotation(item, docs));
    }
  }
  return patch;
}

/** Applies a validated patch the way GitHub does: a conclusion completes the run; completed needs one. */
function applyPatch(run: CheckRunRecord, patch: CheckRunPatch, docs: string): void {
  const conclusion = patch.conclusion ?? run.conclusion;
  const status = patch.conclusion ? "completed" : (patch.status ?? run.status);
  if (status === "completed" && !conclusion) throw invalidRequest(`"conclusion" wasn't supplied.`, docs);
  if (patch.name !== undefined) run.name = patch.name;
  if (patch.detailsUrl !== undefined) run.detailsUrl = patch.detailsUrl;
  if (patch.externalId !== undefined) run.externalId = patch.externalId;
  if (patch.startedAt !== undefined) run.startedAt = patch.startedAt;
  run.status = status;
  run.conclusion = status === "completed" ? conclusion : null;
  if (patch.completedAt !== undefined) run.completedAt = patch.completedAt;
  if (status === "completed" && !run.completedAt) run.completedAt = isoSeconds();
  if (patch.output) run.output = { ...run.output, ...patch.output };
  run.annotations.push(...patch.annotations);
}

/** Checks API: check runs (create, update, get, list for a ref) and their annotations. */
export function registerCheckRoutes(router: Router, state: StandInState): void {
  const findRun = (ctx: RouteContext, docs: string): CheckRunRecord => {
    requireRepo(state, ctx);
    const run = state.checkRuns.get(Number(ctx.params.check_run_id));
    if (!run) throw notFound(docs);
    return run;
  };
  /** The open PRs whose head is the run's commit, as GitHub lists them on a check run. */
  const render = (run: CheckRunRecord) =>
    checkRun(
      state,
      run,
      state.pulls
        .all()
        .map((pr) => refreshPull(state, pr))
        .filter((pr) => pr.state === "open" && pr.headSha === run.headSha),
    );

  router.add("POST", "/repos/:owner/:repo/check-runs", "installation", "checks/create", async (ctx) => {
    requireRepo(state, ctx);
    const body = bodyObject(ctx);
    const headSha = requireString(body, "head_sha", DOCS.createCheckRun);
    const patch = parseCheckRunBody(body, true);
    const sha = /^[0-9a-f]{40}$/i.test(headSha) ? await state.git.resolveCommit(headSha) : undefined;
    if (!sha) throw unprocessable(`No commit found for SHA: ${headSha}`, DOCS.createCheckRun);
    const run: CheckRunRecord = {
      id: state.checkRuns.nextId(),
      name: patch.name!,
      headSha: sha,
      status: "queued",
      conclusion: null,
      startedAt: isoSeconds(),
      completedAt: null,
      detailsUrl: null,
      externalId: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      appId: state.appId ?? null,
    };
    applyPatch(run, patch, DOCS.createCheckRun);
    state.checkRuns.add(run);
    const created = render(run);
    return { status: 201, headers: { location: created.url }, body: created };
  });

  router.add("PATCH", "/repos/:owner/:repo/check-runs/:check_run_id", "installation", "checks/update", (ctx) => {
    const run = findRun(ctx, DOCS.updateCheckRun);
    const patch = parseCheckRunBody(bodyObject(ctx), false);
    // Validate against a copy so a rejected update leaves the stored run untouched.
    const next = structuredClone(run);
    applyPatch(next, patch, DOCS.updateCheckRun);
    Object.assign(run, next);
    return { status: 200, body: render(run) };
  });

  router.add("GET", "/repos/:owner/:repo/check-runs/:check_run_id", "installation", "checks/get", (ctx) => {
    return { status: 200, body: render(findRun(ctx, DOCS.getCheckRun)) };
  });

  router.add("GET", "/repos/:owner/:repo/check-runs/:check_run_id/annotations", "installation", "checks/list-annotations", (ctx) => {
    const run = findRun(ctx, DOCS.checkRunAnnotations);
    return paginate(
      ctx,
      run.annotations.map((annotation) => checkAnnotation(state, run, annotation)),
    );
  });

  router.add("GET", "/repos/:owner/:repo/commits/:ref/check-runs", "installation", "checks/list-for-ref", async (ctx) => {
    requireRepo(state, ctx);
    const sha = await state.git.resolveCommit(ctx.params.ref!);
    if (!sha) throw unprocessable(`No commit found for SHA: ${ctx.params.ref}`, DOCS.listCheckRuns);
    const name = ctx.query.get("check_name");
    const status = ctx.query.get("status");
    // Newest first; filter=latest (the default) keeps only the newest run of each name.
    let runs = state.checkRuns.all(sha).reverse();
    if (ctx.query.get("filter") !== "all") {
      const seen = new Set<string>();
      runs = runs.filter((run) => !seen.has(run.name) && seen.add(run.name));
    }
    runs = runs.filter((run) => (name === null || run.name === name) && (status === null || run.status === status));
    const page = paginate(ctx, runs.map(render));
    return { ...page, body: { total_count: runs.length, check_runs: page.body } };
  });
}
