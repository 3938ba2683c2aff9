// The text a package's Ed25519 signature covers. No imports: the terminal SDK checks the same text
// with WebCrypto, the server and the CLI with node:crypto.

export interface SignedFacts {
  kind: string;
  name: string;
  version: string;
  size: number;
  sha256: string;
}

export function statementText(facts: SignedFacts): string {
  return ['posfleet-package-v1', facts.kind, facts.name, facts.version, String(facts.size), facts.sha256.toLowerCase()].join('\n');
}
