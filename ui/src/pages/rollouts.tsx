import { useState } from "preact/hooks";
import { api } from "../api";
import { Confirm, Field, Notice, Status, useAction } from "../components";
import { duration, href, time } from "../format";
import { useNow, usePoll } from "../hooks";
import type { Rollout } from "../types";

const CONTROLS = ["approve", "reject", "pause", "resume", "cancel"] as const;
type Control = (typeof CONTROLS)[number];

/** Which controls make sense in a status (the API refuses the others with its own message). */
const ALLOWED: Record<string, Control[]> = {
  starting: ["pause", "cancel"],
  running: ["pause", "cancel"],
  "awaiting-approval": ["approve", "reject", "cancel"],
  paused: ["resume", "cancel"],
};

export function RolloutsPage() {
  const list = usePoll<{ rollouts: Rollout[] }>("/rollouts", 3000);
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts</h1>
      <CreateRollout onCreated={list.refresh} />
      <Notice error={list.error} />
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Rollout</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Phase</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.rollouts ?? []).map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  <a href={href("rollouts", r.id)}>{r.id}</a>
                </th>
                <td>{r.version}</td>
                <td>
                  <Status status={r.status} />
                </td>
                <td>{r.phase ?? r.reason ?? "–"}</td>
                <td>{time(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CreateRollout({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState({
    version: "",
    canary: "1",
    batchSize: "",
    soakMinutes: "10",
    maxUnhealthy: "0",
    approval: true,
  });
  const act = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void act.run(async () => {
      const body: Record<string, unknown> = {
        version: form.version,
        canary: Number(form.canary),
        soakMinutes: Number(form.soakMinutes),
        maxUnhealthy: Number(form.maxUnhealthy),
        approval: form.approval,
      };
      if (form.batchSize) body.batchSize = Number(form.batchSize);
      const r = await api<{ rolloutId: string }>("POST", "/rollouts", body);
      onCreated();
      location.hash = href("rollouts", r.rolloutId);
      return `rollout ${r.rolloutId} started`;
    });
  };
  const set = (k: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  return (
    <details class="card">
      <summary>New rollout…</summary>
      <form onSubmit={submit}>
        <div class="grid">
          <Field label="Image version">
            <input name="version" required value={form.version} onInput={set("version")} />
          </Field>
          <Field label="Canary claws" hint="a count">
            <input name="canary" type="number" min={0} value={form.canary} onInput={set("canary")} />
          </Field>
          <Field label="Batch size" hint="empty: the policy's">
            <input name="batchSize" type="number" min={1} value={form.batchSize} onInput={set("batchSize")} />
          </Field>
          <Field label="Soak (minutes)">
            <input
              name="soakMinutes"
              type="number"
              min={0}
              value={form.soakMinutes}
              onInput={set("soakMinutes")}
            />
          </Field>
          <Field label="Halt after failures">
            <input
              name="maxUnhealthy"
              type="number"
              min={0}
              value={form.maxUnhealthy}
              onInput={set("maxUnhealthy")}
            />
          </Field>
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={form.approval}
            onChange={() => setForm({ ...form, approval: !form.approval })}
          />{" "}
          Wait for approval after the canary
        </label>
        <Notice error={act.error} ok={act.ok} />
        <button type="submit" class="primary" disabled={act.busy}>
          Start rollout
        </button>
      </form>
    </details>
  );
}

function soakLeft(phase: string | undefined, now: number): string | undefined {
  const m = /until (\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(phase ?? "");
  if (!m) return undefined;
  return duration(Math.max(0, Date.parse(m[1]) - now));
}

export function RolloutPage({ id }: { id: string }) {
  const r = usePoll<Rollout>(`/rollouts/${encodeURIComponent(id)}`, 1500);
  const now = useNow(1000);
  const [pending, setPending] = useState<Control>();
  const act = useAction();
  const control = (c: Control) => {
    setPending(undefined);
    void act.run(async () => {
      await api("POST", `/rollouts/${encodeURIComponent(id)}/${c}`);
      r.refresh();
      return `${c} sent`;
    });
  };
  const ro = r.data;
  const soak = soakLeft(ro?.phase, now);
  const byPhase = new Map<string, NonNullable<Rollout["claws"]>>();
  for (const c of ro?.claws ?? []) byPhase.set(c.phase, [...(byPhase.get(c.phase) ?? []), c]);
  return (
    <section aria-labelledby="rollout-title">
      <p>
        <a href="#/rollouts">← Rollouts</a>
      </p>
      <h1 id="rollout-title">
        Rollout to {ro?.version ?? "…"} {ro ? <Status status={ro.status} /> : null}
      </h1>
      <Notice error={r.error ?? act.error} ok={act.ok} />
      {ro ? (
        <>
          <p aria-live="polite">
            {ro.phase ?? ro.reason ?? ""}
            {soak ? ` · soak ends in ${soak}` : ""}
          </p>
          <div class="row" role="group" aria-label="Rollout controls">
            {CONTROLS.map((c) => (
              <button
                key={c}
                type="button"
                class={c === "approve" ? "primary" : c === "reject" || c === "cancel" ? "danger" : ""}
                disabled={act.busy || !(ALLOWED[ro.status] ?? []).includes(c)}
                onClick={() => setPending(c)}
              >
                {c[0].toUpperCase() + c.slice(1)}
              </button>
            ))}
          </div>
          {pending ? (
            <Confirm
              title={`${pending} this rollout?`}
              confirmLabel={pending[0].toUpperCase() + pending.slice(1)}
              danger={pending !== "approve" && pending !== "resume"}
              onConfirm={() => control(pending)}
              onCancel={() => setPending(undefined)}
            >
              <p>
                Rollout {ro.id} to {ro.version}, now {ro.status}.
              </p>
            </Confirm>
          ) : null}
          {[...byPhase.entries()].map(([phase, claws]) => (
            <section key={phase} class="card" aria-label={phase}>
              <h2>
                {phase}{" "}
                <small>
                  {claws.filter((c) => c.status === "succeeded").length}/{claws.length} done
                </small>
              </h2>
              <ul class="progress">
                {claws.map((c) => (
                  <li key={c.claw}>
                    <a href={href("claws", c.claw)}>{c.claw}</a> <Status status={c.status} />{" "}
                    {c.detail ? <small>{c.detail}</small> : null}
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {ro.plan?.excluded.length ? (
            <p class="muted">Excluded: {ro.plan.excluded.map((e) => `${e.claw} (${e.reason})`).join(", ")}</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
