import { describe, expect, it } from "vitest";
import type { ChoreRun, CommandComment, RunRequest } from "../../../src/run-types.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { renderRunLog } from "../../../src/runlog/render-run-log.js";
import { runLogInput } from "./run-log-fixture.js";

const COMMENT_URL = "https://github.com/acme/app/issues/12#issuecomment-1001";

function choreRun(request: Partial<RunRequest> = {}): ChoreRun {
  return {
    name: "billing/unlock-account",
    request: { trigger: "ui", requestedBy: "carol", requestedAt: "2026-12-06T10:00:00.000Z", inputs: { account: "acct_1" }, ...request },
  };
}

function comment(url = COMMENT_URL): CommandComment {
  return { url, issueNumber: 12, commentId: 1001, replyId: 2002 };
}

function render(request: Partial<RunRequest>) {
  const chore = choreRun(request);
  const text = renderRunLog(runLogInput({ trigger: chore.request.trigger, chore, pullRequest: null }));
  const { frontMatter, body } = parseRunLog(text);
  const first = body.split("\n").find((line) => line.includes("Run on demand by"));
  if (first === undefined) throw new Error(`no first sentence in\n${body}`);
  return { text, frontMatter, body, first };
}

/** The target of the first sentence's comment link, as CommonMark reads an unbracketed destination: up to whitespace or an unbalanced `)`. */
function linkTarget(sentence: string): string {
  const start = sentence.indexOf("in [a comment](");
  if (start < 0) throw new Error(`no comment link in ${sentence}`);
  const rest = sentence.slice(start + "in [a comment](".length);
  return rest.slice(0, rest.search(/[)\s]/));
}

describe("a chore run's log: how it was asked for", () => {
  it("records a comment's run: trigger, the run's name and the comment's URL, and links the comment in the first sentence", () => {
    const { frontMatter, first } = render({ trigger: "comment", name: "nightly-backfill", comment: comment() });
    expect(frontMatter).toMatchObject({ trigger: "comment", run_name: "nightly-backfill", comment_url: COMMENT_URL, requested_by: "carol" });
    expect(first).toContain(`Run on demand by @carol in [a comment](${COMMENT_URL}) (chore billing/unlock-account, commit `);
  });

  it("says an API run came through the API, and a page's run says neither", () => {
    const api = render({ trigger: "api", name: "deploy-42" });
    expect(api.frontMatter).toMatchObject({ trigger: "api", run_name: "deploy-42" });
    expect(api.frontMatter).not.toHaveProperty("comment_url");
    expect(api.first).toContain("Run on demand by @carol through the API (chore billing/unlock-account");
    const ui = render({});
    expect(ui.frontMatter).toMatchObject({ trigger: "ui" });
    expect(ui.frontMatter).not.toHaveProperty("run_name");
    expect(ui.frontMatter).not.toHaveProperty("comment_url");
    expect(ui.first).toContain("Run on demand by @carol (chore billing/unlock-account");
  });

  it("keeps a hostile comment URL inside its link: it cannot end it early, add a title or more links, or break the rendering", () => {
    const hostile = [
      `${COMMENT_URL}) **forged** [click](https://evil.example`,
      `${COMMENT_URL} "a title"`,
      `${COMMENT_URL}\n\n# Forged heading`,
      `${COMMENT_URL}<img src=x>`,
      `${COMMENT_URL}\\)`,
      `${COMMENT_URL}\u0000\u0007\u00a0\u2028`,
      `${COMMENT_URL}\ud800`,
      `${COMMENT_URL}\`code\``,
    ];
    for (const url of hostile) {
      const { frontMatter, first, body } = render({ trigger: "comment", comment: comment(url) });
      const target = linkTarget(first);
      // One printable run of URL characters with nothing that ends, escapes or brackets it.
      expect(target, JSON.stringify(url)).toMatch(/^https:\/\/github\.com\/[\x21-\x7e]+$/);
      expect(target).not.toMatch(/[()<>\\`"']/);
      expect(first.slice(first.indexOf(target) + target.length)).toMatch(/^\) \(chore billing\/unlock-account, commit /);
      expect(body).not.toMatch(/^#+ Forged/m);
      expect(body).not.toContain("<img");
      // The front matter keeps the URL as given (YAML quotes it), for machines.
      expect(frontMatter.comment_url).toBe(url);
    }
  });

  it("links no comment whose URL is not http(s)", () => {
    for (const url of ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x", "not a url"]) {
      const { first } = render({ trigger: "comment", comment: comment(url) });
      expect(first).toContain("Run on demand by @carol in a comment (chore billing/unlock-account");
      expect(first).not.toContain("](");
    }
  });
});
