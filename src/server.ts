// Starts a PosFleet server: services, background jobs, HTTP. Used by `posfleet serve` and `npm start`.
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { createServices, declareRecurringJobs, type Services } from './services.ts';

export interface RunningServer {
  url: string;
  services: Services;
  /** The admin token generated at first start, if one was (printed once by the caller). */
  generatedAdminToken: string | undefined;
  close(): Promise<void>;
}

export async function startServer(config: Config, options: { jobs?: boolean; logger?: boolean } = {}): Promise<RunningServer> {
  const loggerOptions = options.logger === false ? false : { level: config.logLevel, redact: ['req.headers.authorization'] };
  const app = await buildAppWithServices(config, loggerOptions);
  const { services } = app;
  const generatedAdminToken = await services.auth.bootstrap(config.adminToken);
  if (options.jobs !== false) {
    await declareRecurringJobs(services);
    services.jobs.start();
  }
  const address = await app.http.listen({ port: config.port, host: config.host });
  return {
    url: address.replace('[::1]', 'localhost'),
    services,
    generatedAdminToken,
    async close() {
      await services.jobs.stop();
      await app.http.close();
      await services.db.close();
    },
  };
}

async function buildAppWithServices(config: Config, logger: false | { level: string; redact: string[] }) {
  let http: Awaited<ReturnType<typeof buildApp>> | undefined;
  const services = await createServices(config, undefined, (msg, fields) => http?.log.info(fields ?? {}, msg));
  http = await buildApp(services, { logger });
  return { http, services };
}
