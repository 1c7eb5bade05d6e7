import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { Confirm, Field, Notice, Power, Status, StepBars, useAction } from "../components";
import { ago, duration, href, time } from "../format";
import { useNow, usePoll } from "../hooks";
import type { Accepted, Claw, Image, Operation } from "../types";

type Action = "deploy" | "upgrade" | "park" | "wake" | "verify" | "refresh" | "destroy";
const ACTIONS: Action[] = ["deploy", "upgrade", "park", "wake", "verify", "refresh", "destroy"];
const SOURCES = ["boot", "gateway", "updates", "verify"] as const;

export function ClawPage({ name }: { name: string }) {
  const path = `/claws/${encodeURIComponent(name)}`;
  const claw = usePoll<Claw>(path, 2000);
  const ops = usePoll<{ operations: Operation[] }>(
    `/operations?claw=${encodeURIComponent(name)}&limit=20`,
    2000,
  );
  const running = ops.data?.operations.find((o) => o.status === "running");
  const live = usePoll<Operation>(
    running ? `/operations/${encodeURIComponent(running.id)}` : undefined,
    1000,
  );
  const now = useNow(1000);
  const c = claw.data;
  return (
    <section aria-labelledby="claw-title">
      <p>
        <a href="#/">← Fleet</a>
      </p>
      <h1 id="claw-title">
        {name} <Power state={c?.observed.powerState} />
      </h1>
      <Notice error={claw.error} />
      {c ? (
        <>
          <Actions claw={c} onStarted={() => (claw.refresh(), ops.refresh())} />
          {running ? (
            <section class="card live" aria-labelledby="live-title" aria-live="polite">
              <h2 id="live-title">
                {running.kind} in progress <small>{duration(now - Date.parse(running.startedAt))}</small>
              </h2>
              {live.data?.live?.customStatus?.step ? (
                <p>
                  Now: <strong>{live.data.live.customStatus.step}</strong>{" "}
                  {live.data.live.customStatus.detail ?? ""}
                </p>
              ) : null}
              <StepBars steps={(live.data ?? running).steps} now={now} />
            </section>
          ) : null}
          <div class="grid two">
            <section class="card" aria-labelledby="spec-title">
              <h2 id="spec-title">Spec</h2>
              <dl>
                <dt>Region</dt>
                <dd>{c.spec.region}</dd>
                <dt>VM size</dt>
                <dd>{c.spec.vmSize}</dd>
                <dt>Image (desired)</dt>
                <dd>{c.spec.imageVersion}</dd>
                <dt>Schedule</dt>
                <dd>{c.spec.schedule ? JSON.stringify(c.spec.schedule) : "fleet default"}</dd>
                {c.spec.defaultModel ? (
                  <>
                    <dt>Model</dt>
                    <dd>{c.spec.defaultModel}</dd>
                  </>
                ) : null}
              </dl>
            </section>
            <section class="card" aria-labelledby="observed-title">
              <h2 id="observed-title">Observed</h2>
              <dl>
                <dt>Power</dt>
                <dd>{c.observed.powerState ?? "not deployed"}</dd>
                <dt>Image</dt>
                <dd>{c.observed.imageVersion ?? "–"}</dd>
                <dt>Public IP</dt>
                <dd>{c.observed.publicIp ?? "–"}</dd>
                <dt>Host key</dt>
                <dd class="mono">{c.observed.hostKeySha256 ?? "–"}</dd>
                <dt>Last verify</dt>
                <dd>
                  {c.observed.lastVerify ? (
                    <>
                      {c.observed.lastVerify.ok ? "passed" : "failed"} {c.observed.lastVerify.total} checks,{" "}
                      {ago(c.observed.lastVerify.at, now)}
                      {c.observed.lastVerify.failed.length > 0 ? (
                        <ul class="checks">
                          {c.observed.lastVerify.failed.map((f) => (
                            <li key={f} class="bad-text">
                              ✗ {f}
                            </li>
                          ))}
                        </ul>
                      ) : null}
                    </>
                  ) : (
                    "never"
                  )}
                </dd>
              </dl>
            </section>
          </div>
          <Logs name={name} power={c.observed.powerState} />
        </>
      ) : null}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Operations</h2>
        {(ops.data?.operations ?? []).map((o) => (
          <details key={o.id} class="card op" open={o.status === "running"}>
            <summary>
              <Status status={o.status} /> <strong>{o.kind}</strong> · {time(o.startedAt)} ·{" "}
              {duration((o.endedAt ? Date.parse(o.endedAt) : now) - Date.parse(o.startedAt))} · {o.channel} (
              {o.principal})
            </summary>
            {o.error ? (
              <p class="bad-text">
                {o.error.step ? `${o.error.step}: ` : ""}
                {o.error.message} ({o.error.code})
              </p>
            ) : null}
            {o.kind === "upgrade" ? <h3 class="small">Downtime by step</h3> : null}
            <StepBars steps={o.steps} now={now} />
          </details>
        ))}
        {ops.data && ops.data.operations.length === 0 ? <p class="muted">No operations yet.</p> : null}
      </section>
    </section>
  );
}

function Actions({ claw, onStarted }: { claw: Claw; onStarted: () => void }) {
  const [pending, setPending] = useState<Action>();
  const [version, setVersion] = useState("");
  const images = usePoll<{ images: Image[] }>(pending === "upgrade" ? "/images" : undefined, 60_000);
  const act = useAction();
  const name = claw.name;
  const start = (action: Action) => {
    setPending(undefined);
    void act.run(async () => {
      const path = `/claws/${encodeURIComponent(name)}`;
      const r =
        action === "destroy"
          ? await api<Accepted>("DELETE", path)
          : await api<Accepted>(
              "POST",
              `${path}/${action}`,
              action === "upgrade" ? { toVersion: version } : undefined,
            );
      onStarted();
      return `${action} started (operation ${r.operationId})`;
    });
  };
  return (
    <div>
      <div class="row" role="group" aria-label={`Actions on ${name}`}>
        {ACTIONS.map((a) => (
          <button
            key={a}
            type="button"
            class={a === "destroy" ? "danger" : ""}
            disabled={act.busy}
            onClick={() => setPending(a)}
          >
            {a[0].toUpperCase() + a.slice(1)}
          </button>
        ))}
      </div>
      <Notice error={act.error} ok={act.ok} />
      {act.error instanceof ApiError && act.error.operationId ? (
        <p>
          Running operation: <span class="mono">{act.error.operationId}</span>
        </p>
      ) : null}
      {pending ? (
        <Confirm
          title={`${pending} ${name}?`}
          confirmLabel={pending[0].toUpperCase() + pending.slice(1)}
          danger={pending === "destroy" || pending === "park"}
          onConfirm={() => start(pending)}
          onCancel={() => setPending(undefined)}
        >
          {pending === "upgrade" ? (
            <Field label="To image version" hint="a gallery version, like 1.1.0">
              <input
                list="image-versions"
                value={version}
                onInput={(e) => setVersion(e.currentTarget.value)}
              />
              <datalist id="image-versions">
                {(images.data?.images ?? []).map((i) => (
                  <option key={i.version} value={i.version} />
                ))}
              </datalist>
            </Field>
          ) : pending === "destroy" ? (
            <p>Deletes the VM, NIC and IP. The data disk stays.</p>
          ) : pending === "park" ? (
            <p>Deallocates the VM; the agent stops until the claw is woken.</p>
          ) : (
            <p>Starts the {pending} saga.</p>
          )}
        </Confirm>
      ) : null}
    </div>
  );
}

function Logs({ name, power }: { name: string; power?: string }) {
  const [source, setSource] = useState<(typeof SOURCES)[number]>("boot");
  const [lines, setLines] = useState(200);
  const [text, setText] = useState<string[]>();
  const act = useAction();
  const read = (e: Event) => {
    e.preventDefault();
    void act.run(async () => {
      const r = await api<{ lines: string[]; readAt: string }>(
        "GET",
        `/claws/${encodeURIComponent(name)}/logs?source=${source}&lines=${lines}`,
      );
      setText(r.lines);
      return `${r.lines.length} lines read at ${time(r.readAt)}`;
    });
  };
  return (
    <section class="card" aria-labelledby="logs-title">
      <h2 id="logs-title">Logs</h2>
      <form class="row" onSubmit={read}>
        <Field label="Source">
          <select
            value={source}
            onChange={(e) => setSource(e.currentTarget.value as (typeof SOURCES)[number])}
          >
            {SOURCES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field label="Lines">
          <input
            type="number"
            min={1}
            max={2000}
            value={lines}
            onInput={(e) => setLines(Number(e.currentTarget.value))}
          />
        </Field>
        <button type="submit" disabled={act.busy}>
          Read logs
        </button>
      </form>
      {power && power !== "running" ? (
        <p class="muted">The claw is {power}: wake it to read its logs.</p>
      ) : null}
      <Notice error={act.error} ok={act.ok} />
      {text ? (
        <pre class="logs" tabIndex={0} aria-label={`${source} log`}>
          {text.join("\n")}
        </pre>
      ) : null}
      <p>
        <a href={href("claws", name)}>Permalink</a>
      </p>
    </section>
  );
}
