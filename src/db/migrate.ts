// Brings a database's schema up to date with Kysely's migrator. Migrations are listed here in order,
// so they are bundled with the code rather than discovered from the file system at run time.
import { Migrator, type Migration } from 'kysely';
import type { Db } from './database.ts';
import * as foundation from './migrations/0001_foundation.ts';
import * as accessAudit from './migrations/0002_access_audit.ts';
import * as compliance from './migrations/0003_compliance.ts';
import * as maintenance from './migrations/0004_maintenance.ts';
import * as notifications from './migrations/0005_notifications.ts';
import * as windows from './migrations/0006_windows.ts';
import * as diagnostics from './migrations/0007_diagnostics.ts';
import * as preventive from './migrations/0008_preventive.ts';
import * as rollouts from './migrations/0009_rollouts.ts';
import * as workOrderPhotos from './migrations/0010_work_order_photos.ts';
import * as lockLiftReason from './migrations/0011_lock_lift_reason.ts';
import * as workOrderRestored from './migrations/0012_work_order_restored.ts';
import * as spares from './migrations/0013_spares.ts';
import * as diagnosticsState from './migrations/0014_diagnostics_state.ts';
import * as notificationLimits from './migrations/0015_notification_limits.ts';
import * as preventiveRemote from './migrations/0016_preventive_remote.ts';
import * as enrolmentRetries from './migrations/0017_enrolment_retries.ts';
import * as siteTradingHistory from './migrations/0018_site_trading_history.ts';
import * as clusterInvalidation from './migrations/0020_cluster_invalidation.ts';
import * as heartbeatPartitions from './migrations/0021_heartbeat_partitions.ts';
import * as terminalData from './migrations/0023_terminal_data.ts';
import * as configuration from './migrations/0022_configuration.ts';
import * as approvals from './migrations/0026_approvals.ts';
import * as configurationCampaigns from './migrations/0030_configuration_campaigns.ts';
import * as packageParameters from './migrations/0033_package_parameters.ts';
import * as securityEvidence from './migrations/0025_security_evidence.ts';
import * as merchantCare from './migrations/0027_merchant_care.ts';
import * as remoteAssistance from './migrations/0028_remote_assistance.ts';
import * as security from './migrations/0024_security.ts';
import * as securityDepth from './migrations/0034_security_depth.ts';
import * as kpiIndexes from './migrations/0036_kpi_indexes.ts';
import * as shopForecasts from './migrations/0032_shop_forecasts.ts';
import * as savedViews from './migrations/0037_saved_views.ts';
import * as skipReasons from './migrations/0038_skip_reasons.ts';
import * as kpiRollups from './migrations/0040_kpi_rollups.ts';
import * as kpiReadIndexes from './migrations/0041_kpi_read_indexes.ts';
import * as waitingCodes from './migrations/0042_waiting_codes.ts';
import * as kpiDoneOrders from './migrations/0043_kpi_done_orders.ts';
import * as actionReasonKeys from './migrations/0044_action_reason_keys.ts';
import * as placementChanges from './migrations/0045_placement_changes.ts';
import * as kpiTerminalPlaces from './migrations/0046_kpi_terminal_places.ts';
import * as hotSightings from './migrations/0048_hot_sightings.ts';
import * as heartbeatIndexDiet from './migrations/0049_heartbeat_index_diet.ts';

const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_access_audit': accessAudit,
  '0003_compliance': compliance,
  '0004_maintenance': maintenance,
  '0005_notifications': notifications,
  '0006_windows': windows,
  '0007_diagnostics': diagnostics,
  '0008_preventive': preventive,
  '0009_rollouts': rollouts,
  '0010_work_order_photos': workOrderPhotos,
  '0011_lock_lift_reason': lockLiftReason,
  '0012_work_order_restored': workOrderRestored,
  '0013_spares': spares,
  '0014_diagnostics_state': diagnosticsState,
  '0015_notification_limits': notificationLimits,
  '0016_preventive_remote': preventiveRemote,
  '0017_enrolment_retries': enrolmentRetries,
  '0018_site_trading_history': siteTradingHistory,
  '0020_cluster_invalidation': clusterInvalidation,
  '0021_heartbeat_partitions': heartbeatPartitions,
  '0023_terminal_data': terminalData,
  '0022_configuration': configuration,
  '0026_approvals': approvals,
  '0030_configuration_campaigns': configurationCampaigns,
  '0033_package_parameters': packageParameters,
  '0025_security_evidence': securityEvidence,
  '0027_merchant_care': merchantCare,
  '0028_remote_assistance': remoteAssistance,
  '0024_security': security,
  '0034_security_depth': securityDepth,
  '0032_shop_forecasts': shopForecasts,
  '0037_saved_views': savedViews,
  '0036_kpi_indexes': kpiIndexes,
  '0038_skip_reasons': skipReasons,
  '0040_kpi_rollups': kpiRollups,
  '0041_kpi_read_indexes': kpiReadIndexes,
  '0042_waiting_codes': waitingCodes,
  '0043_kpi_done_orders': kpiDoneOrders,
  '0044_action_reason_keys': actionReasonKeys,
  '0045_placement_changes': placementChanges,
  '0046_kpi_terminal_places': kpiTerminalPlaces,
  '0048_hot_sightings': hotSightings,
  '0049_heartbeat_index_diet': heartbeatIndexDiet,
};

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}

/** Brings the schema to one named migration (tests of a migration's conversion of existing rows). */
export async function migrateTo(db: Db, name: string): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateTo(name);
  if (error) throw new Error(`migration to ${name} failed: ${String(error)}`);
}

/** Migrations this code knows that the database has not run (all of them, for an empty database). Reads only. */
export async function pendingMigrations(db: Db): Promise<{ pending: string[]; known: number }> {
  const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations } });
  const all = await migrator.getMigrations();
  return { pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name), known: all.length };
}
