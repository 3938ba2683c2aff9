// The overview's card of campaigns in progress (running, paused or halted), each linking to its page:
// from the live stream, or asked for every few seconds while the stream is down.
import { useCallback, useEffect, useState } from 'react';
import { api, type CampaignSummary, type Page } from '../../api.ts';
import { ErrorNote } from '../../App.tsx';
import { useI18n } from '../../i18n.tsx';
import type { LiveState } from '../../live.ts';
import { Link } from '../../router.tsx';
import { CampaignBadge, usePolling } from './shared.tsx';

const IN_PROGRESS = ['halted', 'running', 'paused'] as const;

export function CampaignsInProgress({ live }: { live: LiveState }) {
  const { t, date } = useI18n();
  const [polled, setPolled] = useState<CampaignSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const streamed = live.status === 'live' ? live.campaigns : null;
  const load = useCallback(() => {
    Promise.all(IN_PROGRESS.map((state) => api<Page<CampaignSummary>>('GET', `/campaigns?state=${state}&limit=20`)))
      .then((pages) => { setPolled(pages.flatMap((p) => p.items)); setError(null); })
      .catch((e: unknown) => setError(e));
  }, []);
  const streaming = streamed !== null;
  useEffect(() => { if (!streaming) load(); }, [streaming, load]);
  usePolling(load, 10_000, !streaming);
  const items = streamed ?? polled;
  return (
    <section className="card in-progress" aria-labelledby="in-progress-title">
      <h2 id="in-progress-title">{t('campaignsInProgress')}</h2>
      {error !== null ? <ErrorNote error={error} onRetry={load} /> : items === null ? <p role="status">{t('loading')}</p> : items.length === 0 ? <p>{t('noCampaignsInProgress')}</p> : (
        <ul className="plain campaigns-in-progress">
          {items.map((c) => (
            <li key={c.id} data-campaign={c.id}>
              <Link href={`/updates/campaigns/${c.id}`}>{c.name}</Link>{' '}
              <CampaignBadge state={c.state} />{' '}
              <span className="muted">{t('waveOf', { wave: Math.min(c.currentWave, c.waves), waves: c.waves })} · {date(c.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <p><Link href="/updates">{t('allUpdates')}</Link></p>
    </section>
  );
}
