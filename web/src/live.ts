// Live fleet state from the server's event stream (GET /api/v1/events): terminal modes, online flags
// and open maintenance jobs, and the campaigns in progress, updated without reloading. The browser's
// EventSource reconnects by itself.
import { useEffect, useState } from 'react';
import type { CampaignState, WaitingCode } from './api.ts';
import { invalidate } from './query.ts';

export interface LiveTerminal {
  id: string;
  serialNumber: string;
  siteId: string | null;
  online: boolean;
  mode: 'normal' | 'maintenance' | 'locked';
  reason: string | null;
  job: { id: string; state: string; reason: string; work: string[]; createdAt: string; createdBy: string; waitingReason: string | null; waitingCode: WaitingCode | null } | null;
}

export interface Fleet {
  terminals: LiveTerminal[];
  truncated: boolean;
}

/** A campaign in progress (running, paused or halted) with each wave's installs by state. */
export interface CampaignProgress {
  id: string;
  name: string;
  state: CampaignState;
  currentWave: number;
  waves: number;
  createdAt: string;
  updatedAt: string;
  actions: Record<string, number>[];
}

/** `campaigns` stays null for a role that may not see rollouts (the server sends none). */
export type LiveState = { status: 'connecting' | 'live' | 'error'; fleet: Fleet | null; campaigns: CampaignProgress[] | null };

/** What a person sees for a terminal: a lock or maintenance first, then whether it is reachable. */
export function displayMode(t: { mode: string; online: boolean }): 'normal' | 'maintenance' | 'locked' | 'offline' {
  if (t.mode === 'locked' || t.mode === 'maintenance') return t.mode;
  return t.online ? 'normal' : 'offline';
}

export function useFleet(enabled: boolean): LiveState {
  const [state, setState] = useState<LiveState>({ status: 'connecting', fleet: null, campaigns: null });
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/v1/events');
    // What the cached lists show changes with a terminal's mode or job and a campaign's state: when (and
    // only when) the stream says one changed, those lists are refetched.
    let fleetSeen = '';
    let campaignsSeen = '';
    source.addEventListener('fleet', (event) => {
      const fleet = JSON.parse((event as MessageEvent<string>).data) as Fleet;
      const seen = fleet.terminals.map((x) => `${x.id}:${x.mode}:${x.job?.id ?? ''}:${x.job?.state ?? ''}`).join();
      if (fleetSeen && seen !== fleetSeen) { void invalidate('/terminals'); void invalidate('/maintenance'); }
      fleetSeen = seen;
      setState((s) => ({ ...s, status: 'live', fleet }));
    });
    source.addEventListener('campaigns', (event) => {
      const { campaigns } = JSON.parse((event as MessageEvent<string>).data) as { campaigns: CampaignProgress[] };
      const seen = campaigns.map((c) => `${c.id}:${c.state}:${c.currentWave}:${c.updatedAt}`).join();
      if (campaignsSeen && seen !== campaignsSeen) void invalidate('/campaigns');
      campaignsSeen = seen;
      setState((s) => ({ ...s, campaigns }));
    });
    source.onerror = () => setState((s) => ({ ...s, status: source.readyState === EventSource.CLOSED ? 'error' : 'connecting' }));
    return () => source.close();
  }, [enabled]);
  return state;
}
