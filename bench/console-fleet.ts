/**
 * The console's fleet page with 300 claws on the twin, in Debian's chromium: time to first render
 * (navigation start → all 300 rows in the DOM), cold (fresh profile) and warm (reload, assets
 * cached), time from a change in the Claws table to the page showing it (the first live update,
 * bounded by the 2 s ETag poll), and the bytes shipped (compressed, from Resource Timing).
 * Aims: first render ≤ 1 s, ≤ 150 KB compressed. Rows are written through core/state (power,
 * image, a verify, every 15th claw in a running operation) rather than deployed: the page reads
 * tables, not VMs.
 */
import os from "node:os";
import { createStateStore } from "../core/state";
import { hasChromium, launchChromium } from "../local/chromium";
import { startTwinHarness } from "../local/twin-harness";
import { percentile, recordResult } from "./record";

const CLAWS = 300;
const RUNS = 5;

async function main(): Promise<void> {
  if (!hasChromium()) throw new Error("console-fleet needs chromium (apt-get install chromium)");
  const t = await startTwinHarness();
  const browser = await launchChromium();
  try {
    const state = createStateStore(t.azurite.connectionString);
    const names = Array.from({ length: CLAWS }, (_, i) => `claw${String(i + 1).padStart(3, "0")}`);
    const at = new Date().toISOString();
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map(async (name, k) => {
          const n = i + k;
          await state.claws.create({
            name,
            region: "westus",
            vmSize: "Standard_D2s_v5",
            imageVersion: "1.0.0",
            tags: {},
          });
          await state.claws.updateObserved(name, {
            powerState: n % 3 === 0 ? "deallocated" : "running",
            imageVersion: n % 4 === 0 ? "1.1.0" : "1.0.0",
            publicIp: `20.0.${Math.floor(n / 250)}.${n % 250}`,
            lastVerify: { at, ok: n % 10 !== 0, total: 22, failed: n % 10 === 0 ? ["telegram-channel"] : [] },
          });
          if (n % 15 === 0) {
            const op = await state.operations.start({
              kind: "upgrade",
              claw: name,
              channel: "http",
              principal: "bench",
            });
            await state.operations.startStep(op.id, "snapshot-disk");
          }
        }),
      );
    }
    const base = `${t.url}/api/console/`;
    const page = await browser.context.newPage();
    await page.addInitScript(`sessionStorage.setItem("openclawps.key", ${JSON.stringify(t.apiKey)})`);
    // Functions, not strings: the console's CSP forbids evaluating strings in the page.
    type Doc = {
      document: {
        querySelectorAll(s: string): { length: number };
        querySelector(s: string): { textContent: string | null } | null;
      };
    };
    const allRows = (n: number) =>
      (globalThis as unknown as Doc).document.querySelectorAll("tr[data-claw]").length === n;
    const shows = ([name, state]: [string, string]) =>
      (globalThis as unknown as Doc).document.querySelector(`tr[data-claw="${name}"] .badge`)?.textContent ===
      state;
    const measure = async (reload: boolean) => {
      if (reload) await page.reload({ waitUntil: "commit" });
      else await page.goto(base, { waitUntil: "commit" });
      await page.waitForFunction(allRows, CLAWS, { polling: "raf", timeout: 30_000 });
      return (await page.evaluate(`(() => {
        const renderMs = performance.now();
        const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
        return {
          renderMs,
          transferBytes: entries.reduce((s, e) => s + e.transferSize, 0),
          encodedBytes: entries.reduce((s, e) => s + e.encodedBodySize, 0),
          decodedBytes: entries.reduce((s, e) => s + e.decodedBodySize, 0),
          fleetResponseEndMs: (entries.find((e) => e.name.includes("/api/v1/fleet")) || {}).responseEnd,
          scriptResponseEndMs: (entries.find((e) => e.name.endsWith(".js")) || {}).responseEnd,
          fleetStartMs: (entries.find((e) => e.name.includes("/api/v1/fleet")) || {}).startTime,
          requests: entries.map((e) => e.name.replace(location.origin, "") + " " + e.encodedBodySize + "/" + e.decodedBodySize),
        };
      })()`)) as {
        renderMs: number;
        transferBytes: number;
        encodedBytes: number;
        decodedBytes: number;
        requests: string[];
        fleetResponseEndMs: number;
        scriptResponseEndMs: number;
        fleetStartMs: number;
      };
    };
    const cold = await measure(false);
    console.log(
      `  cold: script loaded at ${Math.round(cold.scriptResponseEndMs)} ms, fleet read ${Math.round(cold.fleetStartMs)}–${Math.round(cold.fleetResponseEndMs)} ms, rows at ${Math.round(cold.renderMs)} ms`,
    );
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push((await measure(true)).renderMs);

    // First live update: change a row in the table; time until the page shows it.
    const live: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = names[30 + i * 7];
      const target = i % 2 === 0 ? "stopped" : "starting";
      const t0 = performance.now();
      await state.claws.updateObserved(name, { powerState: target });
      await page.waitForFunction(shows, [name, target] as [string, string], {
        polling: "raf",
        timeout: 30_000,
      });
      live.push(performance.now() - t0);
    }
    // What an unchanged poll costs: the 304's headers only.
    const fleetRes = await fetch(`${t.url}/api/v1/fleet`, {
      headers: { "x-functions-key": t.apiKey, "accept-encoding": "identity" },
    });
    const fleetRaw = (await fleetRes.arrayBuffer()).byteLength;
    const fleetGz = await fetch(`${t.url}/api/v1/fleet`, {
      headers: { "x-functions-key": t.apiKey, "accept-encoding": "gzip" },
    });
    const etag = fleetGz.headers.get("etag") ?? "";
    const notModified = await fetch(`${t.url}/api/v1/fleet`, {
      headers: { "x-functions-key": t.apiKey, "if-none-match": etag },
    });

    // Where first render's time goes: the fleet read alone, as the page makes it.
    const apiMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await fetch(`${t.url}/api/v1/fleet`, {
        headers: { "x-functions-key": t.apiKey, "accept-encoding": "gzip" },
      });
      await r.arrayBuffer();
      apiMs.push(performance.now() - t0);
    }
    const result = {
      claws: CLAWS,
      loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
      firstRenderColdMs: Math.round(cold.renderMs),
      coldBreakdownMs: {
        scriptLoaded: Math.round(cold.scriptResponseEndMs),
        fleetReadStart: Math.round(cold.fleetStartMs),
        fleetReadEnd: Math.round(cold.fleetResponseEndMs),
        rowsRendered: Math.round(cold.renderMs),
      },
      firstRenderWarmMedianMs: Math.round(percentile(warm, 50)),
      firstRenderWarmMaxMs: Math.round(Math.max(...warm)),
      fleetReadMedianMs: Math.round(percentile(apiMs, 50)),
      firstLiveUpdateMedianMs: Math.round(percentile(live, 50)),
      firstLiveUpdateMaxMs: Math.round(Math.max(...live)),
      pollIntervalMs: 2000,
      shippedCompressedBytes: cold.encodedBytes,
      shippedTransferBytes: cold.transferBytes,
      shippedDecodedBytes: cold.decodedBytes,
      fleetJsonBytes: fleetRaw,
      unchangedPollStatus: notModified.status,
      requests: cold.requests,
      aims: { firstRenderMs: 1000, compressedBytes: 150 * 1024 },
    };
    console.log(
      `console-fleet: ${CLAWS} claws (load average ${result.loadAverage1m} on ${os.cpus().length} CPUs)`,
    );
    console.log(
      `  first render: cold ${result.firstRenderColdMs} ms, warm median ${result.firstRenderWarmMedianMs} ms (max ${result.firstRenderWarmMaxMs}) — aim ≤ 1000 ms`,
    );
    console.log(
      `  first live update after a table change: median ${result.firstLiveUpdateMedianMs} ms, max ${result.firstLiveUpdateMaxMs} ms (poll every ${result.pollIntervalMs} ms)`,
    );
    console.log(
      `  shipped: ${(cold.encodedBytes / 1024).toFixed(1)} KB compressed (${(cold.decodedBytes / 1024).toFixed(1)} KB decoded) — aim ≤ 150 KB; /api/v1/fleet ${(fleetRaw / 1024).toFixed(1)} KB raw; unchanged poll answers ${notModified.status}`,
    );
    for (const r of cold.requests) console.log(`    ${r}`);
    recordResult("console-fleet", result);
  } finally {
    await browser.close();
    await t.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
