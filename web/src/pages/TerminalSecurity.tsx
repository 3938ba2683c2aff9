// A terminal's security on its page: where it was last seen (distance from its site's geofence, cell,
// Wi-Fi, the address the server saw, a relocation episode and its case), its usual networks, its
// hardware fingerprint, its key slots against the acquirer's key policy, and the site's geofence,
// which those who may change the estate edit here.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Static } from 'typebox';
import { api, type Me } from '../api.ts';
import { ErrorNote } from '../App.tsx';
import { useI18n } from '../i18n.tsx';
import { can } from '../permissions.ts';
import { Link } from '../router.tsx';
import type { GeofenceView, TerminalSecurityView } from '../../../src/security/security.schemas.ts';

type View = Static<typeof TerminalSecurityView>;
type Fence = Static<typeof GeofenceView>['geofence'];

export function TerminalSecurity({ terminalId, siteId, me, reload }: { terminalId: string; siteId: string | null; me: Me; reload: string }) {
  const { t, tk, date } = useI18n();
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setView(await api<View>('GET', `/terminals/${encodeURIComponent(terminalId)}/security`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [terminalId]);
  useEffect(() => { void load(); }, [load, reload]);
  if (error) return <section aria-labelledby="security-title"><h2 id="security-title">{t('secTitle')}</h2><ErrorNote error={error} onRetry={() => void load()} /></section>;
  if (!view) return null;
  const loc = view.location;
  const km = (m: number) => (Math.round(m / 100) / 10).toString();
  const fenceState = !view.geofence ? t('secNoFence') : loc?.distanceM == null ? '' : loc.distanceM > view.geofence.radiusM ? t('secOutsideFence') : t('secInsideFence');

  return (
    <section aria-labelledby="security-title" className="security">
      <h2 id="security-title">{t('secTitle')}</h2>
      <div className="grid">
        <section className="card" aria-labelledby="sec-location-title">
          <h3 id="sec-location-title">{t('secLocation')}</h3>
          {!loc ? <p>{t('secNoLocation')}</p> : (
            <dl className="facts">
              <dt>{t('secSeenAt')}</dt><dd>{date(loc.seenAt)}</dd>
              {loc.latitude != null && loc.longitude != null && (
                <><dt>{t('secCoordinates')}</dt><dd>{loc.latitude.toFixed(4)}, {loc.longitude.toFixed(4)}{loc.accuracyM != null && <> ({t('secAccuracy', { metres: Math.round(loc.accuracyM) })})</>}</dd></>
              )}
              <dt>{t('secDistance')}</dt><dd data-fence={fenceState}>{loc.distanceM != null ? `${t('secDistanceValue', { km: km(loc.distanceM) })} · ` : ''}{fenceState}</dd>
              {loc.cellId && <><dt>{t('secCell')}</dt><dd>{loc.cellId}</dd></>}
              {loc.bssid && <><dt>{t('secBssid')}</dt><dd>{loc.bssid}</dd></>}
              {loc.sourceAddress && <><dt>{t('secSourceAddress')}</dt><dd>{loc.sourceAddress}</dd></>}
              {loc.suspectSince && <><dt>{t('secSuspectSince')}</dt><dd className="warn">{date(loc.suspectSince)}</dd></>}
              {loc.caseId && <><dt>{t('secCase')}</dt><dd><Link href={`/suspicious-cases?terminalId=${encodeURIComponent(terminalId)}`}>{loc.caseId.slice(0, 8)}</Link></dd></>}
            </dl>
          )}
          <h3>{t('secNetworks')}</h3>
          {view.networks.length === 0 ? <p>{t('secNoNetworks')}</p> : (
            <ul className="plain">{view.networks.map((n) => <li key={`${n.kind} ${n.value}`}>{tk('secNetworkKind', n.kind)}: <code>{n.value}</code></li>)}</ul>
          )}
        </section>
        <section className="card" aria-labelledby="sec-fingerprint-title">
          <h3 id="sec-fingerprint-title">{t('secFingerprint')}</h3>
          <p data-fingerprint={view.fingerprint.status}>{tk('secFingerprint', view.fingerprint.status)}</p>
          {view.fingerprint.status === 'bound' && (
            <dl className="facts">
              <dt>{t('secSerial')}</dt><dd>{view.fingerprint.serial}</dd>
              <dt>{t('secPinPadSerial')}</dt><dd>{view.fingerprint.pinPadSerial}</dd>
              <dt>{t('secSecureProcessor')}</dt><dd>{view.fingerprint.secureProcessorId}</dd>
            </dl>
          )}
          {siteId && <GeofenceEditor siteId={siteId} fence={view.geofence} editable={can(me, 'estate:write')} onSaved={() => void load()} />}
        </section>
      </div>
      <h3>{t('secKeys')}</h3>
      <p className="muted">{t('secKeysHint')} {view.acquirer && <>{t('secAcquirer')}: <strong>{view.acquirer}</strong></>}</p>
      {view.keySlots.length === 0 ? <p>{t('secNoKeys')}</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr>
              <th scope="col">{t('secSlot')}</th><th scope="col">{t('secKeyType')}</th><th scope="col">{t('secKcv')}</th>
              <th scope="col">{t('secBdk')}</th><th scope="col">{t('secLoaded')}</th><th scope="col">{t('secExpires')}</th>
            </tr></thead>
            <tbody>
              {view.keySlots.map((s) => (
                <tr key={s.slot} data-slot={s.slot}>
                  <td>{s.slot}</td><td>{s.type}</td><td><code>{s.kcv ?? s.ksnPrefix ?? ''}</code></td><td>{s.bdkId ?? ''}</td>
                  <td>{s.loadedAt ? date(s.loadedAt) : ''}</td><td>{s.expiresAt ? date(s.expiresAt) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {view.keySlots.length > 0 && (
        <>
          <h3>{t('secProblems')}</h3>
          {view.keyProblems.length === 0 ? <p>{t('secNoProblems')}</p> : (
            <ul className="key-problems">
              {view.keyProblems.map((p) => (
                <li key={`${p.rule} ${p.keyType}`} data-problem={p.rule} className={p.rule === 'key_expiring' ? 'warn' : 'bad'}>
                  {t(`secProblem_${p.rule}`, { type: p.keyType, slot: p.slot ?? '' })} — {t('secDeadline', { date: date(p.deadline) })}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function GeofenceEditor({ siteId, fence, editable, onSaved }: { siteId: string; fence: Fence; editable: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [radius, setRadius] = useState(String(fence?.radiusM ?? 300));
  const [lat, setLat] = useState(fence ? String(fence.latitude) : '');
  const [lon, setLon] = useState(fence ? String(fence.longitude) : '');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const path = `/sites/${encodeURIComponent(siteId)}/geofence`;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('PUT', path, { radiusM: Number(radius), ...(lat.trim() && { latitude: Number(lat) }), ...(lon.trim() && { longitude: Number(lon) }) });
      setNote(t('secGeofenceSaved'));
      setError(null);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    try {
      await api('DELETE', path);
      setNote(t('secGeofenceRemoved'));
      setError(null);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="geofence">
      <h3>{t('secGeofence')}</h3>
      <p data-geofence={fence ? 'set' : 'none'}>{fence ? t('secGeofenceValue', { radius: fence.radiusM, lat: fence.latitude.toFixed(4), lon: fence.longitude.toFixed(4) }) : t('secGeofenceNone')}</p>
      {error ? <ErrorNote error={error} /> : null}
      {note && <p role="status">{note}</p>}
      {editable && (
        <form onSubmit={(e) => void save(e)} className="filters">
          <label>{t('secGeofenceRadius')} <input name="radiusM" type="number" min={50} max={100000} required value={radius} onChange={(e) => setRadius(e.target.value)} /></label>
          <label>{t('secGeofenceLat')} <input name="latitude" type="number" step="any" min={-90} max={90} value={lat} onChange={(e) => setLat(e.target.value)} /></label>
          <label>{t('secGeofenceLon')} <input name="longitude" type="number" step="any" min={-180} max={180} value={lon} onChange={(e) => setLon(e.target.value)} /></label>
          <button type="submit">{t('secGeofenceSave')}</button>
          {fence && <button type="button" onClick={() => void remove()}>{t('secGeofenceRemove')}</button>}
        </form>
      )}
    </div>
  );
}
