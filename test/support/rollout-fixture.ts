// Small factories for rollout tests driven in-process on an injected clock: a signed, uploaded package,
// sites of enrolled terminals with a nightly maintenance window, and hawkBit DDI requests.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { signPackage } from '../../src/rollouts/package-signature.ts';
import { ADMIN_TOKEN, enrolTerminal, heartbeatReport, type TestApp } from './app.ts';
import { ok } from './http.ts';

/** 01:00–05:00 in Shanghai (the merchants' time zone): 17:00–21:00 UTC. */
export const NIGHTLY = { kind: 'cron', cron: '0 1 * * *', durationMinutes: 240 } as const;

let counter = 0;
export const unique = (prefix: string) => `${prefix}${process.pid}-${++counter}`;

export interface FixtureTerminal { id: string; serialNumber: string; siteId: string; credential: string; seq: number }

/** One model, one merchant, and sites of enrolled terminals (`sizes` per site), each site with a nightly window. */
export async function rolloutEstate(t: TestApp, sizes: number[], options: { tags?: (site: number, index: number) => string[]; firmwareVersion?: string; openingHours?: Record<string, { open: string; close: string }[]> } = {}) {
  const model = await t.services.estate.createModel({
    code: unique('RF'), vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
  });
  const merchant = await t.services.estate.createMerchant({ name: unique('Rollout merchant '), timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
  const sites: { id: string; terminals: FixtureTerminal[] }[] = [];
  for (const [s, size] of sizes.entries()) {
    const site = await t.services.estate.createSite({ merchantId: merchant.id, code: unique('RF-S'), name: `Shop ${s}`, ...(options.openingHours && { openingHours: options.openingHours }) });
    await ok(t.api('POST', '/api/v1/maintenance/windows', { name: 'nightly', target: { siteId: site.id }, schedule: NIGHTLY }), 201);
    const terminals: FixtureTerminal[] = [];
    for (let i = 0; i < size; i++) {
      const created = await t.services.estate.createTerminal({
        serialNumber: unique(`RF-S${s}-T${i}-`), modelId: model.id, siteId: site.id, tags: options.tags?.(s, i) ?? [],
        ...(options.firmwareVersion && { firmwareVersion: options.firmwareVersion }),
      });
      const { credential } = await enrolTerminal(t, created.serialNumber);
      terminals.push({ id: created.id, serialNumber: created.serialNumber, siteId: site.id, credential, seq: 1 });
    }
    sites.push({ id: site.id, terminals });
  }
  return { model, merchant, sites, terminals: sites.flatMap((s) => s.terminals) };
}

/** A PosFleet heartbeat: the terminal is online and in service. */
export async function beat(t: TestApp, term: FixtureTerminal, overrides: Record<string, unknown> = {}) {
  return ok(t.device('/device/v1/heartbeat', term.credential, heartbeatReport(term.seq++, overrides)));
}

/** Registers a publisher key, declares a package signed with it and uploads its content. */
export async function publishPackage(t: TestApp, input: { kind: 'application' | 'firmware'; name: string; version: string; models: string[]; securityPatch?: boolean }) {
  const keys = generateKeyPairSync('ed25519');
  const key = await ok<{ id: string }>(t.api('POST', '/api/v1/publisher-keys', { name: unique('key '), publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() }), 201);
  const content = randomBytes(2000);
  const facts = { kind: input.kind, name: input.name, version: input.version, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  const pkg = await ok<{ id: string }>(t.api('POST', '/api/v1/packages', {
    ...facts, fileName: `${input.name}-${input.version}.swu`, signature: signPackage(facts, keys.privateKey), keyId: key.id,
    compatibleModels: input.models, securityPatch: input.securityPatch ?? false,
  }), 201);
  await ok(t.app.inject({
    method: 'PUT', url: `/api/v1/packages/${pkg.id}/content`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, payload: content,
  }));
  return { ...pkg, ...facts, content };
}

/** A hawkBit DDI request as a device sends it (`TargetToken`), under tenant `tenant`. */
export function ddi(t: TestApp, term: { serialNumber: string; credential: string }, method: 'GET' | 'POST' | 'PUT', path = '', body?: unknown, tenant = 'DEFAULT') {
  return t.app.inject({
    method, url: `/${tenant}/controller/v1/${term.serialNumber}${path}`, headers: { authorization: `TargetToken ${term.credential}` },
    ...(body !== undefined && { payload: body as object }),
  });
}

export const ddiFeedback = (execution: string, finished: string, details: string[] = []) => ({ status: { execution, result: { finished }, details } });
