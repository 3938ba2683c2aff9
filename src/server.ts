// Starts a PosFleet server: services, background jobs, HTTP. Used by `posfleet serve` and `npm start`.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { createServices, declareRecurringJobs, type Services } from './services.ts';
import type { Clock } from './shared/time.ts';

export interface RunningServer {
  url: string;
  services: Services;
  /** The admin token generated at first start, if one was (printed once by the caller). */
  generatedAdminToken: string | undefined;
  close(): Promise<void>;
}

/** `clock`: the time the server lives by (tests drive one of their own); the system's by default. */
export async function startServer(config: Config, options: { jobs?: boolean; logger?: boolean; clock?: Clock } = {}): Promise<RunningServer> {
  // Credentials never reach the log: request logs drop the Authorization header.
  const logger = pino({ level: options.logger === false ? 'silent' : config.logLevel, redact: ['req.headers.authorization'] });
  const services = await createServices(config, options.clock, (message, fields) => logger.info(fields ?? {}, message));
  const https = config.tlsCertFile && config.tlsKeyFile ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : undefined;
  const app = await buildApp(services, { loggerInstance: logger, ...(https && { https }) });
  const generatedAdminToken = await services.access.bootstrap(config.adminToken);
  await services.invalidations?.start();
  // Terminals moved through this node or another are re-placed in the configuration cache within seconds.
  services.configuration.watch();
  if (options.jobs !== false) {
    await declareRecurringJobs(services);
    services.jobs.start();
  }
  // A fleet reconnecting at once (after an outage) overflows Node's default queue of 511 and waits out TCP retries.
  const address = await app.listen({ port: config.port, host: config.host, backlog: 4096 });
  return {
    url: address,
    services,
    generatedAdminToken,
    async close() {
      await services.jobs.stop();
      services.configuration.stopWatching();
      await services.invalidations?.stop();
      await app.close();
      await services.db.close();
    },
  };
}
