// The deployment hint: which software update is a terminal's and whether it may install it now. The
// heartbeat answer carries it (src/device), rollouts compute it (src/rollouts), the hawkBit DDI poll reads
// it (src/ddi) and the SDK acts on it (src/sdk/updates.ts): one definition here, since those folders may
// not import each other both ways.
import { Type, type Static } from 'typebox';

/** One terminal's part in a campaign (an action): its states. How feedback moves them: src/rollouts/action-states.ts. */
export const ACTION_STATES = [
  'queued', // its wave has not started
  'scheduled', // a maintenance job is planned in the terminal's window
  'downloading', 'downloaded', // staged ahead of the window
  'installing', 'installed', // inside the window; installed waits for the job's verification
  'succeeded', 'failed', 'skipped', 'cancelled',
] as const;
export type ActionState = (typeof ACTION_STATES)[number];

export const DeploymentHint = Type.Object({
  actionId: Type.Integer(),
  state: Type.Enum(ACTION_STATES),
  installAllowed: Type.Boolean({ description: 'its maintenance job has the terminal out of service: install now' }),
});
export type DeploymentHint = Static<typeof DeploymentHint>;
