// HTTP shapes of the group action over maintenance jobs (job-groups.ts).
import { Type, type Static } from 'typebox';
import { JOB_STATES } from '../shared/job-states.ts';

export const GroupActionInput = Type.Object({
  action: Type.Enum(['finish', 'extend', 'abort'], { description: 'finish: back in service (a job not started yet is withdrawn); extend: by `minutes`; abort: cancel' }),
  jobIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500, uniqueItems: true, description: 'the group: e.g. a site\'s open jobs; send a larger group in parts' }),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60, description: 'required for extend' })),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
}, { additionalProperties: false });
export type GroupActionInput = Static<typeof GroupActionInput>;

export const GroupActionResult = Type.Object({
  items: Type.Array(Type.Object({
    jobId: Type.String(),
    terminalId: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.Enum(['completed', 'withdrawn', 'aborted', 'extended', 'already_ended', 'not_possible', 'not_found']),
    state: Type.Union([Type.Enum(JOB_STATES), Type.Null()]),
  })),
});
