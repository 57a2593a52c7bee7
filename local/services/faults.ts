/**
 * A model of AWS failing, beside the latency model: a share of `@connections` requests, DynamoDB data-plane
 * requests and Lambda invocations fail as AWS's fail (B45). Off by default; adjustable while the local cloud runs,
 * so a test can connect its clients first and fail what follows.
 */

/** `429` LimitExceededException, `500` InternalServerErrorException, `gone`: the connection drops, then 410. */
export type ConnectionFault = "429" | "500" | "gone";
/** `throttling` ProvisionedThroughputExceededException (400), `500` InternalServerError. */
export type DynamoDBFault = "throttling" | "500";
/** `crash`: the execution environment dies as the invocation starts (Runtime.ExitError). */
export type FunctionFault = "crash";

export interface ServiceFaults<Kind extends string> {
    /** The share of requests that fail, 0 to 1. */
    rate: number;
    /** What a failing request gets, chosen evenly. @default every kind of this service */
    errors?: Kind[];
    /**
     * At most this many failures in a row for one target (a connection, a DynamoDB operation, a function), so that retries
     * are sure to get through: a transient fault. @default unlimited
     */
    maxConsecutive?: number;
}

export interface FaultModel {
    connections?: ServiceFaults<ConnectionFault>;
    dynamodb?: ServiceFaults<DynamoDBFault>;
    functions?: ServiceFaults<FunctionFault>;
    /** Seeds the choices, so one model fails the same share the same way run after run. @default 1 */
    seed?: number;
}

const KINDS = {
    connections: ["429", "500", "gone"],
    dynamodb: ["throttling", "500"],
    functions: ["crash"],
} as const satisfies Record<Service, readonly string[]>;

type Service = "connections" | "dynamodb" | "functions";
type KindOf<S extends Service> = (typeof KINDS)[S][number];

export class Faults {
    private model: FaultModel = {};
    /** One stream per service, so that one service's traffic does not change which requests of another fail. */
    private random = new Map<Service, () => number>();
    private readonly streaks = new Map<string, number>();
    private readonly injected = new Map<string, number>();

    constructor(model: FaultModel = {}) {
        this.set(model);
    }

    /** Replaces the model (`{}` turns every fault off); a bad one throws, naming the field. */
    set(model: FaultModel): void {
        for (const service of Object.keys(KINDS) as Service[]) checkService(service, model[service]);
        if (model.seed !== undefined && !Number.isInteger(model.seed))
            throw new RangeError(`faults.seed must be a whole number; got ${model.seed}`);
        this.model = model;
        this.random = new Map((Object.keys(KINDS) as Service[]).map((service, i) => [service, mulberry32((model.seed ?? 1) * 31 + i)]));
        this.streaks.clear();
    }

    /** How many faults were injected, by `service kind` (`connections 429`), since the start. */
    counts(): Record<string, number> {
        return Object.fromEntries(this.injected);
    }

    /** Whether this request to `target` fails, and how; undefined when it goes through. */
    next<S extends Service>(service: S, target: string): KindOf<S> | undefined {
        const settings = this.model[service] as ServiceFaults<KindOf<S>> | undefined;
        if (!settings || settings.rate === 0) return undefined;
        const random = this.random.get(service)!;
        // Streaks are counted only when bounded: an unbounded model keeps nothing per target.
        const key = `${service} ${target}`;
        const limit = settings.maxConsecutive;
        const streak = limit === undefined ? 0 : (this.streaks.get(key) ?? 0);
        const fails = random() < settings.rate && (limit === undefined || streak < limit);
        if (!fails) {
            if (limit !== undefined) this.streaks.delete(key);
            return undefined;
        }
        const kinds = (settings.errors?.length ? settings.errors : KINDS[service]) as readonly KindOf<S>[];
        const kind = kinds[Math.floor(random() * kinds.length)];
        // A dropped connection takes no further request: its streak ends with it.
        if (limit !== undefined && kind !== "gone") this.streaks.set(key, streak + 1);
        else this.streaks.delete(key);
        this.injected.set(`${service} ${kind}`, (this.injected.get(`${service} ${kind}`) ?? 0) + 1);
        return kind;
    }
}

function checkService(service: Service, settings: ServiceFaults<string> | undefined): void {
    if (settings === undefined) return;
    if (typeof settings.rate !== "number" || !(settings.rate >= 0 && settings.rate <= 1)) {
        throw new RangeError(`faults.${service}.rate must be a share from 0 to 1; got ${String(settings.rate)}`);
    }
    const unknown = (settings.errors ?? []).filter((kind) => !(KINDS[service] as readonly string[]).includes(kind));
    if (unknown.length > 0) {
        throw new RangeError(`faults.${service}.errors: ${unknown.join(", ")} unknown; choose from ${KINDS[service].join(", ")}`);
    }
    if (settings.maxConsecutive !== undefined && !(Number.isInteger(settings.maxConsecutive) && settings.maxConsecutive >= 0)) {
        throw new RangeError(`faults.${service}.maxConsecutive must be a whole number of at least 0; got ${settings.maxConsecutive}`);
    }
}

/** A small seeded generator: the same seed gives the same choices (Math.random cannot be seeded). */
function mulberry32(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * `--faults connections=0.2,dynamodb=0.1,functions=0.05`: each service's rate, every kind of its errors. Throws a
 * one-line error naming the mistake.
 */
export function parseFaults(spec: string): FaultModel {
    const model: FaultModel = {};
    for (const part of spec.split(",").filter(Boolean)) {
        const match = /^(connections|dynamodb|functions)=([0-9.]+)$/.exec(part.trim());
        if (!match) {
            throw new RangeError(`--faults: "${part}" is not service=rate; e.g. --faults connections=0.2,dynamodb=0.1,functions=0.05`);
        }
        const rate = Number(match[2]);
        const service = match[1] as Service;
        model[service] = { rate } as never;
        checkService(service, model[service]);
    }
    return model;
}

/** `connections 20% (429, 500, gone), functions 5% (crash)`: what a model fails, for the start-up banner. */
export function describeFaults(model: FaultModel): string {
    return (Object.keys(KINDS) as Service[])
        .filter((service) => model[service] && model[service].rate > 0)
        .map((service) => {
            const settings = model[service] as ServiceFaults<string>;
            const kinds = settings.errors?.length ? settings.errors : KINDS[service];
            return `${service} ${+(settings.rate * 100).toFixed(2)}% (${kinds.join(", ")})`;
        })
        .join(", ");
}
