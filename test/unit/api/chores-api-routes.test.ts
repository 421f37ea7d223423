import { describe, expect, it } from "vitest";
import { choresApiRoute } from "../../../src/api/chores-api-routes.js";

describe("choresApiRoute", () => {
  it("reads a repository's chores, a chore's runs (its name may hold /), a run, its events and a query", () => {
    expect(choresApiRoute("/api/chores/acme/ops")).toEqual({ route: "chores", owner: "acme", repo: "ops" });
    expect(choresApiRoute("/api/chores/acme/ops/billing/unlock-account/runs")).toEqual({
      route: "start",
      owner: "acme",
      repo: "ops",
      chore: "billing/unlock-account",
    });
    expect(choresApiRoute("/api/chores/acme/ops/unlock/runs/")).toEqual({ route: "start", owner: "acme", repo: "ops", chore: "unlock" });
    expect(choresApiRoute("/api/runs/r-1")).toEqual({ route: "run", runId: "r-1" });
    expect(choresApiRoute("/api/runs/r-1/events")).toEqual({ route: "run-events", runId: "r-1" });
    const query = choresApiRoute("/api/runs?name=nightly&repo=acme/ops");
    expect(query).toMatchObject({ route: "runs" });
    expect(query?.route === "runs" && query.query.get("name")).toBe("nightly");
  });

  it("leaves everything else alone: other paths, and /api/runs routes it does not serve (cancel)", () => {
    for (const url of ["/", "/api/chores", "/api/choresx/a/b", "/chores/acme/ops", "/api/runs/r-1/cancel", "/api/runsx"])
      expect(choresApiRoute(url), url).toBeNull();
  });

  it("reads decisions on a run: approve, reject, resume, rollback and a named signal (signals/approval is approve)", () => {
    for (const kind of ["approve", "reject", "resume", "rollback"] as const)
      expect(choresApiRoute(`/api/runs/r-1/${kind}/`)).toEqual({ route: "decide", runId: "r-1", decision: { kind } });
    expect(choresApiRoute("/api/runs/r-1/signals/deploy-done")).toEqual({ route: "decide", runId: "r-1", decision: { kind: "signal", signal: "deploy-done" } });
    expect(choresApiRoute("/api/runs/r-1/signals/approval")).toEqual({ route: "decide", runId: "r-1", decision: { kind: "approve" } });
    for (const url of ["/api/runs/r-1/signals/..", "/api/runs/r-1/signals/9lives", "/api/runs/r-1/signals/a%2Fb", `/api/runs/r-1/signals/${"s".repeat(65)}`])
      expect(choresApiRoute(url)?.route, url).toBe("bad");
    for (const url of ["/api/runs/r-1/signals", "/api/runs/r-1/approve/now", "/api/runs/r-1/approved"]) expect(choresApiRoute(url), url).toBeNull();
  });

  it("refuses traversal and encoded separators: each segment is decoded on its own", () => {
    for (const url of [
      "/api/chores/acme/ops/../secrets/runs",
      "/api/chores/acme/ops/%2e%2e/x/runs",
      "/api/chores/acme/ops/a%2Fb/runs",
      "/api/chores/acme/ops/a%5Cb/runs",
      "/api/chores/acme/ops/a//b/runs",
      "/api/chores/acme/ops/%E0%A4%A/runs",
      "/api/chores/../ops",
      "/api/chores/acme/..",
      "/api/chores/acme/ops/runs",
      "/api/chores/acme/ops/x/y",
      "/api/chores/acme",
      "/api/chores/ac%00me/ops",
      "/api/runs/..",
      "/api/runs/a%2Fb",
      "/api/runs/a:b",
    ]) {
      expect(choresApiRoute(url)?.route, url).toBe("bad");
    }
  });
});
