/**
 * Hourly compute prices per VM size for the dashboard's "cost saved by parking" figure. The
 * defaults are Azure's pay-as-you-go Linux list prices (USD, East US, 2025) for the sizes claws
 * usually run; VM_HOURLY_PRICES (JSON) overrides or adds sizes. A deallocated VM costs no compute,
 * so a parked hour saves the size's price (disks are billed either way and are not counted).
 */
import { ClawError } from "../errors";

export const DEFAULT_VM_HOURLY_PRICES: Readonly<Record<string, number>> = {
  Standard_B2s: 0.0416,
  Standard_B2ms: 0.0832,
  Standard_B4ms: 0.166,
  Standard_D2s_v5: 0.096,
  Standard_D4s_v5: 0.192,
  Standard_D8s_v5: 0.384,
  Standard_D2as_v5: 0.086,
  Standard_D4as_v5: 0.172,
  Standard_E2s_v5: 0.126,
  Standard_E4s_v5: 0.252,
  Standard_NV6ads_A10_v5: 0.454,
};

export interface PriceTable {
  currency: string;
  perHour: Record<string, number>;
}

/** The price table from VM_HOURLY_PRICES over the defaults; a malformed setting says what to fix. */
export function priceTableFrom(env: Record<string, string | undefined> = process.env): PriceTable {
  const raw = env.VM_HOURLY_PRICES;
  const perHour: Record<string, number> = { ...DEFAULT_VM_HOURLY_PRICES };
  if (raw && raw.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ClawError("INTERNAL", 'VM_HOURLY_PRICES is not JSON; set it like {"Standard_D2s_v5": 0.096}');
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ClawError(
        "INTERNAL",
        'VM_HOURLY_PRICES must be a JSON object like {"Standard_D2s_v5": 0.096}',
      );
    }
    for (const [size, price] of Object.entries(parsed)) {
      if (typeof price !== "number" || !(price >= 0)) {
        throw new ClawError("INTERNAL", `VM_HOURLY_PRICES: the price of ${size} must be a number ≥ 0`);
      }
      perHour[size] = price;
    }
  }
  return { currency: "USD", perHour };
}
