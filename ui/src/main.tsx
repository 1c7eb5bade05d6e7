import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, clearKey, getKey, prefetch, setKey, whenUnauthorized } from "./api";
import { Field, Notice } from "./components";
import { useRoute } from "./hooks";
import { AuditPage } from "./pages/audit";
import { ClawPage } from "./pages/claw";
import { FleetPage } from "./pages/fleet";
import { ImagesPage } from "./pages/images";
import { RolloutPage, RolloutsPage } from "./pages/rollouts";
import "./style.css";

const NAV = [
  ["", "Fleet"],
  ["rollouts", "Rollouts"],
  ["images", "Images"],
  ["audit", "Audit"],
] as const;

function Login({ onKey, error }: { onKey: () => void; error?: unknown }) {
  const [key, setValue] = useState("");
  const [problem, setProblem] = useState<unknown>(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setKey(key.trim());
    try {
      await api("GET", "/health");
      onKey();
    } catch (err) {
      clearKey();
      setProblem(err);
    }
  };
  return (
    <main id="main" class="login">
      <h1>OpenClawps console</h1>
      <form class="card" onSubmit={(e) => void submit(e)}>
        <Field
          label="API key"
          hint="the function key (on the twin: the dev host's API key, printed by npm start). Kept for this browser session only."
        >
          <input
            type="password"
            name="key"
            required
            autoComplete="off"
            value={key}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </Field>
        <Notice error={problem} />
        <button type="submit" class="primary">
          Open the console
        </button>
      </form>
    </main>
  );
}

function App() {
  const [hasKey, setHasKey] = useState(Boolean(getKey()));
  const route = useRoute();
  useEffect(() => whenUnauthorized(() => (clearKey(), setHasKey(false))), []);
  if (!hasKey) return <Login onKey={() => setHasKey(true)} />;
  const [page, id] = route;
  let body;
  if (page === "claws" && id) body = <ClawPage key={id} name={id} />;
  else if (page === "rollouts" && id) body = <RolloutPage key={id} id={id} />;
  else if (page === "rollouts") body = <RolloutsPage />;
  else if (page === "images") body = <ImagesPage />;
  else if (page === "audit") body = <AuditPage />;
  else body = <FleetPage />;
  const current = page === "claws" ? "" : (page ?? "");
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}
      >
        Skip to content
      </a>
      <header>
        <strong class="brand">OpenClawps</strong>
        <nav aria-label="Pages">
          {NAV.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={current === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="link" onClick={() => (clearKey(), setHasKey(false))}>
          Forget key
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}

// The fleet page's read starts now, beside the first render, not after it.
if (!location.hash.replace(/^#\/?/, "")) prefetch("/fleet");
const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
