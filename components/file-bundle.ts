import { buildSync, type BuildOptions, type Message, type Metafile } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError } from "./validation";

/** A handler kept in a file of its own, bundled with esbuild instead of serialized from a closure. */
export interface FileCode {
    /**
     * The handler's file, relative to the program's folder (the working directory of `pulumi up`).
     * @example "src/chat.ts"
     */
    file: string;
    /**
     * The handler's export.
     * @default "handler"
     */
    export?: string;
}

export function isFileCode(code: unknown): code is FileCode {
    return typeof code === "object" && code !== null && typeof (code as { file?: unknown }).file === "string";
}

/**
 * Bundles a handler file for the Node.js Lambda runtime as one CommonJS file: its imports inlined, the AWS SDK v3
 * left out (the runtime has it). For what a closure cannot capture: native modules' wrappers, large dependencies,
 * code shared with other tools. Fails naming the file and the fix when it is missing, does not build, or does not
 * export the handler.
 */
export function bundleHandlerFile(component: string, code: FileCode, nodeMajor: number): string {
    const exportName = code.export ?? "handler";
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(exportName)) {
        throw new InvalidArgumentError(component, `export "${exportName}" of ${code.file} is not a JavaScript name.`);
    }
    const file = path.resolve(code.file);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        throw new InvalidArgumentError(
            component,
            `handler file ${code.file} does not exist (looked for ${file}); give a path relative to the program's folder.`,
        );
    }
    const common: BuildOptions = {
        entryPoints: [file],
        bundle: true,
        platform: "node",
        external: ["@aws-sdk/*"],
        write: false,
        logLevel: "silent",
    };
    // Only an ES-module build lists its exports; the deployed bundle is CommonJS, what the runtime's require loads.
    let metafile: Metafile | undefined;
    try {
        ({ metafile } = buildSync({ ...common, format: "esm", metafile: true, outdir: "out" }));
    } catch (err) {
        const first = (err as { errors?: Message[] }).errors?.[0];
        const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
        throw new InvalidArgumentError(component, `${code.file} does not build: ${where}${first?.text ?? String(err)}`);
    }
    const exports = Object.values(metafile?.outputs ?? {}).flatMap((output) => output.exports);
    if (!exports.includes(exportName)) {
        throw new InvalidArgumentError(
            component,
            `${code.file} does not export "${exportName}"; it exports: ${exports.join(", ") || "nothing"}.`,
        );
    }
    const { outputFiles } = buildSync({ ...common, format: "cjs", target: `node${nodeMajor}`, outfile: "index.js" });
    return outputFiles?.[0]?.text ?? "";
}
