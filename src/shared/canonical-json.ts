// Canonical JSON: object keys sorted, undefined members left out, no spaces. What is hashed when two
// parties must get the same digest of the same data (a terminal's configuration, a signed package's
// parameter schema). No imports: the terminal SDK uses it too.

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
