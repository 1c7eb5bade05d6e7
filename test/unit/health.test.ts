import { describe, expect, it } from "vitest";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { health } from "../../functions/http/health";

describe("health", () => {
  it("health: answers ok with the service name", async () => {
    const res = await health(
      new HttpRequest({ method: "GET", url: "http://localhost/api/v1/health" }),
      new InvocationContext(),
    );
    expect(res.status).toBe(200);
    expect((res.jsonBody as { status: string }).status).toBe("ok");
  });
});
