// What a terminal reports about its own security on the wire (enrolment and heartbeats): its hardware
// fingerprint, its coarse location and its key slots. Defined once here, read by the device protocol,
// the security capability, the SDK and the dashboard. Key slots are metadata only: never key material.
import { Type, type Static } from 'typebox';
import { Timestamp } from './http-schemas.ts';
import { SERIAL } from './patterns.ts';

const Identifier = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' });

/** The parts that make a terminal this terminal: a copied credential on other hardware does not pass. */
export const HardwareFingerprint = Type.Object({
  serial: Type.String({ pattern: SERIAL, description: 'the terminal\'s own serial number as the device reads it' }),
  pinPadSerial: Identifier,
  secureProcessorId: Identifier,
}, { additionalProperties: false, description: 'read from the device; bound at enrolment, checked on every heartbeat' });
export type HardwareFingerprint = Static<typeof HardwareFingerprint>;

export const TerminalLocation = Type.Object({
  gps: Type.Optional(Type.Object({
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    accuracyM: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
  }, { additionalProperties: false })),
  cellId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$', description: 'e.g. MCC-MNC-LAC-CID' })),
  bssid: Type.Optional(Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$', description: 'the Wi-Fi access point\'s MAC address' })),
}, { additionalProperties: false, description: 'coarse location: whatever the device has' });
export type TerminalLocation = Static<typeof TerminalLocation>;

export const KEY_TYPES = ['TMK', 'TPK', 'DUKPT'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/**
 * One key slot, described: which key sits there and how to recognise it (its check value, or for DUKPT
 * its BDK id and KSN prefix). The strings are checked for key material before anything is stored.
 */
export const KeySlot = Type.Object({
  slot: Type.Integer({ minimum: 0, maximum: 255 }),
  type: Type.Enum(KEY_TYPES),
  bdkId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'DUKPT: the base derivation key\'s id (key set identifier)' })),
  kcv: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'key check value: 4 to 6 hex digits' })),
  ksnPrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'DUKPT: the key serial number without its counter' })),
  loadedAt: Type.Optional(Timestamp),
  expiresAt: Type.Optional(Timestamp),
}, { additionalProperties: false });
export type KeySlot = Static<typeof KeySlot>;

export const KeySlots = Type.Array(KeySlot, { maxItems: 32, description: 'key-slot metadata; never key material' });

/** The canonical string a fingerprint is stored and compared as. */
export const fingerprintText = (f: HardwareFingerprint): string => `${f.serial}|${f.pinPadSerial}|${f.secureProcessorId}`;

export function parseFingerprint(text: string): HardwareFingerprint {
  const [serial = '', pinPadSerial = '', secureProcessorId = ''] = text.split('|');
  return { serial, pinPadSerial, secureProcessorId };
}
