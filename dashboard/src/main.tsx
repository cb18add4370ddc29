import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadConfig, signIn, type UiConfig } from "./api.js";
import { Link } from "./components/link.js";
import { Events } from "./pages/events.js";
import { InvocationPage } from "./pages/invocation.js";
import { Invocations } from "./pages/invocations.js";
import { Overview } from "./pages/overview.js";
import { SignIn } from "./pages/sign-in.js";
import { TriggerPage } from "./pages/trigger.js";
import { Triggers } from "./pages/triggers.js";
import { Workers } from "./pages/workers.js";
import { paths, type Route, routeOf, useLocation } from "./router.js";
import "./style.css";

const NAV: Array<[string, string, Route["page"][]]> = [
  ["Overview", paths.overview, ["overview"]],
  ["Invocations", paths.invocations(), ["invocations", "invocation"]],
  ["Triggers", paths.triggers, ["triggers", "trigger"]],
  ["Events", paths.events, ["events"]],
  ["Workers", paths.workers, ["workers"]],
];

function Page(props: { route: Route; query: URLSearchParams; config: UiConfig }) {
  const { route, query, config } = props;
  switch (route.page) {
    case "overview":
      return <Overview />;
    case "invocations":
      return <Invocations query={query} />;
    case "invocation":
      return <InvocationPage id={route.id} />;
    case "triggers":
      return <Triggers />;
    case "trigger":
      return <TriggerPage id={route.id} readOnly={config.readOnly} />;
    case "events":
      return <Events readOnly={config.readOnly} />;
    case "workers":
      return <Workers />;
    default:
      return <p>No page at {route.path}.</p>;
  }
}

/** The dashboard: a header with the sections, and the page the address names. */
function App() {
  const { path, query } = useLocation();
  const [config, setConfig] = useState<UiConfig>();
  const [signedIn, setSignedIn] = useState(signIn.token() !== null);
  useEffect(() => {
    void loadConfig().then(setConfig);
  }, []);
  const route = routeOf(path);
  const signOut = () => {
    signIn.clear();
    setSignedIn(false);
  };
  const needsToken = config?.auth === true && !signedIn;
  return (
    <>
      <header>
        <span class="brand">nenc</span>
        <nav>
          {NAV.map(([label, href, pages]) => (
            <span key={href} class={pages.includes(route.page) ? "current" : ""}>
              <Link href={href}>{label}</Link>
            </span>
          ))}
        </nav>
        {config?.readOnly ? (
          <span class="badge" data-testid="read-only">
            read-only
          </span>
        ) : null}
        {config?.auth && signedIn ? (
          <button type="button" class="sign-out" onClick={signOut} data-testid="sign-out">
            Sign out
          </button>
        ) : null}
      </header>
      <main>
        {needsToken ? <SignIn onSignedIn={() => setSignedIn(true)} /> : null}
        {config && !needsToken ? <Page route={route} query={query} config={config} /> : null}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
