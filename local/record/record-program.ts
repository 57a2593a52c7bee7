import * as pulumi from "@pulumi/pulumi";
import { AwsMocks } from "./aws-mocks";
import type { StackSettings } from "./stack-settings";

/** JSON-safe value; archives and assets become `{ archive: {...} }` / `{ asset: {...} }` (see `RecordedArchive`). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a recorded `pulumi.asset.AssetArchive` / `FileArchive` / `StringAsset` / `FileAsset` looks. */
export interface RecordedAsset {
    asset?: { text?: string; path?: string };
    archive?: { path?: string; assets?: Record<string, RecordedAsset> };
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent resource (a component, or the stack). */
    parent: string;
    /** URNs this resource depends on through `dependsOn` and its inputs. */
    dependencies: string[];
    custom: boolean;
    /** `retainOnDelete`: `pulumi destroy` leaves the cloud resource in place. */
    retainOnDelete: boolean;
    id: string | null;
    inputs: { [key: string]: Json };
    state: { [key: string]: Json };
}

export interface RecordedProgram {
    /** The folder the program ran in: relative asset paths are relative to it. */
    programDir: string;
    project: string;
    stack: string;
    region: string;
    resources: RecordedResource[];
    outputs: { [key: string]: Json };
}

async function toJson(value: unknown): Promise<Json> {
    if (value === undefined || value === null) {
        return null;
    }
    if (value instanceof pulumi.asset.AssetArchive) {
        const entries: { [key: string]: Json } = {};
        for (const [key, entry] of Object.entries(await value.assets)) {
            entries[key] = await toJson(entry);
        }
        return { archive: { assets: entries } };
    }
    if (value instanceof pulumi.asset.FileArchive) {
        return { archive: { path: await value.path } };
    }
    if (value instanceof pulumi.asset.StringAsset) {
        return { asset: { text: await value.text } };
    }
    if (value instanceof pulumi.asset.FileAsset) {
        return { asset: { path: await value.path } };
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(toJson));
    }
    if (typeof value === "object") {
        const out: { [key: string]: Json } = {};
        for (const [key, item] of Object.entries(value)) {
            if (item !== undefined) {
                out[key] = await toJson(item);
            }
        }
        return out;
    }
    return value as Json;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getDependenciesList(): string[];
    getRetainondelete(): boolean | undefined;
}
interface RegisterResponse {
    getUrn(): string;
}
type RegisterCallback = (err: unknown, response?: RegisterResponse) => void;
interface MockMonitorLike {
    registerResource(req: RegisterRequest, callback: RegisterCallback): Promise<void>;
    newUrn(parent: string, type: string, name: string): string;
}
type RegisteredResource = Omit<RecordedResource, "id" | "inputs" | "state">;

/**
 * Runs a Pulumi program in this process under `AwsMocks` and records every resource it registers, with its
 * inputs (archives included), its mocked state, its parent and its dependencies, plus the stack outputs.
 * `run` loads the program; everything it creates, directly or not, is awaited before this returns.
 */
export async function recordProgram(settings: Omit<StackSettings, "main">, run: () => unknown): Promise<RecordedProgram> {
    pulumi.runtime.setAllConfig(settings.config);
    const region = settings.config["aws:region"] ?? "us-east-1";
    const mocks = new AwsMocks(region);
    await pulumi.runtime.setMocks(mocks, settings.project, settings.stack, false);

    // The mock API passes no parent, dependencies or URN to `newResource`; the monitor's requests carry them. The
    // monitor calls `newResource` synchronously inside `registerResource`, so the request in hand is that resource's.
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
    const registered: RegisteredResource[] = [];
    let registering: RegisterRequest | undefined;
    const made = new Map<string, { inputs: unknown; id: string | undefined; state: Record<string, unknown> }>();
    const newResource = mocks.newResource.bind(mocks);
    mocks.newResource = (args) => {
        const urn = registering ? monitor.newUrn(registering.getParent(), args.type, args.name) : undefined;
        const result = newResource({ ...args, urn });
        made.set(urn ?? `${args.type}::${args.name}`, { inputs: args.inputs, ...result });
        return result;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        registering = req;
        try {
            return register(req, (err, response) => {
                if (!err && response) {
                    registered.push({
                        type: req.getType(),
                        name: req.getName(),
                        parent: req.getParent(),
                        custom: req.getCustom(),
                        dependencies: req.getDependenciesList(),
                        retainOnDelete: req.getRetainondelete() ?? false,
                        urn: response.getUrn(),
                    });
                }
                callback(err, response);
            });
        } finally {
            registering = undefined;
        }
    };

    const outputs = (await pulumi.runtime.runInPulumiStack(async () => run())) ?? {};
    await pulumi.runtime.disconnect();

    const resources: RecordedResource[] = [];
    for (const entry of registered) {
        const resource = made.get(entry.urn);
        resources.push({
            ...entry,
            id: resource?.id ?? null,
            inputs: ((await toJson(resource?.inputs ?? {})) ?? {}) as { [key: string]: Json },
            state: ((await toJson(resource?.state ?? {})) ?? {}) as { [key: string]: Json },
        });
    }
    return {
        programDir: process.cwd(),
        project: settings.project,
        stack: settings.stack,
        region,
        resources,
        outputs: ((await toJson(outputs)) ?? {}) as { [key: string]: Json },
    };
}
