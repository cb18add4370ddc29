import type { ComponentChildren } from "preact";

/** A status or outcome as a coloured badge (its text is the word itself). */
export function Badge(props: { value: string; testId?: string }) {
  return (
    <span class={`badge badge-${props.value.toLowerCase()}`} data-testid={props.testId}>
      {props.value}
    </span>
  );
}

/** A failed read or action, as the server said it. */
export function Problem(props: { error: string | undefined }) {
  return props.error ? (
    <p class="problem" role="alert">
      {props.error}
    </p>
  ) : null;
}

/** A titled block of a page. */
export function Section(props: { title: string; children: ComponentChildren; testId?: string }) {
  return (
    <section data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** JSON, preformatted. */
export function Json(props: { value: unknown; testId?: string }) {
  return (
    <pre class="json" data-testid={props.testId}>
      {props.value === undefined ? "–" : JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

/** Shown while the first answer of a page is awaited. */
export function Loading() {
  return <p class="muted">loading…</p>;
}

/** A table's header row. */
export function Head(props: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column, i) => (
          <th key={`${column}|${i}`}>{column}</th>
        ))}
      </tr>
    </thead>
  );
}
