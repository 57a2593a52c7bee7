/**
 * Delivers each notification once while two sockets of one client overlap (the swap before API Gateway's connection
 * age limit) and the server sends it on both. Texts are not unique (one publish may be repeated), so it counts: the
 * k-th copy of a text seen on one socket is new only if fewer than k copies of that text have been delivered.
 */
export class OverlapDedupe<Socket> {
    private readonly delivered = new Map<string, number>();
    private readonly seen = new Map<Socket, Map<string, number>>();

    /** Whether `text`, just received on `socket`, is to be delivered. */
    accept(socket: Socket, text: string): boolean {
        let counts = this.seen.get(socket);
        if (!counts) this.seen.set(socket, (counts = new Map()));
        const k = (counts.get(text) ?? 0) + 1;
        counts.set(text, k);
        if (k <= (this.delivered.get(text) ?? 0)) return false;
        this.delivered.set(text, k);
        return true;
    }
}
