// `posfleet kpis`: the maintenance KPIs of a running server (GET /api/v1/kpis) as a table, CSV (with
// every numerator and denominator) or JSON, with an operator API token like the other server commands.
import { Option, type Command } from 'commander';
import type { KpiReport } from '../kpis/kpis.schemas.ts';
import { callServerApi } from './server-api.ts';
import { GROUP_BYS } from '../kpis/kpis.ts';
import { csvSafe } from '../shared/patterns.ts';

type Group = KpiReport['groups'][number];
type Ratio = { value: number | null; numerator: number; denominator: number };

const percent = (k: Ratio) => (k.value === null ? '–' : `${(k.value * 100).toFixed(1)} %`);
const hours = (k: Ratio) => (k.value === null ? '–' : k.value.toFixed(1));

/** One line per group (the total last), as people read it. */
export function kpiTable(report: KpiReport): Record<string, string | number>[] {
  const row = (g: Group) => ({
    [report.groupBy]: g.label,
    availability: percent(g.kpis.availability),
    'MTBF h': hours(g.kpis.mtbfHours),
    'MTTR restored h': hours(g.kpis.mttrRestoredHours),
    'MTTR repair h': hours(g.kpis.mttrRepairHours),
    'PM on time': percent(g.kpis.pmCompliance),
    planned: percent(g.kpis.plannedShare),
    backlog: g.kpis.backlog.count,
    overdue: g.kpis.backlog.overdue,
    'backlog h': g.kpis.backlog.estimatedHours,
    'first-time fix': percent(g.kpis.firstTimeFix),
    'remote fix': percent(g.kpis.remoteFix),
  });
  return [...(report.groupBy === 'fleet' ? [] : report.groups.map(row)), { ...row(report.total), [report.groupBy]: report.groupBy === 'fleet' ? 'fleet' : 'total' }];
}

const RATIOS = ['availability', 'mtbfHours', 'mttrRestoredHours', 'mttrRepairHours', 'pmCompliance', 'plannedShare', 'firstTimeFix', 'remoteFix'] as const;

/** CSV with every KPI's value, numerator and denominator, so a spreadsheet can check each one. */
export function kpiCsv(report: KpiReport): string {
  const header = ['group', 'key', ...RATIOS.flatMap((k) => [k, `${k}.numerator`, `${k}.denominator`]), 'remoteFix.selfCleared', 'backlog.count', 'backlog.overdue', 'backlog.estimatedHours'];
  const row = (g: Group, name: string) => [
    name, g.key ?? '', ...RATIOS.flatMap((k) => [g.kpis[k].value ?? '', g.kpis[k].numerator, g.kpis[k].denominator]),
    g.kpis.remoteFix.selfCleared, g.kpis.backlog.count, g.kpis.backlog.overdue, g.kpis.backlog.estimatedHours,
  ];
  const cell = (v: string | number) => {
    if (typeof v === 'number') return String(v);
    const text = csvSafe(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = [header, ...(report.groupBy === 'fleet' ? [] : report.groups.map((g) => row(g, g.label))), row(report.total, 'total')];
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export async function fetchKpis(server: string, token: string, query: { from?: string | undefined; to?: string | undefined; groupBy?: string | undefined }): Promise<KpiReport> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  return callServerApi<KpiReport>(server, token, 'GET', `/kpis?${params}`);
}

export function registerKpisCommand(program: Command): void {
  program.command('kpis').description('maintenance KPIs: availability, MTBF, MTTR, PM compliance, planned share, backlog, first-time and remote fixes')
    .requiredOption('--server <url>', 'PosFleet server URL')
    .addOption(new Option('--token <token>', 'operator API token (a read-only one will do)').env('POSFLEET_TOKEN').makeOptionMandatory())
    .option('--from <iso>', 'start of the period (default: 30 days before --to)')
    .option('--to <iso>', 'end of the period (default: now)')
    .addOption(new Option('--group-by <what>', 'per').choices(GROUP_BYS).default('fleet'))
    .option('--csv', 'print CSV with every numerator and denominator')
    .option('--json', 'print the JSON answer')
    .action(async (opts: { server: string; token: string; from?: string; to?: string; groupBy: string; csv?: boolean; json?: boolean }) => {
      try {
        const report = await fetchKpis(opts.server, opts.token, { from: opts.from, to: opts.to, groupBy: opts.groupBy });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else if (opts.csv) process.stdout.write(kpiCsv(report));
        else {
          console.log(`maintenance KPIs from ${report.from} to ${report.to}${report.measuredUntil < report.to ? ` (measured until ${report.measuredUntil})` : ''}`);
          console.table(kpiTable(report));
        }
      } catch (error) {
        console.error(error instanceof Error ? error.message : error);
        process.exitCode = 1;
      }
    });
}
