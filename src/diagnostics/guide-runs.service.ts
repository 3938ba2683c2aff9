// Guided troubleshooting: runs of a guide for an incident or terminal, every answer stored, the run
// ending in a resolution (which resolves the incident) or an escalation with the likely parts; and
// resolution rates per step and terminal model, so PosFleet learns which step fixes which fault.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField, notFound, refused } from '../shared/errors.ts';
import type { Emitter } from '../shared/events.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { GuideRunRow, GuideRunsRepository } from './guide-runs.repository.ts';
import type { GuideAnswerInput, GuideRunInput } from './diagnostics.schemas.ts';
import { answer, GUIDES, guideById, guideForRule, renderStep, type Guide } from './guides.ts';
import { nextInOrder } from './guide-learning.ts';
import type { RunOrder } from './guide-learning.service.ts';
import type { IncidentService } from './incidents.service.ts';

type Locale = 'zh-CN' | 'en';

/** What an escalated guide run hands on: the terminal, its incident, the answers given and the likely parts. */
export interface GuideEscalation {
  runId: string;
  guideId: string;
  terminalId: string;
  incidentId: string | null;
  answers: { stepId: string; outcome: string }[];
  parts: string[];
  by: string;
}

/** What guided troubleshooting tells whoever listens: a run ended in escalation (work orders listen). */
export type GuideRunEvents = {
  'guide.escalated': GuideEscalation;
};

export class GuideRunService {
  constructor(
    private readonly repo: GuideRunsRepository,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly incidents: IncidentService,
    private readonly events: Emitter<GuideRunEvents>,
    /** The learned order of a guide's steps on a model, with why (null: the guide's own order). */
    private readonly learned: (guideId: string, modelId: string) => Promise<RunOrder | null> = async () => null,
  ) {}

  guides(locale: Locale) {
    return GUIDES.map((g) => renderGuide(g, locale));
  }

  async start(input: GuideRunInput, scope: Scope, actor: string) {
    if (!input.incidentId && !input.terminalId) throw invalidField('incidentId', 'diagnostics.guide_subject_required');
    const incident = input.incidentId ? await this.incidents.visible(input.incidentId, scope) : undefined;
    const terminalId = input.terminalId ?? incident?.terminal_id;
    if (!terminalId) throw invalidField('terminalId', 'diagnostics.site_incident_guide');
    if (incident?.terminal_id && incident.terminal_id !== terminalId) throw invalidField('terminalId', 'diagnostics.guide_other_terminal');
    const terminal = await this.estate.getTerminal(terminalId, scope);
    const guide = input.guideId ? guideById(input.guideId) : incident ? guideForRule(incident.rule) : undefined;
    if (!guide) {
      throw input.guideId
        ? invalidField('guideId', 'diagnostics.unknown_guide', { guide: input.guideId, guides: GUIDES.map((g) => g.id).join(', ') })
        : invalidField('guideId', 'diagnostics.no_guide');
    }
    // The steps that fixed this model's terminals most come first (guide-learning.ts); the run keeps that order.
    const learned = await this.learned(guide.id, terminal.modelId);
    const row: GuideRunRow = {
      id: randomUUID(), guide_id: guide.id, incident_id: incident?.id ?? null, terminal_id: terminal.id, model_id: terminal.modelId,
      locale: input.locale ?? 'zh-CN', status: 'running', current_step: learned?.order[0] ?? guide.firstStep, ended_at_step: null, escalation_parts: null,
      started_by: actor, started_at: this.clock().toISOString(), ended_at: null, step_order: learned ? JSON.stringify(learned) : null,
    };
    await this.repo.insertRun(row);
    return this.view(row);
  }

  async get(id: string, scope: Scope) {
    return this.view(await this.visible(id, scope));
  }

  /** Records one answer; it must be to the run's current step and one of that step's outcomes. */
  async answer(id: string, input: GuideAnswerInput, scope: Scope, actor: string) {
    const run = await this.visible(id, scope);
    if (run.status !== 'running') throw refused('diagnostics.guide_run_ended', { status: run.status }, { field: 'status', retryable: false });
    if (input.stepId !== run.current_step) throw refused('diagnostics.guide_wrong_step', { current: run.current_step ?? '', step: input.stepId }, { field: 'stepId' });
    const guide = guideById(run.guide_id)!;
    const before = await this.repo.answersOf(id);
    const learned = parseJson<RunOrder | null>(run.step_order, null);
    const next = learned ? nextInOrder(guide, learned.order, before.map((a) => a.step_id), input.stepId, input.outcome) : answer(guide, input.stepId, input.outcome);
    if (!next) throw invalidField('outcome', 'diagnostics.guide_outcome_invalid', { outcomes: guide.steps[input.stepId]!.outcomes.map((o) => o.id).join(', ') });
    const at = this.clock().toISOString();
    const position = before.length;
    const change = 'step' in next
      ? { current_step: next.step }
      : { current_step: null, status: 'resolved' in next ? 'resolved' as const : 'escalated' as const, ended_at_step: input.stepId, ended_at: at, escalation_parts: 'escalate' in next ? JSON.stringify(next.parts) : null };
    const recorded = await this.repo.recordAnswer({ run_id: id, position, step_id: input.stepId, outcome: input.outcome, answered_by: actor, answered_at: at }, input.stepId, change);
    if (!recorded) throw refused('diagnostics.guide_moved_on', {}, { field: 'stepId' });
    if ('resolved' in next && run.incident_id) {
      await this.incidents.resolvedByGuide(run.incident_id, actor, `resolved with guide ${guide.id} at step ${input.stepId} (${input.outcome})`);
    }
    if ('escalate' in next) {
      const answers = (await this.repo.answersOf(id)).map((a) => ({ stepId: a.step_id, outcome: a.outcome }));
      await this.events.emit('guide.escalated', { runId: id, guideId: guide.id, terminalId: run.terminal_id, incidentId: run.incident_id, answers, parts: next.parts, by: actor });
    }
    return this.get(id, scope);
  }

  /** For each guide step and model: how often it was answered and how often that answer fixed the fault. */
  async resolutionRates(query: { guideId?: string | undefined; modelId?: string | undefined }, scope: Scope) {
    const facts = await this.repo.answerFacts(query.guideId, query.modelId, scope);
    const groups = new Map<string, { guideId: string; modelId: string; stepId: string; answered: number; resolvedHere: number; escalatedHere: number }>();
    for (const f of facts) {
      const key = `${f.guide_id}|${f.model_id}|${f.step_id}`;
      const g = groups.get(key) ?? { guideId: f.guide_id, modelId: f.model_id, stepId: f.step_id, answered: 0, resolvedHere: 0, escalatedHere: 0 };
      g.answered++;
      const ended = f.ended_at_step === f.step_id && guideById(f.guide_id) && answer(guideById(f.guide_id)!, f.step_id, f.outcome);
      if (ended && 'resolved' in ended && f.status === 'resolved') g.resolvedHere++;
      if (ended && 'escalate' in ended && f.status === 'escalated') g.escalatedHere++;
      groups.set(key, g);
    }
    const items = [...groups.values()].map((g) => ({ ...g, resolutionRate: g.answered ? Math.round((g.resolvedHere / g.answered) * 1000) / 1000 : 0 }));
    items.sort((a, b) => a.guideId.localeCompare(b.guideId) || a.modelId.localeCompare(b.modelId) || a.stepId.localeCompare(b.stepId));
    return { items };
  }

  private async visible(id: string, scope: Scope): Promise<GuideRunRow> {
    const run = await this.repo.findRun(id);
    if (!run) throw notFound('guide run', id);
    try {
      await this.estate.getTerminal(run.terminal_id, scope);
    } catch {
      throw notFound('guide run', id);
    }
    return run;
  }

  private async view(run: GuideRunRow) {
    const guide = guideById(run.guide_id)!;
    const locale = (run.locale === 'en' ? 'en' : 'zh-CN') as Locale;
    const answers = await this.repo.answersOf(run.id);
    const learned = parseJson<RunOrder | null>(run.step_order, null);
    return {
      id: run.id, guideId: guide.id, title: guide.title[locale], incidentId: run.incident_id, terminalId: run.terminal_id, locale,
      status: run.status,
      step: run.current_step ? renderStep(guide, run.current_step, locale) : null,
      escalation: run.status === 'escalated' ? { parts: parseJson<string[]>(run.escalation_parts, []), atStep: run.ended_at_step ?? '' } : null,
      answers: answers.map((a) => ({ stepId: a.step_id, outcome: a.outcome, answeredBy: a.answered_by, answeredAt: a.answered_at })),
      startedBy: run.started_by, startedAt: run.started_at, endedAt: run.ended_at,
      learnedOrder: learned ? { order: learned.order, reason: learned.reason[locale] } : null,
    };
  }
}

export function renderGuide(guide: Guide, locale: Locale) {
  return {
    id: guide.id, title: guide.title[locale], rules: [...guide.rules], firstStep: guide.firstStep,
    steps: Object.keys(guide.steps).map((id) => renderStep(guide, id, locale)),
  };
}
