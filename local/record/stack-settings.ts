import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

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
