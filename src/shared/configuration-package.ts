// How a configuration campaign appears to the campaign engine: campaigns deliver packages, so a
// configuration change is delivered as two stand-in package rows (the change, and the configuration
// before it, which a rollback delivers). Their ids say what they are: no file to download, no signature.
// Shared by rollouts (which creates and hides them) and configuration (which delivers them).

/** The publisher key the stand-in rows name (packages need one); it signs nothing. */
export const CONFIGURATION_KEY_ID = 'posfleet-configuration';
export const CONFIGURATION_PACKAGE_KIND = 'configuration';
export const CONFIGURATION_PACKAGE_NAME = 'posfleet.configuration';

const PREFIX = 'config-change:';
const BEFORE = ':before';

/** The stand-in package of a change (`before`: the configuration a rollback gives back). */
export function configurationPackageId(changeId: string, before = false): string {
  return `${PREFIX}${changeId}${before ? BEFORE : ''}`;
}

/** The change a stand-in package delivers, and which way; undefined for a real package. */
export function configurationPackageOf(packageId: string): { changeId: string; before: boolean } | undefined {
  if (!packageId.startsWith(PREFIX)) return undefined;
  const rest = packageId.slice(PREFIX.length);
  return rest.endsWith(BEFORE) ? { changeId: rest.slice(0, -BEFORE.length), before: true } : { changeId: rest, before: false };
}
