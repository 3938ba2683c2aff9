// What the PCI DSS report asks of the key inventory (the keys capability reports key-slot metadata,
// never key material): per terminal, its slots and what is wrong with them. The default knows of no
// keys, so the report works before (or without) that capability; services.ts wires the real one.
import type { Scope } from '../access/roles.ts';

export interface KeySlotSummary {
  slot: string;
  /** TMK, TPK, DUKPT BDK id, … */
  keyType: string;
  /** Key check value or KSN prefix: identifies the key, reveals nothing of it. */
  checkValue?: string | null;
  loadedAt?: string | null;
  expiresAt?: string | null;
}

export interface KeyProblem {
  /** e.g. missing, mismatched, expiring, expired */
  code: string;
  slot?: string | null;
  keyType?: string | null;
  /** By when it must be put right (an expiring key: its expiry). */
  deadline?: string | null;
  message?: string | null;
}

export interface KeyInventoryEntry {
  terminalId: string;
  slots: KeySlotSummary[];
  problems: KeyProblem[];
}

export interface KeyInventorySource {
  /** Terminals in the caller's scope that report keys, with their slots and problems. */
  keyInventory(scope: Scope): Promise<KeyInventoryEntry[]>;
}

export const NO_KEY_INVENTORY: KeyInventorySource = { keyInventory: async () => [] };
