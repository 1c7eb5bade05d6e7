/**
 * Stand-in for the OpenClaw gateway's HTTP health endpoint on a guest: a loopback server that
 * answers 200 while the systemctl shim reports `openclaw-gateway` active and 503 otherwise, so
 * verify.sh's gateway-http check follows the unit as it would on a real claw.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { unitActive } from "./sandbox";

export interface GatewayStandIn {
  url: string;
  close(): Promise<void>;
}

export async function startGatewayStandIn(root: string): Promise<GatewayStandIn> {
  const server = http.createServer((_req, res) => {
    unitActive(root, "openclaw-gateway").then(
      (up) => {
        res.writeHead(up ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: up }));
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/health`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
