import { useEffect, useRef, useState } from "preact/hooks";
import { poll, type ApiError } from "./api";

export interface Polled<T> {
  data?: T;
  error?: ApiError;
  /** Bumps on every changed answer (the live-update counter the page and the benchmark watch). */
  version: number;
  refresh: () => void;
}

/**
 * Polls GET /api/v1{path} every `everyMs` with If-None-Match (paused while the tab is hidden);
 * `path` undefined polls nothing.
 */
export function usePoll<T>(path: string | undefined, everyMs = 2000): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; version: number }>({ version: 0 });
  const tick = useRef<() => void>(() => undefined);
  useEffect(() => {
    if (!path) return;
    let stopped = false;
    // A new mount needs the data even when the answer is a 304 for an earlier mount's ETag.
    let first = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      clearTimeout(timer);
      if (!document.hidden) {
        try {
          const r = await poll<T>(path);
          if (!stopped && (r.changed || first)) setState((s) => ({ data: r.body, version: s.version + 1 }));
          first = false;
        } catch (e) {
          if (!stopped) setState((s) => ({ ...s, error: e as ApiError }));
        }
      }
      if (!stopped) timer = setTimeout(run, everyMs);
    };
    tick.current = () => void run();
    void run();
    const onVisible = () => !document.hidden && void run();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [path, everyMs]);
  return { ...state, refresh: () => tick.current() };
}

/** The current hash route ("#/claws/alice" → ["claws", "alice"]). */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** Re-renders every `ms` (elapsed times, soak timers). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
