/**
 * A minimal YAML emitter for cloud-config documents. Every string is written as a JSON string,
 * which YAML reads as a double-quoted scalar, so no value can change the document's structure
 * whatever it contains. Keys must be plain identifiers.
 */
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function scalar(value: string | number | boolean): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
  return String(value);
}

function isScalar(value: YamlValue): value is string | number | boolean {
  return typeof value !== "object";
}

function emit(value: YamlValue, indent: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isScalar(item)) {
        lines.push(`${indent}- ${scalar(item)}`);
      } else if (Array.isArray(item)) {
        if (!item.every(isScalar)) throw new Error("nested arrays must hold scalars");
        lines.push(`${indent}- [${item.map((v) => scalar(v as string | number | boolean)).join(", ")}]`);
      } else {
        const inner: string[] = [];
        emit(item, `${indent}  `, inner);
        // The first key of a mapping in a list shares the dash's line.
        lines.push(`${indent}- ${inner[0].trimStart()}`, ...inner.slice(1));
      }
    }
    return;
  }
  if (isScalar(value)) throw new Error("a YAML document must be a mapping");
  for (const [key, item] of Object.entries(value)) {
    if (!PLAIN_KEY.test(key)) throw new Error(`YAML key '${key}' is not a plain identifier`);
    if (isScalar(item)) {
      lines.push(`${indent}${key}: ${scalar(item)}`);
    } else if (Array.isArray(item) && item.length === 0) {
      lines.push(`${indent}${key}: []`);
    } else {
      lines.push(`${indent}${key}:`);
      emit(item, `${indent}  `, lines);
    }
  }
}

/** Serializes a mapping as block-style YAML, preceded by `header` lines (e.g. `#cloud-config`). */
export function toYaml(doc: { [key: string]: YamlValue }, header: readonly string[] = []): string {
  const lines = [...header];
  emit(doc, "", lines);
  return `${lines.join("\n")}\n`;
}
