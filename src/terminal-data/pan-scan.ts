// Finds what looks like a card number (PAN) in data a terminal is about to back up, so that a backup
// never carries card data (PCI DSS 3.2/3.3). Pure; shared by the SDK (which refuses) and the server.
// A PAN here is a run of 13–19 digits (single spaces or dashes between them allowed, as printed on a
// receipt), starting with 2–6 (the card networks' ranges: epoch-millisecond timestamps and counters,
// which start with 1, are not flagged), whose Luhn check digit is right.

export interface PanFinding {
  /** Where in the data: `settings.pending[0].note`; `$` for the whole value. */
  path: string;
  /** First 6 and last 4 digits only, as PCI DSS allows them to be shown. */
  masked: string;
}

const CANDIDATE = /(?<![0-9])[2-6](?:[ -]?[0-9]){12,18}(?![0-9])/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The card-number-like runs in one text. */
export function pansInText(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) found.push(digits);
  }
  return found;
}

/** Every string and number in `value` (objects and arrays walked), with where each PAN-like run is. */
export function findPans(value: unknown, path = '$', limit = 20): PanFinding[] {
  const findings: PanFinding[] = [];
  const walk = (v: unknown, at: string, depth: number): void => {
    if (findings.length >= limit || depth > 64) return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') {
      for (const pan of pansInText(String(v))) findings.push({ path: at, masked: mask(pan) });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${at}[${i}]`, depth + 1));
    } else if (v && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        for (const pan of pansInText(key)) findings.push({ path: `${at} (a key)`, masked: mask(pan) });
        walk(item, `${at}.${key}`, depth + 1);
      }
    }
  };
  walk(value, path, 0);
  return findings.slice(0, limit);
}

function mask(pan: string): string {
  return `${pan.slice(0, 6)}${'•'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}
