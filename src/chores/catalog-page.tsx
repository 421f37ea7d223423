import { Fragment } from "preact";
import type { CatalogEntry, RepoCatalog } from "../catalog-types.js";
import type { ScheduleDescription } from "../sdk/protocol.js";
import { atLeast, type Permission } from "../github/permission.js";
import type { ChoreRunView } from "./chore-run-view.js";
import { Problem } from "./chore-page.js";
import { choreUrl } from "./chores-paths.js";
import type { ChoresUser } from "./chores-pages-deps.js";
import { concurrencyOf, describeConcurrency } from "./describe-chore.js";
import { Layout } from "./layout.js";
import { describeScheduleRule, formatOccurrence } from "./schedule-words.js";
import { RunLink } from "./status-badge.js";

/** One repository the user can read, with its chores and each one's latest runs. */
export interface CatalogRepository {
  catalog: RepoCatalog;
  permission: Permission;
  required: Permission;
  /** Each chore, its latest runs, and its schedule with the next occurrence (ms; null: none; undefined: not read, the local preview). */
  chores: Array<{ entry: CatalogEntry; runs: ChoreRunView[]; schedule?: { schedule: ScheduleDescription; next: number | null | undefined } }>;
}

/** Every chore the user can see, by repository: each a link to its page, with what it does and how its latest runs went. */
export function CatalogPage(props: {
  user: ChoresUser;
  csrf: string;
  repositories: CatalogRepository[];
  /** Repositories whose permission could not be checked (GitHub did not answer), left out. */
  unchecked: number;
}) {
  return (
    <Layout title="Chores" user={props.user} csrf={props.csrf}>
      <h1>Chores</h1>
      {props.unchecked > 0 ? (
        <p class="problem">
          Your access to {props.unchecked} {props.unchecked === 1 ? "repository" : "repositories"} could not be checked with GitHub just now; reload the page to
          try again.
        </p>
      ) : null}
      {props.repositories.length === 0 ? <p>No chores you can see: chorebot has no chores indexed in a repository you can read.</p> : null}
      {props.repositories.map((repository) => (
        <Repository key={`${repository.catalog.owner}/${repository.catalog.repo}`} repository={repository} />
      ))}
    </Layout>
  );
}

function Repository(props: { repository: CatalogRepository }) {
  const { catalog, permission, required, chores } = props.repository;
  const name = `${catalog.owner}/${catalog.repo}`;
  return (
    <section class="repository">
      <h2>{name}</h2>
      {atLeast(permission, required) ? null : (
        <p class="notice">
          You have {permission} permission here: you can see these chores and their runs; running them needs {required} or above.
        </p>
      )}
      {chores.length === 0 ? <p>No chores in its {catalog.config.choresDir} folder.</p> : null}
      <ul class="chores">
        {chores.map(({ entry, runs, schedule }) => (
          <li key={entry.name}>
            <a href={choreUrl(catalog.owner, catalog.repo, entry.name)}>
              <strong>{entry.name}</strong>
            </a>
            {entry.runnable?.description?.description ? <> — {entry.runnable.description.description}</> : null}
            <br />
            {entry.runnable ? <span class="concurrency">Concurrency: {describeConcurrency(concurrencyOf(entry.runnable))}. </span> : null}
            {schedule ? (
              <span class="scheduled">
                Scheduled: <code>{describeScheduleRule(schedule.schedule)}</code>
                {schedule.next === undefined ? (
                  ""
                ) : schedule.next === null ? (
                  ", no next occurrence (paused or not set up)"
                ) : (
                  <>, next {formatOccurrence(schedule.next, schedule.schedule.timezone)}</>
                )}
                .{" "}
              </span>
            ) : null}
            {runs.length > 0 ? (
              <span class="runs">
                Last runs:{" "}
                {runs.map((run) => (
                  <Fragment key={run.id}>
                    <RunLink run={run} />{" "}
                  </Fragment>
                ))}
              </span>
            ) : (
              <span class="runs">No runs yet.</span>
            )}
            <Problem entry={entry} />
          </li>
        ))}
      </ul>
    </section>
  );
}
