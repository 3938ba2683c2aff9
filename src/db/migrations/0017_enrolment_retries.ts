// The terminal's own id of the enrolment that issued a credential: a terminal that retries its enrolment
// (the answer was lost on the way) is given a new credential without taking a second use of the code.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('terminal_credentials').addColumn('enrolment_request_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('terminal_credentials').dropColumn('enrolment_request_id').execute();
}
