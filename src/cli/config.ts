// `posfleet config get|set|diff|history|revert`: terminal configuration from a shell, through the API
// (so every change is checked, versioned and audited like one made in the dashboard).
// Levels are written level:id — fleet, merchant:<id>, site:<id>, group:<id>, terminal:<id>.
import type { Command } from 'commander';
import { Option } from 'commander';

type Fetch = typeof fetch;

/** 'site:abc' → ['site', 'abc']; 'fleet' → ['fleet', 'fleet']. */
export function parseLevel(text: string): [string, string] {
  if (text === 'fleet') return ['fleet', 'fleet'];
  const match = /^(merchant|site|group|terminal):(.+)$/.exec(text);
  if (!match) throw new Error(`level: write fleet, merchant:<id>, site:<id>, group:<id> or terminal:<id> (got "${text}")`);
  return [match[1]!, match[2]!];
}

/** name=value pairs; a value that reads as JSON (true, 42, ["a"], null) is taken as such, else as text. */
export function parseAssignments(pairs: string[]): Record<string, unknown> {
  return Object.fromEntries(pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`"${pair}": write parameter=value`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    return [pair.slice(0, at), value];
  }));
}

export function registerConfigCommands(program: Command, fetchImpl: Fetch = fetch): void {
  const config = program.command('config').description('terminal configuration: values per level, diff, history and revert');
  const flags = (command: Command) => command
    .addOption(new Option('--server <url>', 'PosFleet server URL').env('POSFLEET_SERVER').makeOptionMandatory())
    .addOption(new Option('--token <token>', 'operator API token').env('POSFLEET_TOKEN').makeOptionMandatory());
  const call = async (opts: { server: string; token: string }, method: string, path: string, body?: unknown) => {
    const response = await fetchImpl(`${opts.server.replace(/\/+$/, '')}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${opts.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      const error = (JSON.parse(text || '{}') as { error?: { message?: string } }).error;
      throw new Error(error?.message ?? `${response.status} ${text}`);
    }
    return JSON.parse(text) as Record<string, unknown>;
  };
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const levelPath = (text: string) => {
    const [level, id] = parseLevel(text);
    return `/configuration/levels/${level}/${encodeURIComponent(id)}`;
  };
  const showChanges = (result: Record<string, unknown>) => {
    for (const c of result.changes as { parameter: string; old: unknown; new: unknown }[]) {
      process.stdout.write(`${c.parameter}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}\n`);
    }
    process.stdout.write(`${String(result.terminals)} terminal(s)${result.needsMaintenance ? ', needs maintenance' : ', applies live'}${result.version ? `; now version ${String(result.version)}` : ''}\n`);
  };

  flags(config.command('get').description("a level's values, or with terminal:<id> --effective the terminal's effective configuration and each value's source")
    .argument('<level>', 'fleet, merchant:<id>, site:<id>, group:<id> or terminal:<id>').option('--effective', "the terminal's effective values"))
    .action(async (level: string, opts: { server: string; token: string; effective?: boolean }) => {
      const [kind, id] = parseLevel(level);
      if (opts.effective) {
        if (kind !== 'terminal') throw new Error('--effective: give terminal:<id>');
        const view = await call(opts, 'GET', `/terminals/${encodeURIComponent(id)}/configuration`);
        for (const p of view.parameters as { name: string; value: unknown; source: { level: string; scopeId: string } }[]) {
          process.stdout.write(`${p.name} = ${JSON.stringify(p.value)}  (${p.source.level}${p.source.scopeId ? ` ${p.source.scopeId}` : ''})\n`);
        }
        return;
      }
      print(await call(opts, 'GET', levelPath(level)));
    });
  flags(config.command('diff').description('what a change would do, without storing it').argument('<level>').argument('<assignments...>', 'parameter=value (null removes)'))
    .action(async (level: string, pairs: string[], opts: { server: string; token: string }) => {
      showChanges(await call(opts, 'POST', `${levelPath(level)}/diff`, { values: parseAssignments(pairs) }));
    });
  flags(config.command('set').description('set parameters at a level (checked against the schema, stored as a new version)')
    .argument('<level>').argument('<assignments...>', 'parameter=value (null removes)').requiredOption('--reason <text>', 'why, kept with the version'))
    .action(async (level: string, pairs: string[], opts: { server: string; token: string; reason: string }) => {
      showChanges(await call(opts, 'PATCH', levelPath(level), { values: parseAssignments(pairs), reason: opts.reason }));
    });
  flags(config.command('history').description("a level's versions, newest first").argument('<level>'))
    .action(async (level: string, opts: { server: string; token: string }) => {
      for (const v of (await call(opts, 'GET', `${levelPath(level)}/history`)).items as { version: number; createdAt: string; createdBy: string; reason: string; changes: { parameter: string; old: unknown; new: unknown }[] }[]) {
        process.stdout.write(`v${v.version}  ${v.createdAt}  ${v.createdBy}  ${v.reason}\n`);
        for (const c of v.changes) process.stdout.write(`    ${c.parameter}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}\n`);
      }
    });
  flags(config.command('revert').description('give a level the values of an earlier version back (as a new version)')
    .argument('<level>').argument('<version>', 'the version number (0: none of its own)').requiredOption('--reason <text>', 'why'))
    .action(async (level: string, version: string, opts: { server: string; token: string; reason: string }) => {
      showChanges(await call(opts, 'POST', `${levelPath(level)}/revert`, { version: Number(version), reason: opts.reason }));
    });
}
