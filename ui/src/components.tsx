import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";
import { duration } from "./format";
import type { FleetHours, Step } from "./types";

/** A confirmation in a native <dialog> (focus is kept inside; Escape cancels). */
export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel} onClose={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="row">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? "danger" : "primary"} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A message region screen readers announce. */
export function Notice(props: { error?: unknown; ok?: string }) {
  if (props.error) {
    const e = props.error;
    const text = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
    return (
      <p class="notice error" role="alert">
        {text}
      </p>
    );
  }
  return props.ok ? (
    <p class="notice ok" role="status">
      {props.ok}
    </p>
  ) : (
    <p class="notice empty" role="status" />
  );
}

const POWER_CLASS: Record<string, string> = {
  running: "good",
  starting: "busy",
  stopping: "busy",
  deallocating: "busy",
  deallocated: "idle",
  stopped: "idle",
};

export const Power = ({ state }: { state?: string }) => (
  <span class={`badge ${POWER_CLASS[state ?? ""] ?? "unknown"}`}>{state ?? "not deployed"}</span>
);

export const Status = ({ status }: { status: string }) => (
  <span
    class={`badge ${status === "succeeded" || status === "completed" ? "good" : status === "running" || status === "starting" ? "busy" : status === "awaiting-approval" || status === "paused" ? "warn" : status === "pending" || status === "skipped" ? "idle" : "bad"}`}
  >
    {status}
  </span>
);

/** Each step of an operation as a horizontal bar as long as it took (the downtime picture). */
export function StepBars({ steps, now }: { steps: Step[]; now: number }) {
  const spans = steps.map((s) => ({
    s,
    ms: (s.endedAt ? Date.parse(s.endedAt) : now) - Date.parse(s.startedAt),
  }));
  const max = Math.max(1, ...spans.map((x) => x.ms));
  return (
    <ol class="steps">
      {spans.map(({ s, ms }, i) => (
        <li key={`${s.name}-${i}`} class={s.endedAt ? (s.ok === false ? "bad" : "done") : "live"}>
          <span class="step-name">
            {s.endedAt ? (s.ok === false ? "✗ " : "✓ ") : "… "}
            {s.name}
          </span>
          <span class="bar" aria-hidden="true">
            <span style={{ width: `${Math.max(1, (100 * ms) / max)}%` }} />
          </span>
          <span class="step-time">{duration(ms)}</span>
          {s.detail ? <span class="step-detail">{s.detail}</span> : null}
        </li>
      ))}
    </ol>
  );
}

/** Running vs parked hours per day as stacked bars (SVG, labelled for screen readers). */
export function HoursChart({ hours }: { hours: FleetHours }) {
  const max = Math.max(1, ...hours.days.map((d) => d.runningHours + d.parkedHours));
  const w = 28;
  const h = 120;
  const money = (n: number) => n.toLocaleString(undefined, { style: "currency", currency: hours.currency });
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${hours.days.length * w} ${h + 16}`}
        role="img"
        aria-label={`Fleet hours per day over ${hours.days.length} days: ${hours.totals.runningHours} running, ${hours.totals.parkedHours} parked`}
      >
        {hours.days.map((d, i) => {
          const run = (h * d.runningHours) / max;
          const park = (h * d.parkedHours) / max;
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${d.runningHours} h running, ${d.parkedHours} h parked, ${money(d.savedCost)} saved`}</title>
              <rect class="parked" x={i * w + 4} y={h - run - park} width={w - 8} height={park} />
              <rect class="running" x={i * w + 4} y={h - run} width={w - 8} height={run} />
              <text x={i * w + w / 2} y={h + 12} text-anchor="middle">
                {d.day.slice(8)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key running">running {hours.totals.runningHours} h</span>{" "}
        <span class="key parked">parked {hours.totals.parkedHours} h</span> — parking saved{" "}
        <strong>{money(hours.totals.savedCost)}</strong> of compute (running cost{" "}
        {money(hours.totals.runningCost)})
        {hours.unpricedSizes.length > 0 ? ` · no price for ${hours.unpricedSizes.join(", ")}` : ""}
      </figcaption>
    </figure>
  );
}

/** A form field with its label (and a hint tied to it). */
export function Field(props: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
      {props.hint ? <small>{props.hint}</small> : null}
    </label>
  );
}

/** Runs an async action once at a time, keeping its error or success message. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [ok, setOk] = useState<string>();
  const run = async (fn: () => Promise<string | undefined>) => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    try {
      setOk(await fn());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, ok, run };
}
