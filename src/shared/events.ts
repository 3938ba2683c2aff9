// Typed events between capabilities: one capability emits (`emit('maintenance.ended', …)`), any number
// of others listen, and neither imports the other. Each capability declares the events it emits as a
// map of name to payload (e.g. MaintenanceEvents); the composition root (src/services.ts) makes one bus
// over all of them and subscribes the listeners. A dependency that must give one answer (a start gate,
// the heartbeat answer's modes) is no event: it is passed to the constructor.

/** Event name → payload (declare it as a `type`, which TypeScript lets stand for a record). */
export type EventMap = Record<string, unknown>;

export type Listener<P> = (payload: P) => Promise<void> | void;

/** What an emitting service is given: it may only emit its own events. */
export interface Emitter<M extends EventMap> {
  emit<K extends keyof M & string>(name: K, payload: M[K]): Promise<void>;
}

/** What a listening capability is given: it may only listen. */
export interface Subscriber<M extends EventMap> {
  on<K extends keyof M & string>(name: K, listener: Listener<M[K]>): () => void;
}

export class EventBus<M extends EventMap> implements Emitter<M>, Subscriber<M> {
  private readonly listeners = new Map<keyof M, Listener<never>[]>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof M & string>(name: K, listener: Listener<M[K]>): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(name, list);
    return () => {
      const at = list.indexOf(listener as Listener<never>);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /**
   * Calls the event's listeners one after another, in the order they were added, and resolves once all
   * of them did: the emitter goes on only after its listeners (a notice is queued before the tick moves
   * on). A listener that throws stops the others and rejects the emit, as a direct call would.
   */
  async emit<K extends keyof M & string>(name: K, payload: M[K]): Promise<void> {
    for (const listener of [...(this.listeners.get(name) ?? [])]) await (listener as Listener<M[K]>)(payload);
  }
}
