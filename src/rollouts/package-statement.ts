// The text a package's Ed25519 signature covers. No imports: the terminal SDK checks the same text
// with WebCrypto, the server and the CLI with node:crypto.

export interface SignedFacts {
  kind: string;
  name: string;
  version: string;
  size: number;
  sha256: string;
  /** SHA-256 of the canonical JSON of the parameter schema the manifest carries, when it carries one. */
  parametersSha256?: string | null | undefined;
}

/** The statement; a package carrying a parameter schema adds a line `parameters <SHA-256>`, so the schema is signed too. */
export function statementText(facts: SignedFacts): string {
  const lines = ['posfleet-package-v1', facts.kind, facts.name, facts.version, String(facts.size), facts.sha256.toLowerCase()];
  if (facts.parametersSha256) lines.push(`parameters ${facts.parametersSha256.toLowerCase()}`);
  return lines.join('\n');
}
