import { describe, expect, it } from "vitest";
import { STATUS_NAMES } from "../../../src/api/run-status-reader.js";
import { BADGE_COLOURS, CHORES_STYLESHEET, TEXT_COLOURS } from "../../../src/chores/chores-stylesheet.js";
import { statusWord } from "../../../src/chores/run-status-word.js";

/** WCAG 2's contrast ratio of two `#rrggbb` colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Pico's page backgrounds, light and dark (its classless build's --pico-background-color). */
const PAGE = { light: "#ffffff", dark: "#13171f" };

describe("chores.css", () => {
  it("gives every state's badge text a contrast of at least 4.5:1 on its background, light and dark", () => {
    for (const [state, colours] of Object.entries(BADGE_COLOURS)) {
      for (const scheme of ["light", "dark"] as const) {
        const [text, background] = colours[scheme];
        expect(contrast(text, background), `${state} ${scheme}`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it("gives field errors 4.5:1 and the focus outline 3:1 on the page, light and dark", () => {
    for (const scheme of ["light", "dark"] as const) {
      expect(contrast(TEXT_COLOURS.error[scheme], PAGE[scheme]), scheme).toBeGreaterThanOrEqual(4.5);
      expect(contrast(TEXT_COLOURS.focus[scheme], PAGE[scheme]), scheme).toBeGreaterThanOrEqual(3);
    }
  });

  it("styles every status word a run can have", () => {
    for (const state of STATUS_NAMES.map((name) => statusWord({ status: name }).word)) {
      expect(CHORES_STYLESHEET, state).toMatch(new RegExp(`\\.status-${state}[,\\s{]`));
      expect(CHORES_STYLESHEET, state).toMatch(new RegExp(`\\.status-${state}::before`));
    }
  });

  it("colours a workflow step's standing with a badge's text colour that reads on the page too, light and dark", () => {
    for (const colour of ["succeeded", "running", "waiting", "failed"] as const) {
      expect(CHORES_STYLESHEET).toContain(`var(--status-${colour})`);
      for (const scheme of ["light", "dark"] as const)
        expect(contrast(BADGE_COLOURS[colour][scheme][0], PAGE[scheme]), `${colour} ${scheme}`).toBeGreaterThanOrEqual(4.5);
    }
    for (const standing of ["done", "undone", "partly_done", "rollback_failed", "not_run"])
      expect(CHORES_STYLESHEET).toContain(`.standing-${standing} .standing {`);
  });

  it("shows keyboard focus, wraps long output in a bounded box and has dark colours", () => {
    expect(CHORES_STYLESHEET).toMatch(/:focus-visible[^{]*\{\s*outline: 3px solid/);
    expect(CHORES_STYLESHEET).toMatch(/pre\.output[^{]*\{[^}]*white-space: pre-wrap;[^}]*max-height: 70vh;[^}]*overflow: auto;/);
    expect(CHORES_STYLESHEET).toContain("@media (prefers-color-scheme: dark)");
  });
});
