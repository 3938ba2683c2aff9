// Wire types of remote assistance: files a terminal uploads when asked (logs, screenshots), messages
// put on a terminal's screen and their acknowledgement. Defined once; the server, the SDK and the
// dashboard import them.
import { Type, type Static } from 'typebox';
import { Instant } from '../shared/http-schemas.ts';

export const ARTIFACT_KINDS = ['logs', 'screenshot'] as const;
export const ARTIFACT_STATES = ['uploading', 'stored', 'refused', 'pruned', 'corrupt'] as const;
export const SCREEN_MESSAGE_STATES = ['sent', 'shown', 'acknowledged'] as const;
/** Largest chunk a terminal may send (base64 in JSON stays under the 1 MiB body limit). */
export const MAX_ARTIFACT_CHUNK_BYTES = 512 * 1024;
/** What the collect commands ask for when the operator does not say: the SDK keeps the newest part under it. */
export const DEFAULT_ARTIFACT_MAX_BYTES = 2 * 1024 * 1024;

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 of the bytes as uploaded (compressed)' });

export const ArtifactStart = Type.Object({
  uploadId: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: "the terminal's id for this upload: sending it again resumes the same upload" }),
  commandId: Type.Optional(Type.String({ maxLength: 64, description: 'the collect_logs or screenshot command this answers' })),
  kind: Type.Enum(ARTIFACT_KINDS),
  encoding: Type.Union([Type.Literal('gzip'), Type.Literal('identity')], { description: 'gzip for logs; a PNG is sent as it is' }),
  sha256: Sha256,
  sizeBytes: Type.Integer({ minimum: 1, maximum: 64 * 1024 * 1024, description: 'bytes uploaded (compressed)' }),
  originalBytes: Type.Integer({ minimum: 0, maximum: 1024 * 1024 * 1024, description: 'bytes before compression' }),
  truncated: Type.Boolean({ description: 'the oldest part was left out to stay under the size cap' }),
  chunkSize: Type.Integer({ minimum: 1024, maximum: MAX_ARTIFACT_CHUNK_BYTES }),
  takenAt: Instant(),
}, { additionalProperties: false });
export type ArtifactStart = Static<typeof ArtifactStart>;

export const ArtifactUploadStatus = Type.Object({
  artifactId: Type.String(),
  uploadId: Type.String(),
  state: Type.Enum(ARTIFACT_STATES),
  chunkCount: Type.Integer(),
  /** Chunk indexes the server has: the terminal sends the others. */
  received: Type.Array(Type.Integer()),
});
export type ArtifactUploadStatus = Static<typeof ArtifactUploadStatus>;

export const ArtifactView = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  incidentId: Type.Union([Type.String(), Type.Null()]),
  commandId: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Enum(ARTIFACT_KINDS),
  state: Type.Enum(ARTIFACT_STATES),
  contentType: Type.String(),
  encoding: Type.Union([Type.Literal('gzip'), Type.Literal('identity')]),
  fileName: Type.String({ description: 'what the download is saved as' }),
  sha256: Type.String(),
  sizeBytes: Type.Integer(),
  originalBytes: Type.Integer(),
  truncated: Type.Boolean(),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  takenAt: Type.String(),
  storedAt: Type.Union([Type.String(), Type.Null()]),
  keptUntil: Type.Union([Type.String(), Type.Null()], { description: 'when retention removes it' }),
  refusedReason: Type.Union([Type.String(), Type.Null()]),
});
export type ArtifactView = Static<typeof ArtifactView>;

export const ArtifactRequestInput = Type.Object({
  kind: Type.Enum(ARTIFACT_KINDS),
  incidentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the incident the file is for: it is listed there' })),
  maxBytes: Type.Optional(Type.Integer({ minimum: 4096, maximum: 16 * 1024 * 1024, description: 'cap on the compressed file (default 2 MiB); the terminal keeps the newest part' })),
}, { additionalProperties: false });
export type ArtifactRequestInput = Static<typeof ArtifactRequestInput>;

export const ArtifactParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), artifactId: Type.String({ minLength: 1, maxLength: 64 }) });
export const ArtifactUploadParams = Type.Object({ uploadId: Type.String({ maxLength: 64 }) });
export const ArtifactChunkParams = Type.Object({ uploadId: Type.String({ maxLength: 64 }), index: Type.Integer({ minimum: 0, maximum: 100_000 }) });
export const ArtifactChunkBody = Type.Object({ data: Type.String({ maxLength: Math.ceil(MAX_ARTIFACT_CHUNK_BYTES / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' }) }, { additionalProperties: false });

// ---- screen messages
export const ScreenMessageInput = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 500, description: 'shown on the terminal until the staff acknowledge it' }),
}, { additionalProperties: false });
export type ScreenMessageInput = Static<typeof ScreenMessageInput>;

export const ScreenMessageView = Type.Object({
  id: Type.String(),
  terminalId: Type.String(),
  commandId: Type.String(),
  text: Type.String(),
  state: Type.Enum(SCREEN_MESSAGE_STATES),
  sentBy: Type.String(),
  sentAt: Type.String(),
  shownAt: Type.Union([Type.String(), Type.Null()]),
  acknowledgedAt: Type.Union([Type.String(), Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
});
export type ScreenMessageView = Static<typeof ScreenMessageView>;

export const ScreenMessageAckInput = Type.Object({
  by: Type.String({ minLength: 1, maxLength: 80, description: 'who acknowledged it, as the terminal knows them (a cashier id or name)' }),
}, { additionalProperties: false });
export type ScreenMessageAckInput = Static<typeof ScreenMessageAckInput>;

/** The payload of a show_message command, as the terminal receives it. */
export interface ShowMessagePayload {
  messageId: string;
  text: string;
  sentAt: string;
}

/** The payload of a collect_logs or screenshot command. */
export interface CollectPayload {
  incidentId?: string;
  maxBytes: number;
}
