// The dashboard's frame: who is signed in, the language, navigation, the live fleet stream, and which
// page the path shows.
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, setCsrfToken, type Me } from './api.ts';
import { I18nProvider, initialLocale, LOCALES, makeI18n, useI18n, type Locale } from './i18n.tsx';
import { useFleet, type LiveState } from './live.ts';
import { SelectField } from './Field.tsx';
import { Link, useRouter } from './router.tsx';
import { Route, Switch, useSearch } from 'wouter';
import { LoginPage } from './pages/Login.tsx';
import { can } from './permissions.ts';
import { queryClient } from './query.ts';

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = (l: Locale) => {
    localStorage.setItem('posfleet.locale', l);
    setLocaleState(l);
  };
  const i18n = useMemo(() => makeI18n(locale, setLocale), [locale]);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t('appName');
  }, [locale, i18n]);
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  useEffect(() => {
    api<Me>('GET', '/auth/me')
      .then((m) => { setCsrfToken(m.csrfToken); setMe(m); })
      .catch(() => setMe(null));
  }, []);
  const live = useFleet(!!me && !me.mustChangePassword);

  // The cache holds what the last person was allowed to read: nobody signing in after them sees it.
  const signedIn = (m: Me) => { queryClient.clear(); setCsrfToken(m.csrfToken); setMe(m); };
  const signOut = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    queryClient.clear();
    setCsrfToken(null);
    setMe(null);
  };

  return (
    <I18nProvider value={i18n}>
      <a className="skip" href="#main">{i18n.t('skipToContent')}</a>
      <Header me={me ?? null} live={live} onSignOut={signOut} />
      <main id="main" tabIndex={-1}>
        {me === undefined ? <p role="status">{i18n.t('loading')}</p>
          : me === null ? <LoginPage onSignedIn={signedIn} />
            : me.mustChangePassword ? <p role="alert">{i18n.t('passwordExpired')}</p>
              : <Pages me={me} live={live} />}
      </main>
    </I18nProvider>
  );
}

/**
 * The top bar. On a desk it shows the whole navigation; on a phone (up to 640 px, styles.css) one line —
 * the name, the live state and a menu button — whose menu holds the navigation, the language and
 * signing out. The menu closes on navigation, on a change of language, on Escape (focus back on its
 * button) and on a second press.
 */
function Header({ me, live, onSignOut }: { me: Me | null; live: LiveState; onSignOut(): void }) {
  const { t, tk, locale, setLocale } = useI18n();
  const { path } = useRouter();
  const pathname = path.split('?')[0] ?? '/';
  const current = (prefix: string) => (pathname === prefix || pathname.startsWith(`${prefix}/`) ? 'page' : undefined);
  const [open, setOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  const language = (
    <SelectField className="lang" label={t('language')} value={locale} onChange={(e) => { setLocale(e.target.value as Locale); setOpen(false); }}>
      {LOCALES.map((l) => <option key={l} value={l} lang={l}>{l === 'zh-CN' ? '简体中文' : 'English'}</option>)}
    </SelectField>
  );
  return (
    <header className={`top${open ? ' menu-open' : ''}`}>
      <div className="brand">{t('appName')}</div>
      {me && <span className={`live live-${live.status}`} role="status">{live.status === 'live' ? t('live') : t('liveConnecting')}</span>}
      {me ? (
        <nav aria-label={t('mainNav')}>
          <button ref={menuButton} type="button" className="menu-button" aria-expanded={open} aria-controls="main-menu" onClick={() => setOpen((o) => !o)}>
            <span aria-hidden="true" className="menu-icon" />{t('menu')}
          </button>
          {/* A click on a link closes the menu even when it leads to the page already shown. */}
          <div id="main-menu" className="menu" onClick={(e) => { if ((e.target as HTMLElement).closest('a')) setOpen(false); }}>
            <div className="links">
              {me.role === 'merchant' && <Link href="/shop" aria-current={current('/shop')}>{t('mvNav')}</Link>}
              <Link href="/" aria-current={path === '/' ? 'page' : undefined}>{t('overview')}</Link>
              <Link href="/terminals" aria-current={current('/terminals')}>{t('terminals')}</Link>
              <Link href="/maintenance" aria-current={pathname === '/maintenance' ? 'page' : undefined}>{t('maintenance')}</Link>
              <Link href="/maintenance/calendar" aria-current={current('/maintenance/calendar')}>{t('calendarNav')}</Link>
              {can(me, 'rollouts:read') && <Link href="/updates" aria-current={current('/updates')}>{t('updates')}</Link>}
              <Link href="/incidents" aria-current={current('/incidents')}>{t('incidents')}</Link>
              {can(me, 'workorders:read') && <Link href="/preventive" aria-current={current('/preventive')}>{t('preventive')}</Link>}
              <Link href="/work-orders" aria-current={current('/work-orders')}>{t('workOrders')}</Link>
              {can(me, 'workorders:read') && <Link href="/spares" aria-current={current('/spares')}>{t('sparesNav')}</Link>}
              {can(me, 'configuration:read') && <Link href="/configuration" aria-current={current('/configuration')}>{t('cfgNav')}</Link>}
              <Link href="/reports" aria-current={current('/reports')}>{t('reports')}</Link>
              <Link href="/approvals" aria-current={current('/approvals')}>{t('apNav')}</Link>
              <Link href="/settings" aria-current={current('/settings')}>{t('settings')}</Link>
            </div>
            <div className="tools">
              {language}
              <span className="who">{t('signedInAs', { name: me.name, role: tk('role', me.role) })}</span>
              <button type="button" onClick={onSignOut}>{t('signOut')}</button>
            </div>
          </div>
        </nav>
      ) : <div className="tools">{language}</div>}
    </header>
  );
}

// Each page's code is loaded when it is first shown: a page is a chunk of its own, so a phone on a shop's
// Wi-Fi fetches the frame and the page it opens, not the whole console (README, "Dashboard libraries").
const OverviewPage = lazy(() => import('./pages/Overview.tsx').then((m) => ({ default: m.OverviewPage })));
const MerchantHomePage = lazy(() => import('./pages/MerchantHome.tsx').then((m) => ({ default: m.MerchantHomePage })));
const TerminalsPage = lazy(() => import('./pages/Terminals.tsx').then((m) => ({ default: m.TerminalsPage })));
const TerminalPage = lazy(() => import('./pages/Terminal.tsx').then((m) => ({ default: m.TerminalPage })));
const MaintenancePage = lazy(() => import('./pages/Maintenance.tsx').then((m) => ({ default: m.MaintenancePage })));
const CalendarPage = lazy(() => import('./pages/Calendar.tsx').then((m) => ({ default: m.CalendarPage })));
const ReportsPage = lazy(() => import('./pages/Reports.tsx').then((m) => ({ default: m.ReportsPage })));
const ConfigurationPage = lazy(() => import('./pages/Configuration.tsx').then((m) => ({ default: m.ConfigurationPage })));
const UpdatesPage = lazy(() => import('./pages/updates/Updates.tsx').then((m) => ({ default: m.UpdatesPage })));
const StartCampaignPage = lazy(() => import('./pages/updates/StartCampaign.tsx').then((m) => ({ default: m.StartCampaignPage })));
const CampaignPage = lazy(() => import('./pages/updates/Campaign.tsx').then((m) => ({ default: m.CampaignPage })));
const UploadPackagePage = lazy(() => import('./pages/updates/UploadPackage.tsx').then((m) => ({ default: m.UploadPackagePage })));
const PackagePage = lazy(() => import('./pages/updates/Package.tsx').then((m) => ({ default: m.PackagePage })));
const NewBaselinePage = lazy(() => import('./pages/updates/BaselineForm.tsx').then((m) => ({ default: m.NewBaselinePage })));
const EditBaselinePage = lazy(() => import('./pages/updates/BaselineForm.tsx').then((m) => ({ default: m.EditBaselinePage })));
const BaselinePage = lazy(() => import('./pages/updates/Baselines.tsx').then((m) => ({ default: m.BaselinePage })));
const SettingsPage = lazy(() => import('./pages/Settings.tsx').then((m) => ({ default: m.SettingsPage })));
const ApprovalsPage = lazy(() => import('./pages/Approvals.tsx').then((m) => ({ default: m.ApprovalsPage })));
const IncidentsPage = lazy(() => import('./pages/Incidents.tsx').then((m) => ({ default: m.IncidentsPage })));
const GuidesPage = lazy(() => import('./pages/Guides.tsx').then((m) => ({ default: m.GuidesPage })));
const SuspiciousCasesPage = lazy(() => import('./pages/SuspiciousCases.tsx').then((m) => ({ default: m.SuspiciousCasesPage })));
const SuspiciousCasePage = lazy(() => import('./pages/SuspiciousCases.tsx').then((m) => ({ default: m.SuspiciousCasePage })));
const SitePage = lazy(() => import('./pages/Site.tsx').then((m) => ({ default: m.SitePage })));
const PreventivePage = lazy(() => import('./pages/Preventive.tsx').then((m) => ({ default: m.PreventivePage })));
const WorkOrdersPage = lazy(() => import('./pages/WorkOrders.tsx').then((m) => ({ default: m.WorkOrdersPage })));
const WorkOrderPage = lazy(() => import('./pages/WorkOrders.tsx').then((m) => ({ default: m.WorkOrderPage })));
const SparesPage = lazy(() => import('./pages/Spares.tsx').then((m) => ({ default: m.SparesPage })));

/** A path's id segment as the page wants it (links encode ids). */
const id = (params: { id?: string }) => decodeURIComponent(params.id ?? '');

function Pages({ me, live }: { me: Me; live: LiveState }) {
  const { t } = useI18n();
  const search = useSearch();
  return (
    <Suspense fallback={<p role="status" className="page-loading">{t('loading')}</p>}>
      <Switch>
        <Route path="/"><OverviewPage me={me} live={live} /></Route>
        <Route path="/shop"><MerchantHomePage me={me} /></Route>
        <Route path="/terminals"><TerminalsPage me={me} live={live} /></Route>
        <Route path="/terminals/:id">{(p) => <TerminalPage id={id(p)} me={me} live={live} />}</Route>
        <Route path="/maintenance"><MaintenancePage me={me} live={live} /></Route>
        <Route path="/maintenance/calendar"><CalendarPage me={me} live={live} /></Route>
        <Route path="/reports"><ReportsPage me={me} /></Route>
        <Route path="/configuration"><ConfigurationPage me={me} /></Route>
        <Route path="/updates"><UpdatesPage me={me} live={live} /></Route>
        <Route path="/updates/campaigns/new"><StartCampaignPage me={me} packageId={new URLSearchParams(search).get('package')} /></Route>
        <Route path="/updates/campaigns/:id">{(p) => <CampaignPage key={p.id} id={id(p)} me={me} live={live} />}</Route>
        <Route path="/updates/packages/new"><UploadPackagePage me={me} /></Route>
        <Route path="/updates/packages/:id">{(p) => <PackagePage key={p.id} id={id(p)} me={me} />}</Route>
        <Route path="/updates/baselines/new"><NewBaselinePage me={me} /></Route>
        <Route path="/updates/baselines/:id/edit">{(p) => <EditBaselinePage key={p.id} id={id(p)} me={me} />}</Route>
        <Route path="/updates/baselines/:id">{(p) => <BaselinePage key={p.id} id={id(p)} me={me} />}</Route>
        <Route path="/settings"><SettingsPage me={me} section={undefined} /></Route>
        <Route path="/settings/:section">{(p) => <SettingsPage me={me} section={p.section} />}</Route>
        <Route path="/approvals"><ApprovalsPage /></Route>
        <Route path="/incidents"><IncidentsPage me={me} live={live} /></Route>
        <Route path="/guides"><GuidesPage /></Route>
        <Route path="/suspicious-cases"><SuspiciousCasesPage /></Route>
        <Route path="/suspicious-cases/:id">{(p) => <SuspiciousCasePage key={p.id} id={id(p)} me={me} />}</Route>
        <Route path="/sites/:id">{(p) => <SitePage key={p.id} id={id(p)} me={me} />}</Route>
        <Route path="/preventive"><PreventivePage me={me} /></Route>
        <Route path="/work-orders"><WorkOrdersPage me={me} /></Route>
        <Route path="/spares"><SparesPage me={me} /></Route>
        <Route path="/work-orders/:id">{(p) => <WorkOrderPage key={p.id} id={id(p)} me={me} />}</Route>
        <Route><p role="alert">{t('pageNotFound')}</p></Route>
      </Switch>
    </Suspense>
  );
}

/** A failed load, said in the user's language: 404 and 403 are expected answers, not crashes. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const status = error instanceof ApiError ? error.status : 0;
  const text = status === 404 ? t('notFound') : status === 403 ? t('forbidden') : t('error', { message: error instanceof Error ? error.message : String(error) });
  return (
    <div className="note error" role="alert">
      {text} {onRetry && status !== 404 && status !== 403 && <button type="button" onClick={onRetry}>{t('retry')}</button>}
    </div>
  );
}

/** A refused change: 403 says the role may only look, 409 (and other refusals) give the server's reason. */
export function ActionError({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!(error instanceof ApiError) || error.status >= 500 || error.status === 404) return <ErrorNote error={error} />;
  return <div className="note error" role="alert">{error.status === 403 ? t('noPermission') : t('refused', { message: error.message })}</div>;
}

export const canMaintain = (me: Me) => me.role === 'admin' || me.role === 'operator';
