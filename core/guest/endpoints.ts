import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { ClawError } from "../errors";

/** Where to open the SSH connection for a claw. */
export interface GuestEndpoint {
  host: string;
  port: number;
}

/** Maps a claw's address (public IP, or VM name) to an SSH endpoint. */
export type EndpointResolver = (address: string) => Promise<GuestEndpoint>;

/** Azure: the claw's public IP, port 22. */
export function directEndpoints(port = 22): EndpointResolver {
  return async function directEndpoint(address) {
    return { host: address, port };
  };
}

export interface EndpointMapOptions {
  /** GET answers JSON `{ "<ip or vm name>": "127.0.0.1:port" }` (the emulator's admin endpoint). */
  url: string;
  /** PEM CA to trust for an https URL (the emulator's own CA). */
  ca?: string | Buffer;
  timeoutMs?: number;
}

function getJson(url: string, ca: string | Buffer | undefined, timeoutMs: number): Promise<unknown> {
  const u = new URL(url);
  const get = u.protocol === "https:" ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(u, { ca, timeout: timeoutMs, headers: { accept: "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`not JSON: ${body.slice(0, 200)}`));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

function parseEndpoint(value: string): GuestEndpoint | undefined {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1].replace(/^\[|\]$/g, ""), port } : undefined;
}

/**
 * The twin: asks the emulator where each guest's SSH server listens. The map is fetched on every
 * lookup because guests come and go with their VMs. A missing entry is a retryable SSH_ERROR
 * (the VM may still be booting).
 */
export function endpointMapResolver({ url, ca, timeoutMs = 5000 }: EndpointMapOptions): EndpointResolver {
  return async function mappedEndpoint(address) {
    let map: unknown;
    try {
      map = await getJson(url, ca, timeoutMs);
    } catch (e) {
      throw new ClawError("SSH_ERROR", `SSH endpoint map ${url} failed: ${(e as Error).message}`, {
        retryable: true,
      });
    }
    const value = map && typeof map === "object" ? (map as Record<string, unknown>)[address] : undefined;
    if (value === undefined) {
      throw new ClawError("SSH_ERROR", `no SSH endpoint for '${address}' in ${url} (is the VM running?)`, {
        retryable: true,
      });
    }
    const endpoint = typeof value === "string" ? parseEndpoint(value) : undefined;
    if (!endpoint)
      throw new ClawError("SSH_ERROR", `SSH endpoint map ${url} has a bad entry for '${address}'`);
    return endpoint;
  };
}

/** The resolver configuration chooses: the map on the twin, the address itself on Azure. */
export function createEndpointResolver(opts: { mapUrl?: string; mapCaFile?: string }): EndpointResolver {
  if (!opts.mapUrl) return directEndpoints();
  const ca = opts.mapCaFile ? fs.readFileSync(opts.mapCaFile) : undefined;
  return endpointMapResolver({ url: opts.mapUrl, ca });
}
