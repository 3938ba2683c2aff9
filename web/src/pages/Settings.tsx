// Settings: preventive-maintenance templates, diagnostic rule thresholds per terminal model, maintenance
// windows, notification channels, and users with their roles — each section offered only to roles that
// may see it, with its changes only to roles that may make them (the server checks both again).
import type { Me } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { can, type Permission } from '../permissions.ts';
import { Link } from '../router.tsx';
import { ChannelsSettings } from './settings/Channels.tsx';
import { RulesSettings } from './settings/Rules.tsx';
import { TemplatesSettings } from './settings/Templates.tsx';
import { UsersSettings } from './settings/Users.tsx';
import { WindowsSettings } from './settings/Windows.tsx';
import { SecuritySettings } from './settings/Security.tsx';

export const SECTIONS: readonly { id: string; label: MessageKey; needs: Permission }[] = [
  { id: 'templates', label: 'templates', needs: 'workorders:read' },
  { id: 'rules', label: 'rules', needs: 'estate:read' },
  { id: 'windows', label: 'windows', needs: 'estate:read' },
  { id: 'security', label: 'secSettings', needs: 'estate:read' },
  { id: 'channels', label: 'channels', needs: 'notifications:write' },
  { id: 'users', label: 'usersAndRoles', needs: 'users:manage' },
];

export const settingsFor = (me: Me) => SECTIONS.filter((s) => can(me, s.needs));

export function SettingsPage({ me, section }: { me: Me; section: string | undefined }) {
  const { t } = useI18n();
  const allowed = settingsFor(me);
  const current = allowed.find((s) => s.id === section) ?? allowed[0];
  if (!current) return <p role="alert">{t('forbidden')}</p>;
  return (
    <section aria-labelledby="settings-title" className="settings">
      <h1 id="settings-title">{t('settings')}</h1>
      <nav className="subnav tabs" aria-label={t('settingsSections')}>
        {allowed.map((s) => (
          <Link key={s.id} href={`/settings/${s.id}`} aria-current={s.id === current.id ? 'page' : undefined}>{t(s.label)}</Link>
        ))}
      </nav>
      {section && section !== current.id && <p className="note" role="alert">{t('forbidden')}</p>}
      {current.id === 'templates' && <TemplatesSettings me={me} />}
      {current.id === 'rules' && <RulesSettings me={me} />}
      {current.id === 'windows' && <WindowsSettings me={me} />}
      {current.id === 'security' && <SecuritySettings me={me} />}
      {current.id === 'channels' && <ChannelsSettings />}
      {current.id === 'users' && <UsersSettings me={me} />}
    </section>
  );
}
