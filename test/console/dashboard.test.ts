/**
 * The console in a real browser (Debian's chromium) against the whole twin: log in with the API
 * key, a bad create shows the API's message, create and deploy a claw and watch its steps appear
 * live, park it, start a rollout and approve its canary. Screenshots of the main pages (desktop
 * and phone width) are kept in test-artifacts/console/. Needs `npm run build` (npm test does it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startTwinHarness, telegramTokenFor, type TwinHarness } from "../../local/twin-harness";
import { CONSOLE_CSP } from "../../functions/http/console";
import { createStateStore } from "../../core/state";
import { hasChromium, launchChromium, screenshotPath, type Browser } from "../../local/chromium";

describe.skipIf(!hasChromium())("console in chromium", () => {
  let t: TwinHarness;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTwinHarness({ emulator: { latency: { profile: "azure", speed: 60, seed: 7 } } }),
      launchChromium(),
    ]);
    // The versions the bake webhook would have registered (the twin's gallery has both).
    const state = createStateStore(t.azurite.connectionString);
    for (const version of ["1.0.0", "1.1.0"]) {
      await state.images.upsert({ version, state: "Succeeded", regions: ["westus"] });
    }
    page = await browser.context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
  }, 120_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail" || !page) return;
    const name = `failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`;
    await page.screenshot({ path: screenshotPath(name), fullPage: true }).catch(() => undefined);
    console.log(
      `page at failure (${page.url()}):\n${(
        await page
          .locator("body")
          .innerText()
          .catch(() => "")
      ).slice(0, 3000)}`,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("console: the page is served with a strict CSP, hashed assets cacheable, compressed", async () => {
    const res = await fetch(`${t.url}/api/console/`, { headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    const js = /src="(app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const asset = await fetch(`${t.url}/api/console/${js}`, { headers: { "accept-encoding": "br" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(asset.headers.get("content-encoding")).toBe("br");
    const again = await fetch(`${t.url}/api/console/${js}`, {
      headers: { "if-none-match": asset.headers.get("etag")! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${t.url}/api/console/..%2Fhost.json`)).status).toBe(404);
    // The data stays behind the key.
    expect((await fetch(`${t.url}/api/v1/fleet`)).status).toBe(401);
  });

  it("console: a wrong key is refused, the right one opens the fleet", async () => {
    await page.goto(`${t.url}/api/console/`);
    await page.getByLabel("API key").fill("not-the-key");
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/key/i);
    await page.getByLabel("API key").fill(t.apiKey);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.getByRole("heading", { name: "Fleet" }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('openclawps.key')")).toBe(t.apiKey);
  });

  it("console: a bad claw name shows the API's message", async () => {
    await page.getByRole("button", { name: "New claw…" }).click();
    await page.getByLabel("Name").fill("Bad_Name");
    // The token is required to deploy: without it the browser would not even send the form.
    await page.getByLabel("Telegram bot token").fill(telegramTokenFor("bad"));
    await page.getByRole("button", { name: "Create and deploy" }).click();
    const alert = page.locator("form .notice.error");
    await alert.waitFor();
    const text = (await alert.textContent()) ?? "";
    const direct = await t.api<{ error: { message: string } }>("POST", "/v1/claws", {
      name: "Bad_Name",
      region: "westus",
      vmSize: "Standard_D2s_v5",
      imageVersion: "1.0.0",
    });
    expect(direct.status).toBe(400);
    expect(text).toContain(direct.body.error.message);
  });

  it("console: deploy from the dashboard shows the saga's steps live, then park", async () => {
    await page.getByLabel("Name").fill("web1");
    await page.getByLabel("Telegram bot token").fill(telegramTokenFor("web1"));
    await page.getByRole("button", { name: "Create and deploy" }).click();
    await page.getByRole("heading", { name: /^web1/ }).waitFor();
    // The saga's card appears while it runs, and its step list grows without a reload.
    const live = page.locator("section.live");
    await live.waitFor({ timeout: 30_000 });
    const seen = new Set<string>();
    while ((await live.count()) > 0) {
      for (const s of await live.locator(".step-name").allTextContents()) seen.add(s.replace(/^\S+\s/, ""));
      await page.waitForTimeout(250);
    }
    expect(seen.size, [...seen].join(", ")).toBeGreaterThanOrEqual(3);
    await page
      .locator("details.op summary .badge")
      .first()
      .filter({ hasText: /^succeeded$/ })
      .waitFor({ timeout: 60_000 });
    await page.getByRole("heading", { name: /^web1\s+running/ }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: screenshotPath("claw"), fullPage: true });

    await page.getByRole("group", { name: "Actions on web1" }).getByRole("button", { name: "Park" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Park" }).click();
    await page
      .getByRole("status")
      .getByText(/park started/)
      .waitFor();
    await page.getByRole("heading", { name: /^web1\s+deallocated/ }).waitFor({ timeout: 90_000 });
  }, 180_000);

  it("console: logs of a parked claw say to wake it", async () => {
    await page.getByRole("button", { name: "Read logs" }).click();
    await page
      .locator(".card .notice.error")
      .getByText(/wake it first/)
      .waitFor();
  });

  it("console: a rollout's canary is approved from the rollout page", async () => {
    // A second, running claw so the rollout has a canary and a batch.
    expect(
      (
        await t.api("POST", "/v1/claws", {
          name: "web2",
          region: "westus",
          vmSize: "Standard_D2s_v5",
          imageVersion: "1.0.0",
        })
      ).status,
    ).toBe(201);
    const dep = await t.api<{ operationId: string }>("POST", "/v1/claws/web2/deploy");
    expect(dep.status).toBe(202);
    await t.waitForOperation(dep.body.operationId);

    await page.goto(`${t.url}/api/console/#/rollouts`);
    await page.getByText("New rollout…").click();
    await page.getByLabel("Image version").fill("1.1.0");
    await page.getByLabel("Soak (minutes)").fill("0");
    await page.getByRole("button", { name: "Start rollout" }).click();
    await page.getByRole("heading", { name: /Rollout to 1\.1\.0/ }).waitFor();
    await page.getByRole("heading", { name: /awaiting-approval/ }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: screenshotPath("rollout"), fullPage: true });
    await page
      .getByRole("group", { name: "Rollout controls" })
      .getByRole("button", { name: "Approve" })
      .click();
    await page.getByRole("dialog").getByRole("button", { name: "Approve" }).click();
    await page
      .getByRole("heading", { name: /Rollout to 1\.1\.0\s+(running|completed)/ })
      .waitFor({ timeout: 30_000 });
    await page.getByRole("heading", { name: /completed/ }).waitFor({ timeout: 120_000 });
  }, 300_000);

  it("console: fleet, images and audit pages render the twin's data (screenshots, phone width too)", async () => {
    // Earlier tests provoked refusals (a 400, a 409) on purpose: from here on, nothing may fail.
    problems.length = 0;
    await page.goto(`${t.url}/api/console/#/`);
    await page.locator("tr[data-claw='web2']").waitFor();
    expect(await page.locator("tr[data-claw]").count()).toBe(2);
    await page.getByLabel("Filter").fill("web2");
    await page.locator("tr[data-claw]").nth(1).waitFor({ state: "detached" });
    await page.getByLabel("Filter").fill("");
    await page.locator("figure.chart svg").waitFor();
    await page.screenshot({ path: screenshotPath("fleet"), fullPage: true });
    await page.goto(`${t.url}/api/console/#/images`);
    await page.getByRole("rowheader", { name: "1.1.0" }).waitFor();
    await page.screenshot({ path: screenshotPath("images"), fullPage: true });
    await page.goto(`${t.url}/api/console/#/audit`);
    await page.getByRole("cell", { name: "deploy" }).first().waitFor();
    await page.screenshot({ path: screenshotPath("audit"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${t.url}/api/console/#/`);
    await page.locator("tr[data-claw='web1']").waitFor();
    await page.screenshot({ path: screenshotPath("fleet-phone"), fullPage: true });
    // Nothing the page loaded broke the CSP or threw.
    expect(problems).toEqual([]);
  }, 60_000);
});
