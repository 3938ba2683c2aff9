// The fleet's security posture (password age and rotation, PIN entry, encryption, tamper per terminal)
// and the per-model rule thresholds it is judged by.
import type { Scope } from '../access/roles.ts';
import type { HeartbeatReport } from '../device/device.schemas.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import type { DiagnosticsRepository } from './diagnostics.repository.ts';
import type { RuleStateRepository } from './rule-state.repository.ts';
import { contradiction, mergeThresholds, passwordAgeDays, type ThresholdOverrides } from './heartbeat.rules.ts';
import type { RuleContext } from './rule-context.ts';
import type { TradingThresholds } from './trading.rules.ts';

export class PostureService {
  constructor(
    private readonly repo: DiagnosticsRepository,
    private readonly ruleState: RuleStateRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'getModel' | 'getMerchant'>,
    private readonly context: RuleContext,
  ) {}

  // ---- thresholds
  async thresholds(modelId: string) {
    await this.estate.getModel(modelId);
    const row = (await this.ruleState.thresholdsOf([modelId]))[0];
    const overrides = parseJson<ThresholdOverrides>(row?.settings, {});
    return { modelId, overrides, effective: mergeThresholds(overrides, this.context.base), defaults: this.context.base };
  }

  async setThresholds(modelId: string, overrides: ThresholdOverrides, actor: string) {
    await this.estate.getModel(modelId);
    const effective = mergeThresholds(overrides, this.context.base);
    const bad = contradiction(effective);
    if (bad) throw invalidField(bad[0], 'diagnostics.threshold_contradiction', { rule: bad[1] });
    await this.ruleState.saveThresholds(modelId, JSON.stringify(overrides), this.clock().toISOString(), actor);
    this.context.forgetThresholds(modelId);
    return this.thresholds(modelId);
  }

  /** A merchant's own suspicious-trading thresholds (laid over its terminals' model thresholds). */
  async merchantTrading(merchantId: string, scope: Scope) {
    await this.estate.getMerchant(merchantId, scope);
    const row = (await this.ruleState.merchantTradingOf([merchantId]))[0];
    return {
      merchantId, overrides: parseJson<Partial<TradingThresholds>>(row?.settings, {}), defaults: this.context.base.trading,
      updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null,
    };
  }

  /** Replaces a merchant's trading overrides as a whole ({} hands it back to its models' thresholds). */
  async setMerchantTrading(merchantId: string, overrides: Partial<TradingThresholds>, scope: Scope, actor: string) {
    await this.estate.getMerchant(merchantId, scope);
    await this.ruleState.saveMerchantTrading(merchantId, JSON.stringify(overrides), this.clock().toISOString(), actor);
    this.context.forgetMerchantTrading(merchantId);
    return this.merchantTrading(merchantId, scope);
  }

  // ---- security posture
  async posture(merchantId: string | undefined, scope: Scope) {
    const now = this.clock().toISOString();
    const maxAgeDays = this.context.base.password.maxAgeDays;
    const rows = await this.repo.latestReports(scope, merchantId);
    if (rows.length > 10_000) throw invalidField('merchantId', 'diagnostics.posture_too_many', { max: 10_000 });
    const rotations = await this.repo.latestCommandsOfType(rows.map((r) => r.id), 'rotate_password');
    const terminals = rows.map((r) => {
      const rotation = rotations.get(r.id);
      const report = parseJson<HeartbeatReport | null>(r.report, null);
      const changedAt = report?.security?.passwordChangedAt ?? null;
      const ageDays = report ? passwordAgeDays(changedAt, now) : null;
      return {
        terminalId: r.id, serialNumber: r.serial_number, siteId: r.site_id, merchantId: r.merchant_id ?? null, lastSeenAt: r.last_seen_at ?? null,
        reported: report !== null, passwordChangedAt: changedAt, passwordAgeDays: ageDays,
        passwordTooOld: report !== null && maxAgeDays > 0 && (ageDays === null || ageDays > maxAgeDays),
        pinEntryEnabled: report?.security?.pinEntryEnabled ?? null, encryptionEnabled: report?.security?.encryptionEnabled ?? null, tamper: report?.tamper ?? null,
        passwordRotation: rotation
          ? { commandId: rotation.id, status: rotation.status, requestedAt: rotation.created_at, completedAt: rotation.completed_at, passwordChangedAt: parseJson<{ passwordChangedAt?: string }>(rotation.result, {}).passwordChangedAt ?? null }
          : null,
      };
    });
    return {
      generatedAt: now, passwordMaxAgeDays: maxAgeDays,
      summary: {
        terminals: terminals.length, notReporting: terminals.filter((t) => !t.reported).length,
        passwordTooOld: terminals.filter((t) => t.passwordTooOld).length,
        securityFeaturesOff: terminals.filter((t) => t.pinEntryEnabled === false || t.encryptionEnabled === false).length,
        tamper: terminals.filter((t) => t.tamper === true).length,
        rotationRequested: terminals.filter((t) => t.passwordRotation && ['pending', 'delivered'].includes(t.passwordRotation.status)).length,
      },
      terminals,
    };
  }
}
