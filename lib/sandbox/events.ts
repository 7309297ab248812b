/** The sandbox's live events (requests, state changes, faults, settings): listeners, told in turn. */
import type { SandboxEvent } from './types.js';

export type SandboxListener = (event: SandboxEvent) => void;

export class EventHub {
  readonly #listeners = new Set<SandboxListener>();

  /** Returns the function that stops listening. */
  subscribe(listener: SandboxListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(event: SandboxEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
