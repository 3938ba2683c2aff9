// `posfleet`: serve, back up and restore, import and export terminals, simulate a fleet, manage operator tokens, publish packages.
// Only `serve` and `migrate` change a database's schema (and seed it); every other command works on a
// database that is up to date and refuses any other, changing nothing.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.ts';
import type { Services } from '../services.ts';
import { AppError } from '../shared/errors.ts';
import { FLEET } from '../access/roles.ts';
import { isPostgresUrl } from '../db/database-url.ts';
import { registerPublisherCommands } from './publisher.ts';
import { registerKpisCommand } from './kpis.ts';
import { registerTerminalBackupCommands } from './terminal-backup.ts';
import { registerConfigCommands } from './config.ts';
import { registerCaseCommands } from './case-bundle.ts';
import { simulateSettings, type SimulateFlags } from './simulate-flags.ts';
import { SITE_KINDS } from '../simulator/site-profiles.ts';

// The server, the services and the demo estate (about a thousand modules) are imported by the commands
// that use them: a command that only talks to a server over HTTP starts in a fraction of the time.
const program = new Command('posfleet').description('Maintenance and terminal management for fleets of POS terminals');

/** Flags mirror the environment variables; a flag given on the command line wins. */
function withServerFlags(command: Command) {
  return command
    .addOption(new Option('--port <port>', 'HTTP port').env('PORT'))
    .addOption(new Option('--host <host>', 'address to listen on').env('HOST'))
    .addOption(new Option('--database-url <url>', 'SQLite file / sqlite: URL, or postgres:// URL').env('DATABASE_URL'))
    .addOption(new Option('--admin-token <token>', 'bootstrap admin API token (else one is generated at first start)').env('POSFLEET_ADMIN_TOKEN'));
}

function configFrom(opts: { port?: string; host?: string; databaseUrl?: string; adminToken?: string }) {
  return loadConfig({
    ...process.env,
    ...(opts.port !== undefined && { PORT: opts.port }),
    ...(opts.host !== undefined && { HOST: opts.host }),
    ...(opts.databaseUrl !== undefined && { DATABASE_URL: opts.databaseUrl }),
    ...(opts.adminToken !== undefined && { POSFLEET_ADMIN_TOKEN: opts.adminToken }),
  });
}

/** Services over an existing, up-to-date database, for commands that must not migrate or seed it. */
async function existingDatabase(opts: { databaseUrl?: string }): Promise<Services> {
  const config = configFrom(opts);
  const where = databaseName(config.databaseUrl);
  if (!isPostgresUrl(config.databaseUrl)) {
    const file = config.databaseUrl.replace(/^sqlite:(\/\/)?/, '');
    // Opening a missing SQLite file would create it (and its folder).
    if (file !== ':memory:' && !existsSync(file)) throw new CliError(`no PosFleet database at ${where}: check --database-url (or DATABASE_URL), or create one with \`posfleet migrate\``);
  }
  const { createServices, SchemaNotReady } = await import('../services.ts');
  try {
    return await createServices(config, undefined, undefined, { schema: 'existing' });
  } catch (error) {
    if (error instanceof SchemaNotReady) throw new CliError(`${error.message} (${where}): run \`posfleet migrate\` (or start the server) first; nothing was changed`);
    throw error;
  }
}

/** A database URL fit to print: a PostgreSQL password is never shown. */
function databaseName(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL database of DATABASE_URL';
  }
}

/** A failure the CLI explains in one line (no stack) and exits 1 for. */
class CliError extends Error {}

withServerFlags(program.command('migrate').description('create the database or bring its schema up to date (as `serve` does at start), then exit'))
  .action(async (opts: { databaseUrl?: string }) => {
    const config = configFrom(opts);
    const { createServices } = await import('../services.ts');
    const services = await createServices(config);
    await services.db.close();
    console.log(`database schema up to date: ${databaseName(config.databaseUrl)}`);
  });

withServerFlags(program.command('serve').description('start the PosFleet server'))
  .option('--demo', 'seed a small demo estate when the database is empty')
  .option('--simulate <n>', 'also run N simulated terminals against this server (needs --demo)')
  .action(async (opts: { port?: string; host?: string; databaseUrl?: string; demo?: boolean; simulate?: string }) => {
    const config = configFrom(opts);
    const [{ startServer }, { createDemoAccount, seedDemoEstate }] = await Promise.all([import('../server.ts'), import('../demo/demo-estate.ts')]);
    const server = await startServer(config);
    const demo = opts.demo ? await seedDemoEstate(server.services) : undefined;
    const lines = [`PosFleet is listening on ${server.url}  (API docs: ${server.url}/docs)`];
    if (server.generatedAdminToken) {
      lines.push(`Admin API token (shown once; keep it): ${server.generatedAdminToken}`, `  try: curl -H "Authorization: Bearer ${server.generatedAdminToken}" ${server.url}/api/v1/terminals`);
    } else {
      lines.push('Authenticate with Authorization: Bearer <token> (POSFLEET_ADMIN_TOKEN, or `posfleet token create`).');
    }
    if (demo?.seeded) {
      // A browser sign-in for trying the dashboard at once; shown once, like the token.
      const password = `demo-${randomBytes(6).toString('hex')}-2026`;
      await createDemoAccount(server.services.access, password);
      lines.push(`Demo estate seeded: ${demo.summary}`, `Dashboard sign-in (shown once): demo@posfleet.local / ${password}  at ${server.url}/`);
    }
    console.log(lines.join('\n'));
    let simulator: { stop(): Promise<void> } | undefined;
    if (opts.simulate && demo) {
      const { runSimulator } = await import('../simulator/simulator.ts');
      simulator = await runSimulator({ server: server.url, terminals: Number(opts.simulate), intervalSeconds: 10, enrolmentCode: await demo.createSimulatorCode(Number(opts.simulate)), seed: 1 });
    }
    const shutdown = async () => {
      await simulator?.stop();
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', shutdown).once('SIGTERM', shutdown);
  });

withServerFlags(program.command('import').description('import terminals from a CSV file into the database').argument('<file>', 'CSV file'))
  .option('--partial', 'import the good rows even when some rows are bad')
  .action(async (file: string, opts: { partial?: boolean; databaseUrl?: string }) => {
    const services = await existingDatabase(opts);
    const bar = new SingleBar({ format: 'importing [{bar}] {value}/{total} terminals' }, Presets.shades_classic);
    try {
      let started = false;
      const result = await services.estate.importTerminals(readFileSync(file, 'utf8'), {
        partial: !!opts.partial,
        onProgress: (done, total) => {
          if (!started) { bar.start(total, 0); started = true; }
          bar.update(done);
        },
      });
      bar.stop();
      console.log(`${result.created} created, ${result.updated} updated`);
      for (const e of result.errors) console.error(`line ${e.line}, ${e.field}: ${e.reason} (skipped)`);
    } catch (error) {
      bar.stop();
      if (!(error instanceof AppError)) throw error;
      const errors = (error.details as { errors?: { line: number; field: string; reason: string }[] } | undefined)?.errors;
      console.error(errors ? errors.map((e) => `line ${e.line}, ${e.field}: ${e.reason}`).join('\n') + '\nnothing was imported' : error.message);
      process.exitCode = 1;
    } finally {
      await services.db.close();
    }
  });

withServerFlags(program.command('export').description('export terminals as CSV').option('-o, --output <file>', 'write to a file instead of stdout'))
  .action(async (opts: { output?: string; databaseUrl?: string }) => {
    const services = await existingDatabase(opts);
    const out = opts.output ? createWriteStream(opts.output) : process.stdout;
    for await (const chunk of services.estate.exportTerminals({})) out.write(chunk);
    if (opts.output) out.end();
    await services.db.close();
  });

program.command('simulate').description('run virtual terminals through the terminal SDK against a server (to rehearse a rollout policy: site profiles, speed, faulty builds)')
  .requiredOption('--server <url>', 'PosFleet server URL')
  .option('--terminals <n>', 'how many terminals (one shop; see --sites for others)', '100')
  .option('--sites <list>', `sites by trading profile, profile:terminals separated by commas, e.g. supermarket:5,cafe:3 (profiles: ${SITE_KINDS.join(', ')})`)
  .option('--interval <seconds>', 'heartbeat interval (real seconds)', '10')
  .option('--speed <n>', 'simulated seconds per real second, e.g. 60: an hour of trade and maintenance goes by in a minute', '1')
  .option('--start-at <date-time>', 'simulated time at the start, with its offset, e.g. 2026-11-25T12:00:00+08:00 (default: now)')
  .option('--fail-install <versions>', 'faulty builds whose install fails (versions separated by commas)')
  .option('--fail-card-reads <versions>', 'faulty builds that make card reads fail far more often')
  .option('--fail-transactions <versions>', 'faulty builds that make payments fail after the card was read')
  .option('--crash <versions>', 'faulty builds whose payment app crashes (the terminal restarts)')
  .option('--seed <n>', 'random seed (same seed, same fleet)', '1')
  .option('--code <code>', 'enrolment code with enough uses (else one is made with --token)')
  .addOption(new Option('--token <token>', 'operator API token, to create an enrolment code (or the --sites)').env('POSFLEET_ADMIN_TOKEN'))
  .action(async (opts: SimulateFlags & { server: string; terminals: string; interval: string; seed: string; code?: string; token?: string }) => {
    const settings = simulateSettings(opts);
    const { runSimulator } = await import('../simulator/simulator.ts');
    const common = {
      server: opts.server, intervalSeconds: Number(opts.interval), seed: Number(opts.seed), log: console.log,
      speed: settings.speed, faultyVersions: settings.faultyVersions, ...(settings.startAt && { startAt: settings.startAt }),
    };
    let sim;
    if (settings.sites) {
      if (opts.code) throw new Error('--code: each of the --sites gets its own enrolment code; give --token instead');
      if (!opts.token) throw new Error('--sites: give --token (or POSFLEET_ADMIN_TOKEN) so the sites and their enrolment codes can be made');
      const { prepareSimulatorSites } = await import('../simulator/enrolment.ts');
      sim = await runSimulator({ ...common, sites: await prepareSimulatorSites(opts.server, opts.token, settings.sites) });
    } else {
      const terminals = Number(opts.terminals);
      const code = opts.code ?? (await codeFor(opts.server, opts.token, terminals));
      sim = await runSimulator({ ...common, terminals, enrolmentCode: code });
    }
    const faulty = Object.entries(settings.faultyVersions).filter(([, v]) => v.length).map(([k, v]) => `${k} ${v.join(', ')}`);
    console.log(`${sim.terminals.length} simulated terminals are sending heartbeats every ${opts.interval}s${settings.speed !== 1 ? ` at ${settings.speed}× speed` : ''}`
      + `${faulty.length ? `; faulty builds: ${faulty.join('; ')}` : ''}; Ctrl-C stops them.`);
    process.once('SIGINT', () => void sim.stop().then(() => process.exit(0)));
  });

const token = program.command('token').description('operator API tokens');
withServerFlags(token.command('create').description('create an API token directly in the database, for an account (default: the first admin)')
  .option('--name <name>', 'who it is for', 'cli')
  .option('--email <email>', 'the account the token acts as (default: the earliest-created enabled admin)'))
  .action(async (opts: { name: string; email?: string; databaseUrl?: string }) => {
    const services = await existingDatabase(opts);
    try {
      const owner = await services.access.tokenOwner(opts.email);
      const { token: plain } = await services.access.createToken(owner.id, { name: opts.name });
      console.log(plain);
      console.error(`(a token of ${owner.email}, ${owner.role})`);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new CliError(`${error.message}${opts.email === undefined ? '; start the server once (it creates admin@posfleet.local), or give --email' : ''}`);
    } finally {
      await services.db.close();
    }
  });

const audit = program.command('audit').description('the audit trail');
withServerFlags(audit.command('verify').description('check the hash chain; names the first edited, removed or reordered entry'))
  .action(async (opts: { databaseUrl?: string }) => {
    const services = await existingDatabase(opts);
    const result = await services.audit.verify();
    await services.db.close();
    if (result.ok) {
      console.log(`audit log intact: ${result.entries} entries verified`);
    } else {
      console.error(`audit log broken at entry ${result.seq} (${result.problem}): ${result.message}`);
      process.exitCode = 2;
    }
  });

const POSTGRES_BACKUPS = 'on PostgreSQL use its own tools: pg_dump for a logical copy, or base backups (pg_basebackup) with WAL archiving for point-in-time recovery; see the README, "Backups"';

withServerFlags(program.command('backup').description('write a consistent copy of the SQLite database to FILE, while the server runs').argument('<file>', 'the backup file (must not exist)'))
  .action(async (file: string, opts: { databaseUrl?: string }) => {
    const config = configFrom(opts);
    if (isPostgresUrl(config.databaseUrl)) throw new CliError(`backup copies a SQLite database; ${POSTGRES_BACKUPS}`);
    const { backupSqlite } = await import('../backup/sqlite-backup.ts');
    const done = await guarded(() => backupSqlite(sqliteFile(config.databaseUrl), file));
    console.log(`backup of ${config.databaseUrl} written to ${done.file} (${done.pages} pages, integrity checked)`);
  });

withServerFlags(program.command('restore').description('put a backup made by `posfleet backup` back as the SQLite database (the server must be stopped)').argument('<file>', 'the backup file'))
  .action(async (file: string, opts: { databaseUrl?: string }) => {
    const config = configFrom(opts);
    if (isPostgresUrl(config.databaseUrl)) throw new CliError(`restore puts back a SQLite database; ${POSTGRES_BACKUPS}`);
    const { restoreSqlite } = await import('../backup/sqlite-backup.ts');
    const done = await guarded(async () => restoreSqlite(file, sqliteFile(config.databaseUrl)));
    console.log(`restored ${file} as ${config.databaseUrl}${done.replacedKeptAt ? `; the database it replaced is kept as ${done.replacedKeptAt}` : ''}`);
    console.log('start the server; then `posfleet audit verify` checks the audit trail of the restored database');
  });

/** A backup or restore refused for a reason the user can act on: one line, exit 1. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  const { BackupError } = await import('../backup/sqlite-backup.ts');
  try {
    return await run();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}

function sqliteFile(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '');
}

const maintenance = program.command('maintenance').description('maintenance mode');
withServerFlags(maintenance.command('figures').description('downtime, refused transactions, revenue lost and job outcomes'))
  .option('--from <iso>', 'start (default: 30 days ago)')
  .option('--to <iso>', 'end (default: now)')
  .option('--merchant <id>', 'one merchant')
  .option('--site <id>', 'one site')
  .option('--json', 'print JSON')
  .action(async (opts: { from?: string; to?: string; merchant?: string; site?: string; json?: boolean; databaseUrl?: string }) => {
    const services = await existingDatabase(opts);
    try {
      const to = opts.to ?? new Date().toISOString();
      const from = opts.from ?? new Date(new Date(to).getTime() - 30 * 86_400_000).toISOString();
      const figures = await services.maintenanceFigures.figures({ from, to, merchantId: opts.merchant, siteId: opts.site }, FLEET);
      if (opts.json) return console.log(JSON.stringify(figures, null, 2));
      const row = (name: string, f: typeof figures.total) => [name, f.jobs.total, f.jobs.onTime, f.jobs.late, f.jobs.failed, f.jobs.running, f.downtimeMinutes, f.refusedTransactions, moneyText(f.estimatedRevenueLost)];
      console.log(`maintenance from ${from} to ${to}`);
      console.table([row('all', figures.total), ...figures.bySite.map((s) => row(s.siteId ?? '(no site)', s))].map(([site, jobs, onTime, late, failed, running, downtime, refused, lost]) =>
        ({ site, jobs, onTime, late, failed, running, 'downtime min': downtime, refused, 'revenue lost': lost })));
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    } finally {
      await services.db.close();
    }
  });

/** Amounts per currency, e.g. "CN¥1,420.00 + £25.00", each with its currency's own decimals. */
function moneyText(perCurrency: Record<string, number>): string {
  const parts = Object.entries(perCurrency).map(([currency, minor]) => {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency });
    return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  });
  return parts.join(' + ') || '0';
}

const user = program.command('user').description('operator accounts');
withServerFlags(user.command('set-password').description('set an account\'s password (read from standard input)').requiredOption('--email <email>', 'the account, e.g. admin@posfleet.local'))
  .action(async (opts: { email: string; databaseUrl?: string }) => {
    const services = await existingDatabase(opts);
    try {
      const password = (await readStdin()).replace(/\r?\n$/, '');
      await services.access.resetPassword(opts.email, password);
      console.log(`password of ${opts.email} set`);
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    } finally {
      await services.db.close();
    }
  });

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('new password (then Enter, Ctrl-D): ');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** Asks the server for a simulator enrolment code: a "SIM" model and site are created if missing. */
async function codeFor(server: string, apiToken: string | undefined, uses: number): Promise<string> {
  if (!apiToken) throw new Error('give --code, or --token (or POSFLEET_ADMIN_TOKEN) so an enrolment code can be made');
  const { prepareSimulatorEnrolment } = await import('../simulator/enrolment.ts');
  return prepareSimulatorEnrolment(server, apiToken, uses);
}

registerPublisherCommands(program);
registerKpisCommand(program);
registerTerminalBackupCommands(program);
registerConfigCommands(program);
registerCaseCommands(program);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CliError) {
    console.error(`posfleet: ${error.message}`);
    process.exit(1);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
