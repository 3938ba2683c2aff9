// The names of the fault rules (their logic is in src/diagnostics/heartbeat.rules.ts): shared, so lower
// capabilities such as the estate's terminal filter can name a rule without depending on diagnostics.

/** Rules evaluated on every heartbeat. */
export const HEARTBEAT_RULES = [
  'card_reader_chip', 'card_reader_swipe', 'card_reader_contactless',
  'printer_paper_low', 'printer_paper_out', 'printer_jam', 'printer_cover_open',
  'battery_health_low', 'battery_not_charging', 'battery_high_cycles', 'battery_deep_discharge',
  'temperature', 'storage_low', 'clock_skew', 'tamper', 'weak_signal', 'high_latency',
  'security_features_off', 'password_too_old', 'software_unpatched',
] as const;
export type HeartbeatRule = (typeof HEARTBEAT_RULES)[number];

/** Rules of the security capability (src/security): where a terminal is, whether it is the same one, its keys. */
export const SECURITY_RULES = ['terminal_relocated', 'terminal_substituted', 'key_missing', 'key_mismatch', 'key_expiring'] as const;
export type SecurityRule = (typeof SECURITY_RULES)[number];

/** Rules raised elsewhere: the offline sweep (offline, flapping), site correlation, people's reports. */
export const OTHER_RULES = ['offline', 'site_network_down', 'network_flapping', 'suspicious_activity', 'configuration_drift', ...SECURITY_RULES] as const;
export const RULES = [...HEARTBEAT_RULES, ...OTHER_RULES] as const;
export type Rule = (typeof RULES)[number];
