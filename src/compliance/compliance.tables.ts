// PCI DSS evidence: device inspections and staff training.
// The row types of these tables as Kysely sees them, composed into `Database` in src/db/schema.ts:
// ids are text, times ISO-8601 UTC text, flags 0/1 integers, structured values JSON text.
// No imports from other capabilities: what two folders share goes in src/shared/.

/** A device inspection (PCI DSS 9.5.1.2); the photo file is DATA_DIR/inspections/<photo_file>. */
export interface InspectionTable {
  id: string;
  terminal_id: string;
  inspected_at: string;
  inspector_id: string | null;
  inspector_name: string | null;
  /** "pass" or "fail". */
  outcome: string;
  serial_matches: number;
  seal_intact: number;
  seal_number: string | null;
  /** JSON array of findings; [] when none were seen. */
  tamper_signs: string;
  notes: string | null;
  photo_file: string | null;
  photo_content_type: string | null;
  photo_size: number | null;
  photo_sha256: string | null;
}

export type TrainingTopic = 'tamper' | 'substitution';

/** PCI DSS 9.5.1.3: a person at a site trained to detect tampering and substitution of terminals. */
export interface TrainingRecordTable {
  id: string;
  site_id: string;
  person_name: string;
  /** YYYY-MM-DD */
  trained_on: string;
  /** JSON array of TrainingTopic */
  topics: string;
  trainer: string | null;
  notes: string | null;
  recorded_by: string;
  recorded_at: string;
}
