// Security (0024): where a terminal was last seen and on which networks it is usually seen, each
// site's geofence, the hardware fingerprint bound to a terminal's credential, the key slots a terminal
// reports (metadata only: never key material), the keys each acquirer requires, key injection results,
// and the security settings (grace period, lock on relocation, mobile tags, key expiry warning).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database
export async function up(db: Kysely<any>): Promise<void> {
  // Serial, PIN-pad serial and secure-processor id the terminal reported when it enrolled (or, for a
  // terminal enrolled before fingerprints, on its first fingerprinted heartbeat). Cached with the credential.
  await db.schema.alterTable('terminal_credentials').addColumn('hardware_fingerprint', 'text').execute();

  await db.schema.createTable('terminal_locations')
    .addColumn('terminal_id', 'text', (c) => c.primaryKey().references('terminals.id'))
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('accuracy_m', 'double precision')
    .addColumn('cell_id', 'text')
    .addColumn('bssid', 'text')
    .addColumn('source_address', 'text')
    .addColumn('distance_m', 'double precision')
    // The episode: since when the terminal has been outside its fence or on an unusual network, and its case.
    .addColumn('suspect_since', 'text')
    .addColumn('suspect_reasons', 'text')
    .addColumn('case_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('terminal_networks')
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('terminal_networks_pk', ['terminal_id', 'kind', 'value'])
    .execute();

  await db.schema.createTable('site_geofences')
    .addColumn('site_id', 'text', (c) => c.primaryKey().references('sites.id'))
    .addColumn('latitude', 'double precision', (c) => c.notNull())
    .addColumn('longitude', 'double precision', (c) => c.notNull())
    .addColumn('radius_m', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('terminal_key_slots')
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('key_type', 'text', (c) => c.notNull())
    .addColumn('bdk_id', 'text')
    .addColumn('kcv', 'text')
    .addColumn('ksn_prefix', 'text')
    .addColumn('loaded_at', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('terminal_key_slots_pk', ['terminal_id', 'slot'])
    .execute();

  await db.schema.createTable('acquirer_key_policies')
    .addColumn('acquirer', 'text', (c) => c.notNull())
    .addColumn('key_type', 'text', (c) => c.notNull())
    .addColumn('bdk_id', 'text')
    .addColumn('kcv', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('acquirer_key_policies_pk', ['acquirer', 'key_type'])
    .execute();

  await db.schema.createTable('key_injections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('terminal_id', 'text', (c) => c.notNull().references('terminals.id'))
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('slots', 'text', (c) => c.notNull())
    .addColumn('problems', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    // One result per job: the job's end may be told more than once.
    .addUniqueConstraint('key_injections_job', ['job_id'])
    .execute();
  await db.schema.createIndex('key_injections_terminal').on('key_injections').columns(['terminal_id', 'recorded_at']).execute();

  await db.schema.createTable('security_settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
