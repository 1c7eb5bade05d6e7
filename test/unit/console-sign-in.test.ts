/** The console's files behind Entra ID sign-in (CONSOLE_SIGN_IN=entra) and, by default, open. */
import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createConsoleHandler } from "../../functions/http/console";

const assets = () =>
  new Map([
    [
      "index.html",
      {
        type: "text/html; charset=utf-8",
        etag: '"i1"',
        immutable: false,
        raw: Buffer.from("<!doctype html>"),
        gzip: Buffer.from(""),
        br: Buffer.from(""),
      },
    ],
  ]);

const get = (headers: Record<string, string> = {}) =>
  new HttpRequest({
    method: "GET",
    url: "http://127.0.0.1:7071/api/console/",
    headers,
    params: { path: "" },
  });

describe("console sign-in", () => {
  it("entra: without App Service's principal header the browser is sent to the Entra login", async () => {
    const res = await createConsoleHandler(assets, "entra")(get());
    expect(res.status).toBe(302);
    const location = (res.headers as Record<string, string>).location;
    expect(location).toBe("/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsole%2F");
    expect(res.body).toBeUndefined();
  });

  it("entra: a signed-in user gets the page", async () => {
    const res = await createConsoleHandler(
      assets,
      "entra",
    )(get({ "x-ms-client-principal-id": "00000000-0000-0000-0000-000000000001" }));
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain("<!doctype html>");
  });

  it("unset: the files are served to anyone (they hold no data and no key)", async () => {
    const res = await createConsoleHandler(assets, undefined)(get());
    expect(res.status).toBe(200);
  });
});
