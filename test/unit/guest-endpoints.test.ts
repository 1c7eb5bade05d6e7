import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEndpointResolver, directEndpoints, endpointMapResolver } from "../../core/guest";
import { clawError } from "../helpers/errors";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(server: http.Server, handler: http.RequestListener): Promise<number> {
  server.on("request", handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

const map = { "20.0.0.7": "127.0.0.1:40022", alice: "127.0.0.1:40023", bad: "nowhere" };
const answer: http.RequestListener = (_req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(map));
};

describe("guest endpoints", () => {
  it("directEndpoints: the address itself on port 22", async () => {
    expect(await directEndpoints()("20.1.2.3")).toEqual({ host: "20.1.2.3", port: 22 });
    expect(await createEndpointResolver({})("20.1.2.3")).toEqual({ host: "20.1.2.3", port: 22 });
  });

  it("endpointMapResolver: looks up IPs and VM names in the emulator's map", async () => {
    const port = await serve(http.createServer(), answer);
    const resolve = createEndpointResolver({ mapUrl: `http://127.0.0.1:${port}/ssh-endpoints` });
    expect(await resolve("20.0.0.7")).toEqual({ host: "127.0.0.1", port: 40022 });
    expect(await resolve("alice")).toEqual({ host: "127.0.0.1", port: 40023 });
  });

  it("endpointMapResolver: an unknown address is a retryable SSH_ERROR; a bad entry is not retryable", async () => {
    const port = await serve(http.createServer(), answer);
    const resolve = endpointMapResolver({ url: `http://127.0.0.1:${port}/` });
    const missing = await clawError(resolve("bob"));
    expect(missing.retryable).toBe(true);
    expect(missing.message).toMatch(/no SSH endpoint for 'bob'/);
    expect((await clawError(resolve("bad"))).retryable).toBe(false);
  });

  it("endpointMapResolver: an HTTP error or non-JSON answer is a clear SSH_ERROR", async () => {
    const port = await serve(http.createServer(), (_q, res) => {
      res.statusCode = 500;
      res.end("kaput");
    });
    const e = await clawError(endpointMapResolver({ url: `http://127.0.0.1:${port}/` })("x"));
    expect(e.code).toBe("SSH_ERROR");
    expect(e.message).toContain("HTTP 500: kaput");
  });

  it("endpointMapResolver: trusts the emulator's CA over https, and refuses without it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ca-"));
    try {
      const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
      run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
      );
      run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
      );
      fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
      run(
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
        "-out",
        "srv.pem",
      );
      const server = https.createServer({
        key: fs.readFileSync(path.join(dir, "srv.key")),
        cert: fs.readFileSync(path.join(dir, "srv.pem")),
      });
      const port = await serve(server, answer);
      const url = `https://127.0.0.1:${port}/ssh-endpoints`;
      const resolve = createEndpointResolver({ mapUrl: url, mapCaFile: path.join(dir, "ca.pem") });
      expect(await resolve("alice")).toEqual({ host: "127.0.0.1", port: 40023 });
      const untrusted = await clawError(endpointMapResolver({ url })("alice"));
      expect(untrusted.message).toMatch(/certificate/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
