import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { AwsMocks } from "./aws-mocks";

/** JSON-safe value; archives and assets become `{ archive: {...} }` / `{ asset: {...} }`. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

export interface StackSettings {
    project: string;
    stack: string;
    /** Namespaced config, as `pulumi config` holds it: `aws:region`, `<project>:<key>`. */
    config: Record<string, string>;
    /** The program's entry file. */
    main: string;
}

const configValue = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/**
 * Reads `Pulumi.yaml` (project name, entry point, config defaults) and `Pulumi.<stack>.yaml` from a program's
 * folder, the way the Pulumi CLI assembles a stack's config.
 */
export function readStackSettings(programDir: string, stack: string): StackSettings {
    const projectFile = path.join(programDir, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) {
        throw new Error(`${programDir} is not a Pulumi program: it has no Pulumi.yaml.`);
    }
    const project = parseYaml(fs.readFileSync(projectFile, "utf8")) as {
        name: string;
        main?: string;
        config?: Record<string, unknown>;
    };
    const config: Record<string, string> = {};
    for (const [key, declared] of Object.entries(project.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        const value =
            declared !== null && typeof declared === "object" && !Array.isArray(declared)
                ? ((declared as { default?: unknown; value?: unknown }).default ?? (declared as { value?: unknown }).value)
                : declared;
        if (value !== undefined) {
            config[fullKey] = configValue(value);
        }
    }
    const stackFile = path.join(programDir, `Pulumi.${stack}.yaml`);
    if (fs.existsSync(stackFile)) {
        const stackConfig = (parseYaml(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
        for (const [key, value] of Object.entries(stackConfig)) {
            config[key.includes(":") ? key : `${project.name}:${key}`] = configValue(value);
        }
    } else if (stack !== "dev") {
        throw new Error(`stack "${stack}" has no ${path.basename(stackFile)} in ${programDir}.`);
    }
    return { project: project.name, stack, config, main: path.resolve(programDir, project.main ?? ".") };
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
}

/**
 * Runs a Pulumi program in this process under `AwsMocks` and records every resource it registers, with its
 * inputs (archives included), its mocked state, its parent and its dependencies, plus the stack outputs.
 * `run` loads the program; everything it creates, directly or not, is awaited before this returns.
 */
export async function recordProgram(settings: Omit<StackSettings, "main">, run: () => unknown): Promise<RecordedProgram> {
    pulumi.runtime.setAllConfig(settings.config);
    const region = settings.config["aws:region"] ?? "us-east-1";
    const mocks = new AwsMocks(region);
    const newResource = mocks.newResource.bind(mocks);
    const created = new Map<string, { inputs: unknown; id: string | undefined; state: Record<string, unknown> }>();
    mocks.newResource = (args) => {
        const result = newResource(args);
        created.set(`${args.type}::${args.name}`, { inputs: args.inputs, ...result });
        return result;
    };
    await pulumi.runtime.setMocks(mocks, settings.project, settings.stack, false);

    // The mock API passes no parent or dependencies to `newResource`; the monitor's requests carry them.
    const registered: Omit<RecordedResource, "id" | "inputs" | "state">[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        register(req, (err, response) => {
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

    const outputs = (await pulumi.runtime.runInPulumiStack(async () => run())) ?? {};
    await pulumi.runtime.disconnect();

    const resources: RecordedResource[] = [];
    for (const entry of registered) {
        const made = created.get(`${entry.type}::${entry.name}`);
        resources.push({
            ...entry,
            id: made?.id ?? null,
            inputs: ((await toJson(made?.inputs ?? {})) ?? {}) as { [key: string]: Json },
            state: ((await toJson(made?.state ?? {})) ?? {}) as { [key: string]: Json },
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
