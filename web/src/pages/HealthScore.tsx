// The fleet health score (0–100) of a terminal, site, merchant or everything the user sees, with the
// open incidents that lower it; and each terminal's score for lists of incidents.
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';

export interface HealthScore {
  subject: { kind: 'terminal' | 'site' | 'merchant' | 'fleet'; id: string | null };
  score: number;
  terminals: number;
  contributions: { incidentId: string; rule: string; title: { 'zh-CN': string; en: string }; severity: string; terminalId: string | null; points: number; impact: number }[];
}

/** good (≥ 90), fair (≥ 70) or poor: the colour of a score. */
export const scoreBand = (score: number) => (score >= 90 ? 'good' : score >= 70 ? 'fair' : 'poor');

const BAND_COLOUR = { good: 'var(--ok)', fair: 'var(--warn)', poor: 'var(--bad)' } as const;

export function ScoreBadge({ score }: { score: number }) {
  const { t } = useI18n();
  const band = scoreBand(score);
  // Styled here rather than in styles.css: the badge is this module's only look.
  return (
    <span className={`sev score score-${band}`} style={{ background: BAND_COLOUR[band] }} title={`${t('healthScore')}: ${t('healthScoreHelp')}`} data-score={score}>
      {score}
    </span>
  );
}

/** The score of one subject ("terminalId=…", "siteId=…", or "" for everything in scope), explained. */
export function HealthScoreCard({ query, what, reload }: { query: string; what: string; reload?: string }) {
  const { t, tk, locale } = useI18n();
  const [score, setScore] = useState<HealthScore | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<HealthScore>('GET', `/health-score${query ? `?${query}` : ''}`).then((s) => { setScore(s); setError(null); }).catch((e: unknown) => setError(e));
  }, [query, reload]);
  return (
    <section className="card health-score" aria-labelledby="health-score-title">
      <h2 id="health-score-title">{t('healthScoreOf', { what })} {score && <ScoreBadge score={score.score} />}</h2>
      <p className="muted">{t('healthScoreHelp')}</p>
      {error !== null ? <ErrorNote error={error} />
        : score === null ? <p role="status">{t('loading')}</p>
          : score.contributions.length === 0 ? <p>{t('healthNoIncidents')}</p> : (
            <div className="table-wrap"><table>
              <thead><tr><th scope="col">{t('severity')}</th><th scope="col">{t('rule')}</th><th scope="col">{t('healthPoints')}</th><th scope="col">{t('healthImpact')}</th></tr></thead>
              <tbody>
                {score.contributions.map((c) => (
                  <tr key={c.incidentId}>
                    <td><span className={`sev sev-${c.severity}`}>{tk('sev', c.severity)}</span></td>
                    <td>{c.title[locale] || c.rule}</td>
                    <td>{c.points}</td>
                    <td>{c.impact}</td>
                  </tr>
                ))}
              </tbody>
            </table></div>
          )}
    </section>
  );
}

/** Each terminal's score below 100 (the rest score 100), for a list of incidents. */
export function useTerminalScores(reload: unknown): Map<string, number> {
  const [scores, setScores] = useState(new Map<string, number>());
  useEffect(() => {
    api<{ items: { terminalId: string; score: number }[] }>('GET', '/health-scores/terminals?limit=1000')
      .then((r) => setScores(new Map(r.items.map((i) => [i.terminalId, i.score]))))
      .catch(() => setScores(new Map())); // a missing column is no reason to hide the incidents
  }, [reload]);
  return scores;
}
