// Four eyes as the capabilities that own a high-risk operation see it (the approvals capability, in
// src/approvals/, implements it): before running the operation, a route asks `hold`; when a second person
// must approve, the operation is kept as asked and the caller is answered 202 with the request.
import { Type, type Static } from 'typebox';
import { localeFromHeader, type CatalogueLocale } from './messages/format.ts';

export type HeldKind = 'campaign' | 'role_change' | 'tamper_unlock' | 'continuity_override' | 'acquirer_parameters';

export interface Requester {
  userId: string;
  name: string;
  role: string;
}

/** What the people deciding read (names, counts), never a translated sentence: each page words it. */
export type HeldSummary = Record<string, string | number | string[] | null>;

export interface HoldRequest {
  kind: HeldKind;
  /** A campaign is held only above the terminal threshold. */
  terminals?: number;
  /** The operation's input, run exactly as it is on approval. */
  payload: unknown;
  summary: HeldSummary;
  objectId: string | null;
  /** The requester's reason; required when the operation is held (the field named in a refusal is `field`). */
  reason: string | undefined;
  field: string;
}

export interface FourEyes {
  /** Null: no second person needed, go on. Else the operation is held: answer 202 with this. */
  hold(request: HoldRequest, requester: Requester, locale: CatalogueLocale): Promise<HeldAnswer | null>;
  /** Whether a campaign to this many terminals needs a second person (for the preview). */
  campaignNeedsApproval(terminals: number): boolean;
  /** Campaigns to more terminals than this need a second person. */
  campaignThreshold(): number;
}

export const HeldAnswer = Type.Object({
  id: Type.String({ description: 'the approval request: GET /api/v1/approvals/{id}' }),
  state: Type.Literal('awaiting_approval'),
  kind: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  message: Type.String({ description: "what happens now, in the caller's language" }),
}, { description: 'Held for a second person: nothing has changed yet.' });
export type HeldAnswer = Static<typeof HeldAnswer>;

/** The caller's language for the 202's message: their account's, else what their client asks for, else English. */
export function localeOf(accountLocale: string | undefined, acceptLanguage: string | string[] | undefined): CatalogueLocale {
  if (accountLocale === 'zh-CN' || accountLocale === 'en') return accountLocale;
  return localeFromHeader(Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage) ?? 'en';
}
