import { useMemo, useState } from "preact/hooks";
import { api } from "../api";
import { Confirm, Field, HoursChart, Notice, Power, useAction } from "../components";
import { ago, duration, href, until } from "../format";
import { useNow, usePoll } from "../hooks";
import type { Accepted, Claw, FleetHours, FleetRow } from "../types";

type SortKey = "name" | "power" | "image" | "health" | "next";
const BULK = ["park", "wake", "verify"] as const;

function health(c: FleetRow): string {
  const v = c.observed.lastVerify;
  if (!v) return "unknown";
  return v.ok ? "healthy" : `failing: ${v.failed.join(", ")}`;
}

function sortValue(c: FleetRow, key: SortKey): string {
  switch (key) {
    case "power":
      return c.observed.powerState ?? "";
    case "image":
      return c.observed.imageVersion ?? c.spec.imageVersion;
    case "health":
      return health(c);
    case "next":
      return c.next?.at ?? "~";
    default:
      return c.name;
  }
}

function scheduleText(c: FleetRow): string {
  const s = c.schedule;
  if (s.mode !== "scheduled") return "always on";
  return `${s.wakeAt}–${s.parkAt} ${s.timeZone} (${(s.days ?? []).join(" ")})`;
}

export function FleetPage() {
  const fleet = usePoll<{ claws: FleetRow[] }>("/fleet", 2000);
  const hours = usePoll<FleetHours>("/stats/fleet-hours?days=14", 30_000);
  const now = useNow(1000);
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "name", desc: false });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<(typeof BULK)[number]>();
  const bulk = useAction();

  const rows = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = (fleet.data?.claws ?? []).filter(
      (c) =>
        !q ||
        [
          c.name,
          c.observed.powerState,
          c.observed.imageVersion,
          c.spec.region,
          c.spec.vmSize,
          health(c),
          c.operation?.kind,
        ]
          .filter(Boolean)
          .some((v) => String(v).toLowerCase().includes(q)),
    );
    list.sort((a, b) => sortValue(a, sort.key).localeCompare(sortValue(b, sort.key)) * (sort.desc ? -1 : 1));
    return list;
  }, [fleet.data, filter, sort]);

  const toggle = (name: string) => {
    const next = new Set(selected);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setSelected(next);
  };
  const allShown = rows.length > 0 && rows.every((r) => selected.has(r.name));
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}>
      <button
        type="button"
        class="sort"
        onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : false })}
      >
        {label}
        {sort.key === key ? (sort.desc ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );

  const runBulk = (action: (typeof BULK)[number]) => {
    setConfirm(undefined);
    const names = [...selected];
    void bulk.run(async () => {
      const results = await Promise.allSettled(
        names.map((n) => api<Accepted>("POST", `/claws/${encodeURIComponent(n)}/${action}`)),
      );
      const failed = results
        .map((r, i) => (r.status === "rejected" ? `${names[i]}: ${(r.reason as Error).message}` : undefined))
        .filter(Boolean);
      fleet.refresh();
      if (failed.length > 0)
        throw new Error(
          `${action} started on ${names.length - failed.length} of ${names.length}; ${failed.join("; ")}`,
        );
      setSelected(new Set());
      return `${action} started on ${names.length} claw${names.length === 1 ? "" : "s"}`;
    });
  };

  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      {hours.data ? <HoursChart hours={hours.data} /> : null}
      <CreateClaw onCreated={fleet.refresh} />
      <div class="toolbar">
        <Field label="Filter">
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            placeholder="name, state, version…"
          />
        </Field>
        <div class="row" role="group" aria-label="Actions on the selected claws">
          {BULK.map((a) => (
            <button
              key={a}
              type="button"
              disabled={selected.size === 0 || bulk.busy}
              onClick={() => setConfirm(a)}
            >
              {a[0].toUpperCase() + a.slice(1)} selected ({selected.size})
            </button>
          ))}
        </div>
      </div>
      <Notice error={bulk.error ?? fleet.error} ok={bulk.ok} />
      {confirm ? (
        <Confirm
          title={`${confirm} ${selected.size} claw${selected.size === 1 ? "" : "s"}?`}
          confirmLabel={`${confirm[0].toUpperCase() + confirm.slice(1)} ${selected.size}`}
          danger={confirm === "park"}
          onConfirm={() => runBulk(confirm)}
          onCancel={() => setConfirm(undefined)}
        >
          <p>{[...selected].sort().join(", ")}</p>
        </Confirm>
      ) : null}
      <p class="count" data-version={fleet.version} id="fleet-count">
        {fleet.data ? `${rows.length} of ${fleet.data.claws.length} claws` : "loading…"}
      </p>
      <div class="scroll">
        <table class="fleet">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select every claw shown"
                  checked={allShown}
                  onChange={() => setSelected(allShown ? new Set() : new Set(rows.map((r) => r.name)))}
                />
              </th>
              {header("name", "Claw")}
              {header("power", "Power")}
              {header("image", "Image")}
              {header("health", "Health")}
              <th scope="col">Schedule</th>
              {header("next", "Next")}
              <th scope="col">Operation</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.name} data-claw={c.name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.name}`}
                    checked={selected.has(c.name)}
                    onChange={() => toggle(c.name)}
                  />
                </td>
                <th scope="row">
                  <a href={href("claws", c.name)}>{c.name}</a>
                </th>
                <td>
                  <Power state={c.observed.powerState} />
                </td>
                <td>
                  {c.observed.imageVersion ?? <span class="muted">{c.spec.imageVersion} (desired)</span>}
                </td>
                <td
                  class={
                    c.observed.lastVerify ? (c.observed.lastVerify.ok ? "good-text" : "bad-text") : "muted"
                  }
                >
                  {health(c)}
                  {c.observed.lastVerify ? <small> · {ago(c.observed.lastVerify.at, now)}</small> : null}
                </td>
                <td>
                  {scheduleText(c)}
                  {c.pinnedUntil ? <small> · pinned {until(c.pinnedUntil, now)}</small> : null}
                </td>
                <td>{c.next ? `${c.next.action} ${until(c.next.at, now)}` : "–"}</td>
                <td class="op">
                  {c.operation ? (
                    <a href={href("claws", c.name)}>
                      {c.operation.kind}: {c.operation.step ?? "starting"}{" "}
                      <small>
                        {duration(now - Date.parse(c.operation.stepStartedAt ?? c.operation.startedAt))}
                      </small>
                      {c.operation.deferredBySeconds ? (
                        <small>
                          {" "}
                          · agent busy, deferred {duration(c.operation.deferredBySeconds * 1000)}
                        </small>
                      ) : null}
                    </a>
                  ) : (
                    <span class="muted">idle</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Create a claw (and optionally deploy it at once); the API's refusal is shown as it is. */
function CreateClaw({ onCreated }: { onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  const [spec, setSpec] = useState({
    name: "",
    region: "westus",
    vmSize: "Standard_D2s_v5",
    imageVersion: "1.0.0",
  });
  const [deploy, setDeploy] = useState(true);
  // Kept apart from the spec: it goes to the write-only secrets route, never into the claw's row.
  const [botToken, setBotToken] = useState("");
  const act = useAction();
  const set = (k: keyof typeof spec) => (e: { currentTarget: HTMLInputElement }) =>
    setSpec({ ...spec, [k]: e.currentTarget.value });
  const submit = (e: Event) => {
    e.preventDefault();
    void act.run(async () => {
      const claw = await api<Claw>("POST", "/claws", spec);
      onCreated();
      if (botToken) {
        await api("PUT", `/claws/${encodeURIComponent(claw.name)}/secrets/TELEGRAM_BOT_TOKEN`, {
          value: botToken.trim(),
        });
        setBotToken("");
      }
      if (!deploy) return `created ${claw.name}`;
      const op = await api<Accepted>("POST", `/claws/${encodeURIComponent(claw.name)}/deploy`);
      location.hash = href("claws", claw.name);
      return `deploying ${claw.name} (operation ${op.operationId})`;
    });
  };
  if (!open)
    return (
      <p>
        <button type="button" class="primary" onClick={() => setOpen(true)}>
          New claw…
        </button>
      </p>
    );
  return (
    <form class="card" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New claw</h2>
      <div class="grid">
        <Field label="Name" hint="lower-case letters, digits and hyphens">
          <input name="name" required value={spec.name} onInput={set("name")} autoComplete="off" />
        </Field>
        <Field label="Region">
          <input name="region" value={spec.region} onInput={set("region")} />
        </Field>
        <Field label="VM size">
          <input name="vmSize" value={spec.vmSize} onInput={set("vmSize")} />
        </Field>
        <Field label="Image version">
          <input name="imageVersion" value={spec.imageVersion} onInput={set("imageVersion")} />
        </Field>
        <Field label="Telegram bot token" hint="the claw's own bot, from @BotFather (needed to deploy)">
          <input
            name="botToken"
            type="password"
            required={deploy}
            value={botToken}
            onInput={(e) => setBotToken(e.currentTarget.value)}
            autoComplete="off"
          />
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={deploy} onChange={() => setDeploy(!deploy)} /> Deploy it now
      </label>
      <Notice error={act.error} ok={act.ok} />
      <div class="row">
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
        <button type="submit" class="primary" disabled={act.busy}>
          {deploy ? "Create and deploy" : "Create"}
        </button>
      </div>
    </form>
  );
}
