// The dashboard's frame: who is signed in, the language, navigation, the live fleet stream, and which
// page the path shows.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, setCsrfToken, type Me } from './api.ts';
import { I18nProvider, initialLocale, LOCALES, makeI18n, useI18n, type Locale } from './i18n.tsx';
import { useFleet, type LiveState } from './live.ts';
import { SelectField } from './Field.tsx';
import { Link, RouterProvider, useRouter, useRouterState } from './router.tsx';
import { LoginPage } from './pages/Login.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { TerminalsPage } from './pages/Terminals.tsx';
import { TerminalPage } from './pages/Terminal.tsx';
import { MaintenancePage } from './pages/Maintenance.tsx';
import { IncidentsPage } from './pages/Incidents.tsx';
import { GuidesPage } from './pages/Guides.tsx';
import { WorkOrderPage, WorkOrdersPage } from './pages/WorkOrders.tsx';
import { PreventivePage } from './pages/Preventive.tsx';
import { SparesPage } from './pages/Spares.tsx';
import { CalendarPage } from './pages/Calendar.tsx';
import { ReportsPage } from './pages/Reports.tsx';
import { SettingsPage } from './pages/Settings.tsx';
import { UpdatesPage } from './pages/updates/Updates.tsx';
import { CampaignPage } from './pages/updates/Campaign.tsx';
import { StartCampaignPage } from './pages/updates/StartCampaign.tsx';
import { PackagePage } from './pages/updates/Package.tsx';
import { UploadPackagePage } from './pages/updates/UploadPackage.tsx';
import { ApprovalsPage } from './pages/Approvals.tsx';
import { EditBaselinePage, NewBaselinePage } from './pages/updates/BaselineForm.tsx';
import { BaselinePage } from './pages/updates/Baselines.tsx';
import { SuspiciousCasePage, SuspiciousCasesPage } from './pages/SuspiciousCases.tsx';
import { SitePage } from './pages/Site.tsx';
import { ConfigurationPage } from './pages/Configuration.tsx';
import { MerchantHomePage } from './pages/MerchantHome.tsx';
import { can } from './permissions.ts';

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
  const router = useRouterState();
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  useEffect(() => {
    api<Me>('GET', '/auth/me')
      .then((m) => { setCsrfToken(m.csrfToken); setMe(m); })
      .catch(() => setMe(null));
  }, []);
  const live = useFleet(!!me && !me.mustChangePassword);

  const signedIn = (m: Me) => { setCsrfToken(m.csrfToken); setMe(m); };
  const signOut = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    setCsrfToken(null);
    setMe(null);
  };

  return (
    <I18nProvider value={i18n}>
      <RouterProvider value={router}>
        <a className="skip" href="#main">{i18n.t('skipToContent')}</a>
        <Header me={me ?? null} live={live} onSignOut={signOut} />
        <main id="main" tabIndex={-1}>
          {me === undefined ? <p role="status">{i18n.t('loading')}</p>
            : me === null ? <LoginPage onSignedIn={signedIn} />
              : me.mustChangePassword ? <p role="alert">{i18n.t('passwordExpired')}</p>
                : <Pages me={me} live={live} />}
        </main>
      </RouterProvider>
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

function Pages({ me, live }: { me: Me; live: LiveState }) {
  const { path } = useRouter();
  const { t } = useI18n();
  const pathname = path.split('?')[0] ?? '/';
  const terminal = /^\/terminals\/([^/]+)$/.exec(pathname);
  if (pathname === '/') return <OverviewPage me={me} live={live} />;
  if (pathname === '/shop') return <MerchantHomePage me={me} />;
  if (pathname === '/terminals') return <TerminalsPage me={me} live={live} />;
  if (terminal) return <TerminalPage id={decodeURIComponent(terminal[1]!)} me={me} live={live} />;
  if (pathname === '/maintenance') return <MaintenancePage me={me} live={live} />;
  if (pathname === '/maintenance/calendar') return <CalendarPage me={me} live={live} />;
  if (pathname === '/reports') return <ReportsPage me={me} />;
  if (pathname === '/configuration') return <ConfigurationPage me={me} />;
  if (pathname === '/updates') return <UpdatesPage me={me} live={live} />;
  if (pathname === '/updates/campaigns/new') return <StartCampaignPage me={me} packageId={new URLSearchParams(path.split('?')[1] ?? '').get('package')} />;
  const campaign = /^\/updates\/campaigns\/([^/]+)$/.exec(pathname);
  if (campaign) return <CampaignPage key={campaign[1]} id={decodeURIComponent(campaign[1]!)} me={me} live={live} />;
  if (pathname === '/updates/packages/new') return <UploadPackagePage me={me} />;
  const pkg = /^\/updates\/packages\/([^/]+)$/.exec(pathname);
  if (pkg) return <PackagePage key={pkg[1]} id={decodeURIComponent(pkg[1]!)} me={me} />;
  if (pathname === '/updates/baselines/new') return <NewBaselinePage me={me} />;
  const editBaseline = /^\/updates\/baselines\/([^/]+)\/edit$/.exec(pathname);
  if (editBaseline) return <EditBaselinePage key={editBaseline[1]} id={decodeURIComponent(editBaseline[1]!)} me={me} />;
  const baseline = /^\/updates\/baselines\/([^/]+)$/.exec(pathname);
  if (baseline) return <BaselinePage key={baseline[1]} id={decodeURIComponent(baseline[1]!)} me={me} />;
  const settings = /^\/settings(?:\/([^/]+))?$/.exec(pathname);
  if (settings) return <SettingsPage me={me} section={settings[1]} />;
  if (pathname === '/approvals') return <ApprovalsPage />;
  if (pathname === '/incidents') return <IncidentsPage me={me} live={live} />;
  if (pathname === '/guides') return <GuidesPage />;
  if (pathname === '/suspicious-cases') return <SuspiciousCasesPage />;
  const suspiciousCase = /^\/suspicious-cases\/([^/]+)$/.exec(pathname);
  const sitePage = /^\/sites\/([^/]+)$/.exec(pathname);
  if (sitePage) return <SitePage key={sitePage[1]} id={decodeURIComponent(sitePage[1]!)} me={me} />;
  if (suspiciousCase) return <SuspiciousCasePage key={suspiciousCase[1]} id={decodeURIComponent(suspiciousCase[1]!)} me={me} />;
  if (pathname === '/preventive') return <PreventivePage me={me} />;
  if (pathname === '/work-orders') return <WorkOrdersPage me={me} />;
  if (pathname === '/spares') return <SparesPage me={me} />;
  const workOrder = /^\/work-orders\/([^/]+)$/.exec(pathname);
  if (workOrder) return <WorkOrderPage key={workOrder[1]} id={decodeURIComponent(workOrder[1]!)} me={me} />;
  return <p role="alert">{t('pageNotFound')}</p>;
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
