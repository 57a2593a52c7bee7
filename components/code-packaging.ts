import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Names of the packages `CallbackFunction` would pack into a Lambda archive: the `dependencies` of the first
 * `package.json` found upward from the working directory (what `pulumi.runtime.computeCodePaths` reads). That
 * is the *calling program's* package.json, so when this library is imported elsewhere it is that program's
 * dependencies, which we cannot know in advance; hence we read them rather than list them.
 */
export function programDependencyNames(startDir: string = process.cwd()): string[] {
    for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };
            return Object.keys(manifest.dependencies ?? {});
        }
        if (path.dirname(dir) === dir) {
            return [];
        }
    }
}

/**
 * `codePathOptions` that leave the archive holding our serialized code only: the Node.js Lambda runtime has the
 * AWS SDK v3, and nothing else in `dependencies` is needed unless named in `bundledPackages`.
 */
export function lambdaCodePathOptions(bundledPackages: readonly string[] = []) {
    const bundled = new Set(bundledPackages);
    return {
        extraIncludePackages: [...bundled],
        extraExcludePackages: programDependencyNames().filter((name) => !bundled.has(name)),
    };
}
