// The troubleshooting guides: each guide's steps in its own order and, per terminal model, what it
// learned from the last 90 days' runs — the order new runs offer the steps in and why ("step 3 first:
// fixed 62 % of A920 card-slot faults in the last 90 days"), each step's fixes, and a step that never
// helped on that model, flagged to the guide's owner.
import type { Static } from 'typebox';
import type { GuideLearning, GuideView } from '../../../src/diagnostics/diagnostics.schemas.ts';
import { useApiGet } from '../query.ts';
import { ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';

type Guide = Static<typeof GuideView>;
type Learning = Static<typeof GuideLearning>;
type Learned = Learning['items'][number];

export function GuidesPage() {
  const { t, locale } = useI18n();
  const guideList = useApiGet<{ items: Guide[] }>(`/guides?locale=${locale}`);
  const learned = useApiGet<Learning>(`/guides/learning?locale=${locale}`);
  const guides = guideList.data?.items;
  const learning = learned.data;
  const error = guideList.error ?? learned.error;
  const load = () => { void guideList.refetch(); void learned.refetch(); };

  return (
    <section aria-labelledby="guides-title">
      <h1 id="guides-title">{t('gdTitle')}</h1>
      {learning && <p className="muted">{t('gdLead', { days: learning.windowDays, minRuns: learning.minRuns })}</p>}
      {error ? <ErrorNote error={error} onRetry={load} />
        : !guides || !learning ? <p role="status">{t('loading')}</p>
          : guides.map((g) => <GuideCard key={g.id} guide={g} learning={learning} learned={learning.items.filter((l) => l.guideId === g.id)} />)}
    </section>
  );
}

function GuideCard({ guide, learning, learned }: { guide: Guide; learning: Learning; learned: Learned[] }) {
  const { t } = useI18n();
  const titleId = `guide-${guide.id}`;
  return (
    <section className="card guide-card" aria-labelledby={titleId} data-guide={guide.id}>
      <h2 id={titleId}>{guide.title}</h2>
      <h3>{t('gdOwnOrder')}</h3>
      <ol>{guide.steps.map((s) => <li key={s.id}>{s.instruction}</li>)}</ol>
      <h3>{t('gdLearned')}</h3>
      {learned.length === 0 ? <p className="muted">{t('gdNothingLearned')}</p>
        : learned.map((l) => <ModelLearning key={l.modelId} learned={l} learning={learning} />)}
    </section>
  );
}

function ModelLearning({ learned, learning }: { learned: Learned; learning: Learning }) {
  const { t, date } = useI18n();
  const byId = new Map(learned.steps.map((s) => [s.stepId, s]));
  return (
    <article className="learned" aria-label={learned.modelName} data-model={learned.modelId}>
      <h4>{learned.modelName} <span className="muted">· {t('gdRuns', { runs: learned.runs, days: learning.windowDays })} · {t('gdLearnedAt', { time: date(learned.computedAt) })}</span></h4>
      <p className={learned.reordered ? 'note ok reason' : 'muted'}>
        {learned.reason ?? (learned.runs < learning.minRuns ? t('gdTooFewRuns', { minRuns: learning.minRuns }) : t('gdKeptOrder'))}
      </p>
      <ol aria-label={`${t('gdOrderNow')}: ${learned.modelName}`}>
        {learned.order.map((stepId) => {
          const s = byId.get(stepId);
          if (!s) return null;
          return (
            <li key={stepId} data-step={stepId} data-flagged={s.flagged || undefined}>
              <strong>{t('gdStepN', { n: s.position })}</strong> {s.instruction}
              <div className="muted">{t('gdFixed', { percent: Math.round(s.fixedShare * 100), fixed: s.fixed, runs: learned.runs, tried: s.tried })}</div>
              {s.flagged && <div className="note error">{t('gdFlagged', { model: learned.modelName, tried: s.tried, owner: learned.owner })}</div>}
            </li>
          );
        })}
      </ol>
    </article>
  );
}
