import type { ComponentChildren } from "preact";
import { navigate } from "../router.js";

/** A link inside the app: moves without a reload (a modified click opens a tab as usual). */
export function Link(props: { href: string; children: ComponentChildren; testId?: string }) {
  return (
    <a
      href={props.href}
      data-testid={props.testId}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
