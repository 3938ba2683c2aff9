// HTTP shapes of operator access: sign-in, users, API tokens.
import { Type, type Static } from 'typebox';
import { Timestamp } from '../shared/http-schemas.ts';
import { ROLES } from './roles.ts';

export const LoginInput = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9 ]{6,8}$' })),
  },
  { additionalProperties: false },
);
export type LoginInput = Static<typeof LoginInput>;

export const Me = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  role: Type.String(),
  merchantId: Type.Union([Type.String(), Type.Null()]),
  via: Type.String(),
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'send as x-csrf-token with every change made through a session' }),
  mustChangePassword: Type.Boolean(),
  permissions: Type.Array(Type.String(), { description: 'what this sign-in may do; pages offer only these (the server still checks every request)' }),
});

export const LoginAnswer = Type.Object({ expiresAt: Timestamp, me: Me });

export const PasswordChange = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const TotpSetup = Type.Object({ secret: Type.String(), uri: Type.String({ description: 'otpauth:// URI for an authenticator app' }) });
export const TotpConfirm = Type.Object({ code: Type.String({ pattern: '^[0-9 ]{6,8}$' }) }, { additionalProperties: false });

const RoleSchema = Type.Enum(ROLES);
const Password = Type.String({ minLength: 1, maxLength: 256, description: 'at least 12 characters with letters and digits' });

export const UserInput = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: RoleSchema,
    merchantId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    locale: Type.Optional(Type.Enum(['zh-CN', 'en'])),
    password: Password,
  },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

export const UserPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(RoleSchema),
    merchantId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    locale: Type.Optional(Type.Enum(['zh-CN', 'en'])),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'why, for the second person: a role change waits for their approval (four eyes)' })),
  },
  { additionalProperties: false },
);
export type UserPatch = Static<typeof UserPatch>;

export const PasswordReset = Type.Object({ password: Password }, { additionalProperties: false });

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  merchantId: Type.Union([Type.String(), Type.Null()]),
  locale: Type.String(),
  passwordChangedAt: Type.Union([Timestamp, Type.Null()]),
  lockedUntil: Type.Union([Timestamp, Type.Null()]),
  totpEnabled: Type.Boolean(),
  createdAt: Timestamp,
  disabledAt: Type.Union([Timestamp, Type.Null()]),
});

export const TokenInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scope: Type.Optional(Type.Enum(['full', 'read'])),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type TokenInput = Static<typeof TokenInput>;

export const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Type.String(),
  createdAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export const NewToken = Type.Object({ ...Token.properties, token: Type.String({ description: 'shown once' }) });
