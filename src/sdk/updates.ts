// Software updates on the terminal. When a heartbeat answer names a deployment, the package is
// downloaded ahead of the maintenance window (resuming with Range after an interruption) and checked
// against its SHA-256; inside the window, as part of the maintenance job, it is checked again — hash and
// the publisher's Ed25519 signature — and handed to the application to install. Each step is reported
// as feedback with a report id that a retry repeats. A progress report that cannot be sent (the link is
// down) never stops the work and is sent again at the next heartbeat answer; only "installed" is waited
// for, since the server counts an install it heard of before the job completed. Uses fetch and WebCrypto.
import type { DeploymentHint, DeploymentView, FeedbackInput } from '../protocol/index.ts';
import { statementText } from '../protocol/index.ts';
import { PosFleetError } from './errors.ts';
import type { Timers } from './timers.ts';
import { sleep } from './timers.ts';

export type DeploymentPackage = DeploymentView['package'];
export type Deployment = DeploymentView;

/** Where downloads are kept; survives reboots so a download resumes where it stopped. */
export interface PackageStorage {
  /** Bytes already stored for the package (0 if none). */
  size(packageId: string): Promise<number>;
  append(packageId: string, chunk: Uint8Array): Promise<void>;
  /** Lower-case hex SHA-256 of what is stored. */
  sha256(packageId: string): Promise<string>;
  remove(packageId: string): Promise<void>;
}

export interface UpdateHandlers {
  storage: PackageStorage;
  /** Installs the verified package (e.g. hands the stored file to the OS installer). Throwing fails the job. */
  install(pkg: DeploymentPackage, context: { signal: AbortSignal }): Promise<void>;
}

export interface UpdatePort {
  getJson<T>(path: string, signal?: AbortSignal): Promise<T>;
  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  /** A raw GET with extra headers (Range), answered as is. */
  fetchRaw(path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response>;
  /** The terminal's timers, for the waits between tries of the "installed" report (default: the global timers). */
  timers?: Timers;
}

export type UpdateEvent =
  | { type: 'downloaded'; actionId: number; version: string }
  | { type: 'installed'; actionId: number; version: string }
  | { type: 'failed'; actionId: number; reason: string };

export type { DeploymentHint };

export class UpdateAgent {
  private deployment: Deployment | undefined;
  /** The server's last word on which deployment is this terminal's (a newer one may replace a staged one). */
  private latestHint: DeploymentHint | undefined;
  private downloading: Promise<void> | undefined;
  private readonly reported = new Set<string>();
  /** Reports not delivered yet, oldest first. */
  private readonly unsent: { actionId: number; status: FeedbackInput['status']; details?: string[] }[] = [];
  private resending = false;

  constructor(
    private readonly port: UpdatePort,
    private readonly handlers: UpdateHandlers,
    private readonly onEvent: (event: UpdateEvent) => void = () => {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** The deployment the server offers now, if any. */
  get current(): Deployment | undefined {
    return this.deployment;
  }

  /** From every heartbeat answer: learns of a new deployment and stages its download in the background. */
  onHint(hint: DeploymentHint | null | undefined): void {
    void this.resend();
    if (!hint) return;
    this.latestHint = hint;
    if (this.deployment?.actionId === hint.actionId) {
      this.deployment = { ...this.deployment, installAllowed: hint.installAllowed };
      return;
    }
    if (this.downloading) return;
    this.downloading = this.stage(hint.actionId)
      .catch((error: unknown) => this.onError(error))
      .finally(() => (this.downloading = undefined));
  }

  /**
   * Inside the maintenance job: the deployment is downloaded (if the staging did not finish), checked
   * (hash and signature) and installed. Returns false when there is nothing to install.
   */
  async installInJob(signal: AbortSignal, jobId?: string): Promise<boolean> {
    await this.downloading;
    // The staged deployment may be an older one than the job's: ask for the one the server names now.
    if (jobId !== undefined && this.deployment?.maintenanceJobId !== jobId && this.latestHint) {
      this.deployment = await this.port.getJson<Deployment>(`/device/v1/deployments/${this.latestHint.actionId}`, signal);
    }
    const deployment = this.deployment;
    if (jobId !== undefined && deployment?.maintenanceJobId !== jobId) return false; // a maintenance job that installs nothing of a rollout
    if (!deployment || ['succeeded', 'failed', 'cancelled', 'skipped'].includes(deployment.state)) return false;
    const pkg = deployment.package;
    try {
      await this.download(deployment, signal);
      const problem = await this.check(pkg);
      if (problem) {
        await this.handlers.storage.remove(pkg.id);
        throw new PosFleetError('package_rejected', problem);
      }
      await this.report(deployment.actionId, 'installing');
      await this.handlers.install(pkg, { signal });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.report(deployment.actionId, 'failed', [reason]);
      this.onEvent({ type: 'failed', actionId: deployment.actionId, reason });
      throw error;
    }
    await this.reportInstalled(deployment.actionId, signal);
    await this.handlers.storage.remove(pkg.id);
    this.onEvent({ type: 'installed', actionId: deployment.actionId, version: pkg.version });
    return true;
  }

  private async stage(actionId: number): Promise<void> {
    const deployment = await this.port.getJson<Deployment>(`/device/v1/deployments/${actionId}`);
    this.deployment = deployment;
    await this.download(deployment);
    this.onEvent({ type: 'downloaded', actionId, version: deployment.package.version });
  }

  /** Fetches what is missing, resuming after the bytes already stored (If-Range: a changed file starts over). */
  private async download(deployment: Deployment, signal?: AbortSignal): Promise<void> {
    const pkg = deployment.package;
    const storage = this.handlers.storage;
    let have = await storage.size(pkg.id);
    if (have > pkg.size) {
      await storage.remove(pkg.id);
      have = 0;
    }
    if (have < pkg.size) {
      await this.report(deployment.actionId, 'downloading');
      const path = new URL(pkg.downloadUrl, 'http://x').pathname;
      const response = await this.port.fetchRaw(path, have > 0 ? { range: `bytes=${have}-` } : {}, signal);
      if (response.status === 200 && have > 0) {
        await storage.remove(pkg.id); // the server sent the whole file: start over
      } else if (response.status !== 200 && response.status !== 206) {
        throw new PosFleetError(`http_${response.status}`, `downloading ${pkg.name} ${pkg.version} answered ${response.status}`, { status: response.status });
      }
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await storage.append(pkg.id, value);
      }
    }
    if ((await storage.sha256(pkg.id)) !== pkg.sha256) {
      await storage.remove(pkg.id);
      throw new PosFleetError('package_rejected', `the download of ${pkg.name} ${pkg.version} does not match its SHA-256; it was discarded`);
    }
    await this.report(deployment.actionId, 'downloaded');
  }

  /** Hash and signature once more, just before installing: what a tampered store would change. */
  private async check(pkg: DeploymentPackage): Promise<string | null> {
    if ((await this.handlers.storage.sha256(pkg.id)) !== pkg.sha256) return `${pkg.name} ${pkg.version} no longer matches its SHA-256`;
    if (!(await verifySignature(pkg))) return `the signature of ${pkg.name} ${pkg.version} does not verify with publisher key ${pkg.keyId}`;
    return null;
  }

  /**
   * Reports a step without ever failing it: the job's own step reports tell the server how the install
   * went, so a progress report lost to a dropped link is kept and sent again later (its report id makes
   * the repeat harmless), instead of failing an install that needs no network any more.
   */
  private async report(actionId: number, status: FeedbackInput['status'], details?: string[]): Promise<void> {
    try {
      await this.feedback(actionId, status, details);
    } catch (error) {
      this.onError(error);
      // A refusal (4xx) would be refused again: only what may pass later is kept.
      if (error instanceof PosFleetError && error.retryable) this.unsent.push({ actionId, status, ...(details && { details }) });
    }
  }

  /**
   * That the package is installed must reach the server before the job goes on: a job that completes
   * without it counts as an install that never happened. Tried until it passes or the job ends (its
   * lease bounds the wait); kept for later if the job ended first.
   */
  private async reportInstalled(actionId: number, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.feedback(actionId, 'installed');
        return;
      } catch (error) {
        this.onError(error);
        if (!(error instanceof PosFleetError && error.retryable)) return;
      }
      if (signal.aborted) {
        this.unsent.push({ actionId, status: 'installed' });
        return;
      }
      await sleep(Math.min(1000 * 2 ** attempt, 30_000), signal, this.port.timers);
    }
  }

  /** Sends the reports kept back, in order, while the server answers. */
  private async resend(): Promise<void> {
    if (this.resending || !this.unsent.length) return;
    this.resending = true;
    try {
      for (let next = this.unsent[0]; next; next = this.unsent[0]) {
        try {
          await this.feedback(next.actionId, next.status, next.details);
        } catch (error) {
          if (error instanceof PosFleetError && error.retryable) throw error;
          this.onError(error); // refused for good: dropped
        }
        this.unsent.shift();
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.resending = false;
    }
  }

  private async feedback(actionId: number, status: FeedbackInput['status'], details?: string[]): Promise<void> {
    const reportId = `${actionId}-${status}`;
    if (this.reported.has(reportId) && status !== 'failed') return;
    const body: FeedbackInput = { reportId, status, ...(details && { details }) };
    const answer = await this.port.postJson<{ state: string }>(`/device/v1/deployments/${actionId}/feedback`, body);
    this.reported.add(reportId);
    if (this.deployment?.actionId === actionId) this.deployment = { ...this.deployment, state: answer.state as Deployment['state'] };
  }
}

/** Ed25519 over the package statement, with WebCrypto (Node 20, browsers, Deno). */
export async function verifySignature(pkg: Pick<DeploymentPackage, 'kind' | 'name' | 'version' | 'size' | 'sha256' | 'signature' | 'publicKey' | 'parametersSha256'>): Promise<boolean> {
  try {
    const der = base64Bytes(pkg.publicKey.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
    const key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, base64Bytes(pkg.signature), new TextEncoder().encode(statementText(pkg)));
  } catch {
    return false;
  }
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Keeps downloads in memory: for simulators and tests, or terminals with no file system to spare. */
export function memoryStorage(): PackageStorage & { bytes(packageId: string): Uint8Array } {
  const files = new Map<string, Uint8Array[]>();
  const bytes = (id: string) => {
    const chunks = files.get(id) ?? [];
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  };
  return {
    bytes,
    size: async (id) => (files.get(id) ?? []).reduce((n, c) => n + c.length, 0),
    append: async (id, chunk) => {
      const chunks = files.get(id) ?? [];
      chunks.push(chunk.slice());
      files.set(id, chunks);
    },
    sha256: async (id) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes(id)))].map((b) => b.toString(16).padStart(2, '0')).join(''),
    remove: async (id) => void files.delete(id),
  };
}
