/** Typed listener sets. A listener that throws is reported (rethrown in a microtask) without skipping the others. */
export class Emitter<Events extends object> {
    private readonly listeners: { [K in keyof Events]?: Set<(value: Events[K]) => void> } = {};

    /** Returns a function that removes the listener. */
    on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
        const set = (this.listeners[event] ??= new Set());
        set.add(listener);
        return () => {
            set.delete(listener);
        };
    }

    emit<K extends keyof Events>(event: K, value: Events[K]): void {
        for (const listener of [...(this.listeners[event] ?? [])]) {
            try {
                listener(value);
            } catch (error) {
                queueMicrotask(() => {
                    throw error;
                });
            }
        }
    }
}
