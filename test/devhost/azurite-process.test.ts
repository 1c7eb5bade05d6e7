import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { startAzuriteProcess } from "../../local/host/azurite-process";

describe("Azurite in its own process", () => {
  it("serves tables on loopback from a child process and stops when closed", async () => {
    const azurite = await startAzuriteProcess();
    try {
      expect(azurite.tableEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      const table = TableClient.fromConnectionString(azurite.connectionString, "probe", {
        allowInsecureConnection: true,
      });
      await table.createTable();
      await table.upsertEntity({ partitionKey: "p", rowKey: "r", n: 1 });
      expect((await table.getEntity<{ n: number }>("p", "r")).n).toBe(1);
    } finally {
      await azurite.close();
    }
    const table = TableClient.fromConnectionString(azurite.connectionString, "probe", {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await expect(table.getEntity("p", "r")).rejects.toThrow();
  });
});
