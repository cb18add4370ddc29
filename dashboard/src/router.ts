import { useEffect, useState } from "preact/hooks";

/** The page a path shows, with its parameter (an id) when it has one. */
export type Route =
  | { page: "overview" }
  | { page: "invocations" }
  | { page: "invocation"; id: string }
  | { page: "triggers" }
  | { page: "trigger"; id: string }
  | { page: "events" }
  | { page: "workers" }
  | { page: "missing"; path: string };

/** The route of a /ui/... path (the server answers every one of them with this app). */
export function routeOf(path: string): Route {
  const parts = path
    .replace(/^\/ui\/?/, "")
    .split("/")
    .filter(Boolean)
    .map(decodeURIComponent);
  const [section, id] = parts;
  if (parts.length === 0) return { page: "overview" };
  if (parts.length > 2) return { page: "missing", path };
  if (section === "invocations") return id ? { page: "invocation", id } : { page: "invocations" };
  if (section === "triggers") return id ? { page: "trigger", id } : { page: "triggers" };
  if (section === "events" && !id) return { page: "events" };
  if (section === "workers" && !id) return { page: "workers" };
  return { page: "missing", path };
}

/** Moves to another page of the app without reloading it. */
export function navigate(href: string): void {
  window.history.pushState(null, "", href);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** The current location (path and query), following navigation and the back button. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({ path: window.location.pathname, query: new URLSearchParams(window.location.search) });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const onChange = () => setLocation(read());
    window.addEventListener("popstate", onChange);
    return () => window.removeEventListener("popstate", onChange);
  }, []);
  return location;
}

/** Path of a page, for links. */
export const paths = {
  overview: "/ui/",
  invocations: (query: Record<string, string> = {}) => {
    const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value)).toString();
    return `/ui/invocations${search ? `?${search}` : ""}`;
  },
  invocation: (id: string) => `/ui/invocations/${encodeURIComponent(id)}`,
  triggers: "/ui/triggers",
  trigger: (id: string) => `/ui/triggers/${encodeURIComponent(id)}`,
  events: "/ui/events",
  workers: "/ui/workers",
};
