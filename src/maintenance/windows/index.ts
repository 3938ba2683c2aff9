// Maintenance windows that keep merchants trading: the pure rules (no I/O) that the maintenance service
// and routes wire in — window definitions, suggested windows, expected durations, the continuity rule
// and spreading a window's jobs over the fleet.
export {
  type WindowDef, type OnceWindow, type RRuleWindow, type CronWindow, type Occurrence, type WindowProblem,
  WindowDefinitionError, MAX_DURATION_MINUTES, MAX_OCCURRENCES, MAX_RANGE_DAYS,
} from './window-definition.ts';
export { type StartCheck, OccurrenceLimitError, validateWindow, occurrences, windowAt, nextOccurrence, canStartWithin } from './window-schedule.ts';
export { type TargetWindow, type WindowConflict, conflicts } from './window-conflicts.ts';
export {
  type OpeningHours, type Weekday, type Transaction, type AggregatedHistory, type WeeklyProfile, type Preference,
  type SuggestWindowInput, type SuggestedWindow, type Suggestion,
  WEEKDAYS, weeklyProfile, suggestWindow, expectedLossOf,
} from './suggest-window.ts';
export {
  type DurationFigures, type DurationSample, type DurationBasis, type KindEstimate, type DurationEstimate, type DurationTable,
  DEFAULT_DURATIONS, buildDurationTable, expectedDuration, percentile,
} from './expected-duration.ts';
export {
  type TerminalStatus, type SiteTerminal, type CandidateJob, type ContinuityPolicy, type HoldReason, type JobDecision,
  DEFAULT_CONTINUITY, decideStarts, siteCapacity,
} from './continuity.ts';
export {
  type SpreadJob, type SpreadOptions, type SpreadAssignment, type NotFittingReason, type NotFitting, type SpreadPlan,
  spreadStarts,
} from './spread.ts';
export { seededRandom } from '../../shared/prng.ts';
export { fromWall, toWall, formatLocal, isTimeZone } from './time-zone.ts';
