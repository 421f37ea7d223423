import type { CatalogEntry, RepoCatalog } from "../catalog-types.js";
import type { Permission } from "../github/permission.js";
import type { ChoreRunView } from "./chore-run-view.js";
import { ChoreForm, type ChoreFormProps } from "./chore-form.js";
import { choreUrl, CHORES_PATH } from "./chores-paths.js";
import type { ChoresUser } from "./chores-pages-deps.js";
import { concurrencyOf, describeConcurrency, describeTimeout } from "./describe-chore.js";
import { formatTime } from "./format-time.js";
import { httpUrl } from "./http-url.js";
import { Layout } from "./layout.js";
import { hasLiveRuns, RunHistory } from "./run-history.js";
import { SchedulePanel, type SchedulePanelProps } from "./schedule-panel.js";

export interface ChorePageProps {
  user: ChoresUser;
  csrf: string;
  catalog: RepoCatalog;
  entry: CatalogEntry;
  /** The user's role on the repository, and the one running its chores needs. */
  permission: Permission;
  required: Permission;
  /** Why the form cannot be used, when the user may run chores but this one cannot run from here. */
  blocked: string | null;
  /** The form, when the chore may run and the user may run it. */
  form: Omit<ChoreFormProps, "action" | "csrf"> | null;
  /** Said above the form (the chore changed since the page was opened…). */
  notice: string | null;
  history: ChoreRunView[];
  /** The schedule's panel, when the chore's runnable version declares a schedule. */
  schedule?: SchedulePanelProps | null;
}

/** A chore: what it does, how it runs, the form to run it (or why there is none), its latest runs. */
export function ChorePage(props: ChorePageProps) {
  const { catalog, entry } = props;
  const chore = entry.runnable;
  const repository = `${catalog.owner}/${catalog.repo}`;
  const action = choreUrl(catalog.owner, catalog.repo, entry.name);
  const mayRun = props.form !== null;
  return (
    <Layout title={`${entry.name} · ${repository}`} user={props.user} csrf={props.csrf} live={hasLiveRuns(props.history)}>
      <p>
        <a href={CHORES_PATH}>Chores</a> › {repository}
      </p>
      <h1>{entry.name}</h1>
      {chore?.description?.description ? <p class="description">{chore.description.description}</p> : null}
      <dl class="facts">
        <dt>Repository</dt>
        <dd>{repository}</dd>
        <dt>File</dt>
        <dd>
          <code>{entry.path}</code>
        </dd>
        {chore ? (
          <>
            <dt>Version</dt>
            <dd>
              commit <code>{chore.commit.slice(0, 7)}</code> ({formatTime(chore.committedAt)})
            </dd>
            {chore.provenance.pullRequest ? (
              <>
                <dt>Pull request</dt>
                <dd>
                  <a href={httpUrl(chore.provenance.pullRequest.url)}>#{chore.provenance.pullRequest.number}</a> {chore.provenance.pullRequest.title} by{" "}
                  {chore.provenance.pullRequest.author}
                </dd>
              </>
            ) : null}
            {chore.provenance.approvedBy.length > 0 ? (
              <>
                <dt>Approved by</dt>
                <dd>{chore.provenance.approvedBy.join(", ")}</dd>
              </>
            ) : null}
            <dt>Concurrency</dt>
            <dd>{describeConcurrency(concurrencyOf(chore))}</dd>
            <dt>Timeout</dt>
            <dd>{describeTimeout(chore, catalog)}</dd>
          </>
        ) : null}
      </dl>
      <Problem entry={entry} />
      {props.schedule ? <SchedulePanel {...props.schedule} /> : null}
      <h2>Run</h2>
      {props.notice !== null ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {chore === null ? (
        <p>This chore cannot run until a version of it passes review and indexing.</p>
      ) : props.blocked !== null ? (
        <p class="problem">{props.blocked}</p>
      ) : mayRun ? (
        <ChoreForm action={action} csrf={props.csrf} {...props.form!} />
      ) : (
        <p class="notice">
          You have {props.permission} permission on {repository}; running its chores needs {props.required} or above. You can see this chore and its runs, but
          not run it.
        </p>
      )}
      <h2>Latest runs</h2>
      <RunHistory runs={props.history} />
    </Layout>
  );
}

/** Why the newest indexed version of the chore is not the one that runs. */
export function Problem(props: { entry: CatalogEntry }) {
  const { problem, runnable } = props.entry;
  if (problem === null) return null;
  return (
    <div class="problem" role="note">
      {runnable === null ? (
        <p>
          This chore cannot run: {problem.message} (commit <code>{problem.commit.slice(0, 7)}</code>).
        </p>
      ) : (
        <p>
          Its newest version (commit <code>{problem.commit.slice(0, 7)}</code>) does not run: {problem.message}. Runs use the version of commit{" "}
          <code>{runnable.commit.slice(0, 7)}</code> until then.
        </p>
      )}
    </div>
  );
}
