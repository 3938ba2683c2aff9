// Whether a terminal of a baseline's group has what the baseline names. Pure. A baseline never
// finishes: a terminal that joins the group (new, swapped in, back from repair) is judged like the rest.
//   in_baseline: every version the baseline names is the one the terminal reports;
//   failed:      otherwise, and the newest delivery of a named version to it failed;
//   waiting:     otherwise, and a delivery of the named version is under way (its next window);
//   drifting:    otherwise, with nothing under way to bring it back.
import type { ComplianceState } from './terminal-data.schemas.ts';

export interface Wanted {
  appVersion: string | null;
  firmwareVersion: string | null;
  /** The version of the group's configuration level its terminals must run. */
  configurationVersion: number | null;
}

export interface Has {
  appVersion: string | null;
  firmwareVersion: string | null;
  /** The group level's version inside the configuration the terminal applied (null: it runs another one). */
  configurationVersion?: number | null;
  /** State of the newest campaign action delivering each named version (undefined: none). */
  appDelivery?: string | undefined;
  firmwareDelivery?: string | undefined;
  /** 'queued' while a change that needs maintenance holds the terminal's configuration (its campaign delivers it). */
  configurationDelivery?: string | undefined;
}

const FAILED = ['failed', 'cancelled'];
const UNDER_WAY = ['queued', 'scheduled', 'downloading', 'downloaded', 'installing', 'installed'];

export function complianceOf(wanted: Wanted, has: Has): { state: ComplianceState; why: string } {
  const gaps: { what: string; want: string; have: string | null; delivery: string | undefined }[] = [];
  if (wanted.appVersion && has.appVersion !== wanted.appVersion) gaps.push({ what: 'application', want: wanted.appVersion, have: has.appVersion, delivery: has.appDelivery });
  if (wanted.firmwareVersion && has.firmwareVersion !== wanted.firmwareVersion) {
    gaps.push({ what: 'firmware', want: wanted.firmwareVersion, have: has.firmwareVersion, delivery: has.firmwareDelivery });
  }
  if (wanted.configurationVersion && has.configurationVersion !== undefined && (has.configurationVersion ?? 0) < wanted.configurationVersion) {
    gaps.push({
      what: 'configuration', want: `v${wanted.configurationVersion}`, have: has.configurationVersion === null ? 'another' : `v${has.configurationVersion}`, delivery: has.configurationDelivery,
    });
  }
  if (gaps.length === 0) return { state: 'in_baseline', why: 'has every version the baseline names' };
  const describe = (g: (typeof gaps)[number]) => `${g.what} ${g.have ?? 'unknown'} (baseline ${g.want})`;
  const failed = gaps.find((g) => g.delivery && FAILED.includes(g.delivery));
  if (failed) return { state: 'failed', why: `delivery of ${failed.what} ${failed.want} ${failed.delivery}; has ${describe(failed)}` };
  if (gaps.every((g) => g.delivery && UNDER_WAY.includes(g.delivery))) return { state: 'waiting', why: `delivery under way: ${gaps.map(describe).join(', ')}` };
  return { state: 'drifting', why: `has ${gaps.map(describe).join(', ')}` };
}
