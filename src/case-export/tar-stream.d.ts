// The few parts of tar-stream 2 (MIT, mafintosh) the case bundles use; the package ships no types.
declare module 'tar-stream' {
  import type { Readable, Writable } from 'node:stream';
  export interface Header {
    name: string;
    size?: number;
    mode?: number;
    mtime?: Date;
    type?: 'file' | 'directory' | string;
  }
  export interface Pack extends Readable {
    entry(header: Header, buffer: Buffer | string, callback?: (error?: Error | null) => void): Writable;
    finalize(): void;
  }
  export interface Extract extends Writable {
    on(event: 'entry', listener: (header: Header, stream: Readable, next: () => void) => void): this;
    on(event: 'finish', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export function pack(): Pack;
  export function extract(): Extract;
}
