import { describe, expect, it } from "vitest";
import { renderReply } from "../../../src/chatops/render-reply.js";

// Attack: text people wrote comes back in chorebot's reply (`/chorebot status <word>` repeats the
// word, a run's message, an input's error). Escaping Markdown left what GitHub makes of the text
// after rendering: an entity `&#64;` is an `@` there (a mention from chorebot), a bare URL or
// `www.` is an autolink (a link in chorebot's voice), `owner/repo#12` a cross-reference posted
// into another repository's issue.
const hostile = "&#64;victim &commat;org/team https://evil.example/login HTTP://x.example www.evil.example acme/other#12 #7 GH-3";

/** The reply without its code blocks (GitHub makes nothing of them) and the requester's own mention. */
function paragraphs(body: string): string {
  return body.replace(/```+text[^]*?```+/g, "").replace(/asked for by @alice/i, "");
}

describe("replies: what GitHub would make of people's text after rendering", () => {
  it("leaves no entity, autolink or issue reference in a refusal, a run's message or an input's error", () => {
    const bodies = [
      renderReply({ kind: "refused", message: `There is no run ${hostile} here.` }),
      renderReply({ kind: "refused", message: "The inputs are not valid.", errors: { account: `got ${hostile}` }, nothingRan: true }),
      renderReply({ kind: "run", run: { runId: "r-1", chore: "unlock", requestedBy: "alice", runPage: null, status: "failed", message: hostile } }),
    ];
    for (const body of bodies.map(paragraphs)) {
      expect(body).not.toMatch(/(?<!\\)&/);
      expect(body).not.toMatch(/(https?|ftp):\/\//i);
      expect(body).not.toMatch(/\bwww\./i);
      expect(body).not.toMatch(/#\d/);
      expect(body).not.toMatch(/@(?!\u200d)/);
    }
    // Still readable: the same characters, with invisible joiners and a backslash.
    expect(bodies[0]!.replace(/\u200d/g, "")).toContain(
      "\\&#64;victim \\&commat;org/team https://evil.example/login HTTP://x.example www.evil.example acme/other#12 #7",
    );
  });

  it("keeps chorebot's own links working (the run page, the log)", () => {
    const body = renderReply({
      kind: "run",
      run: {
        runId: "r-1",
        chore: "unlock",
        requestedBy: "alice",
        runPage: "https://bot.example/chores/runs/r-1",
        status: "succeeded",
        log: { path: "logs/chores/x.md", url: "https://github.com/acme/widgets/blob/abc/logs/chores/x.md" },
      },
    });
    expect(body).toContain("(https://bot.example/chores/runs/r-1)");
    expect(body).toContain("(https://github.com/acme/widgets/blob/abc/logs/chores/x.md)");
  });
});
