import type { ComponentChildren } from "preact";
import { CHORES_PATH } from "./chores-paths.js";
import type { ChoresUser } from "./chores-pages-deps.js";
import { Layout } from "./layout.js";

/** A page that only says something: not found, refused, too large, failed. */
export function MessagePage(props: { title: string; user: ChoresUser | null; csrf: string | null; children: ComponentChildren }) {
  return (
    <Layout title={props.title} user={props.user} csrf={props.csrf}>
      <h1>{props.title}</h1>
      <div class="problem">{props.children}</div>
      <p>
        <a href={CHORES_PATH}>All chores</a>
      </p>
    </Layout>
  );
}
