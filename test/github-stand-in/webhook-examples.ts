import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { repoApiUrl, repoHtmlUrl, type StandInState } from "./state.js";

let definitions: WebhookDefinition[] | undefined;

/** A deep clone of the first published example of event `name` that `pick` accepts. */
export function webhookExample(name: string, pick: (payload: Record<string, unknown>) => boolean): Record<string, unknown> {
  if (!definitions) {
    const require = createRequire(import.meta.url);
    definitions = require("@octokit/webhooks-examples") as WebhookDefinition[];
  }
  const definition = definitions.find((candidate) => candidate.name === name);
  const example = definition?.examples.find((candidate) => pick(candidate as unknown as Record<string, unknown>));
  if (!example) throw new Error(`@octokit/webhooks-examples has no matching ${name} example`);
  return structuredClone(example as unknown as Record<string, unknown>);
}

/** Points the template repository's remaining `*_url` templates at this repository. */
export function retargetTemplateUrls(state: StandInState, template: Record<string, unknown>): Record<string, unknown> {
  const fullName = String(template.full_name);
  const apiPrefix = `https://api.github.com/repos/${fullName}`;
  const htmlPrefix = String(template.html_url);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (typeof value !== "string") result[key] = value;
    else if (value.startsWith(apiPrefix)) result[key] = repoApiUrl(state) + value.slice(apiPrefix.length);
    else if (value.startsWith(htmlPrefix)) result[key] = repoHtmlUrl(state) + value.slice(htmlPrefix.length);
    else result[key] = value;
  }
  return result;
}
