import { describe, expect, it } from "vitest";
import { choresRoute, choreUrl, historyEventsUrl, runEventsUrl, runUrl } from "../../../src/chores/chores-paths.js";

describe("choresRoute", () => {
  it("leaves what is not under /chores", () => {
    for (const url of ["/", "/chore", "/choresX", "/api/runs", "/login"]) expect(choresRoute(url), url).toBeNull();
  });

  it("routes the catalog, the live script and streams, runs and their cancel", () => {
    expect(choresRoute("/chores")).toEqual({ page: "catalog" });
    expect(choresRoute("/chores/?x=1")).toEqual({ page: "catalog" });
    expect(choresRoute("/chores/live/client.js")).toEqual({ page: "script" });
    expect(choresRoute("/chores/events?run=a&run=b")).toEqual({ page: "history-events" });
    expect(choresRoute("/chores/runs/abc-123.1")).toEqual({ page: "run", runId: "abc-123.1" });
    expect(choresRoute("/chores/runs/abc/cancel")).toEqual({ page: "cancel", runId: "abc" });
    expect(choresRoute("/chores/runs/abc/decide")).toEqual({ page: "decide", runId: "abc" });
    expect(choresRoute("/chores/runs/abc/events?after=1-l-5-1")).toEqual({ page: "run-events", runId: "abc" });
  });

  it("routes a chore, whose name may hold slashes, each segment decoded", () => {
    expect(choresRoute("/chores/acme/shop/unlock-account")).toEqual({ page: "chore", owner: "acme", repo: "shop", name: "unlock-account" });
    expect(choresRoute("/chores/acme/shop.js/billing/re%20send?x")).toEqual({ page: "chore", owner: "acme", repo: "shop.js", name: "billing/re send" });
  });

  it("finds nothing for malformed paths", () => {
    for (const url of ["/chores/acme", "/chores/acme/shop", "/chores/acme/shop/a%2Fb", "/chores/acme/shop/../x", "/chores/ac_me/shop/x", "/chores/%E0%A4%A"]) {
      expect(choresRoute(url), url).toEqual({ page: "not-found" });
    }
  });

  it("builds paths it routes back", () => {
    const url = choreUrl("acme", "shop", "billing/re send#1");
    expect(url).toBe("/chores/acme/shop/billing/re%20send%231");
    expect(choresRoute(url)).toEqual({ page: "chore", owner: "acme", repo: "shop", name: "billing/re send#1" });
    expect(choresRoute(runUrl("r-1"))).toEqual({ page: "run", runId: "r-1" });
    expect(runEventsUrl("r-1", "1-l-5-2")).toBe("/chores/runs/r-1/events?after=1-l-5-2");
    expect(historyEventsUrl(["a", "b&c"])).toBe("/chores/events?run=a&run=b%26c");
  });
});
