import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../../local/azure/store";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "emu-store-"));
  dirs.push(d);
  return d;
}
const disk = (n: number) => ({
  id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d${n}`,
  type: "Microsoft.Compute/disks",
  body: { id: `d${n}`, name: `d${n}`, type: "Microsoft.Compute/disks", properties: {} },
  meta: {},
});

describe("emulator store", () => {
  it("without --persist writes nothing", () => {
    const dir = tempDir();
    const store = new Store(dir, { persist: false });
    store.put(disk(1));
    store.close();
    expect(fs.existsSync(path.join(dir, "state.json"))).toBe(false);
  });

  it("with --persist coalesces changes into one write, flushed at close, read back on start", async () => {
    const dir = tempDir();
    const file = path.join(dir, "state.json");
    const store = new Store(dir, { persist: true, saveDelayMs: 50 });
    for (let i = 0; i < 100; i++) store.put(disk(i));
    expect(fs.existsSync(file)).toBe(false); // not once per change
    await new Promise((r) => setTimeout(r, 150));
    expect(JSON.parse(fs.readFileSync(file, "utf8")).resources).toHaveLength(100);

    store.delete(disk(0).id);
    store.close(); // the waiting change is written at close
    const again = new Store(dir, { persist: true });
    expect(again.list("Microsoft.Compute/disks")).toHaveLength(99);
    again.close();
  });

  it("after close nothing is written (an operation that ends after close must not touch a removed dir)", async () => {
    const dir = tempDir();
    const store = new Store(dir, { persist: true, saveDelayMs: 10 });
    store.put(disk(1));
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    store.put(disk(2)); // e.g. an operation timer completing after the emulator closed
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(dir)).toBe(false);
  });
});
