// The TypeScript set-up the Pulumi CLI's Node.js language host uses for a program folder
// (@pulumi/pulumi/cmd/run/run.js, CommonJS branch): the typescript and ts-node that @pulumi/pulumi's own tsutils
// picks, the folder's tsconfig.json, and Pulumi's compiler defaults under the tsconfig's own compilerOptions.
// Shared by the recording host and the type check, so the two always agree. Plain JavaScript: it runs before any
// TypeScript loader is registered.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The nearest folder upward with a package.json, as run.js's npmPackageRootFromProgramPath finds it. */
function packageRoot(dir) {
    for (let current = dir; ; current = path.dirname(current)) {
        if (fs.existsSync(path.join(current, "package.json"))) return current;
        if (path.dirname(current) === current) throw new Error(`no package.json in ${dir} or above`);
    }
}

function pulumiTypeScript(programDir) {
    const pulumiRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] }));
    const tsutils = require(path.join(pulumiRoot, "tsutils.js"));
    const semver = require(require.resolve("semver", { paths: [pulumiRoot] }));
    const tsConfigPath = path.resolve(programDir, process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json");
    const ownOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const typescriptPath = require.resolve(typescriptRequire, { paths: [pulumiRoot] });
    const ts = require(typescriptPath);
    const tsVersion = semver.parse(ts.version);
    const useNodeNext = tsVersion && tsVersion.compare(new semver.SemVer("4.7.0")) >= 0;
    return {
        ts,
        typescriptRequire,
        typescriptPath,
        tsnodePath: require.resolve(tsnodeRequire, { paths: [pulumiRoot] }),
        tsConfigPath,
        hasTsConfig: fs.existsSync(tsConfigPath),
        ownOptions,
        compilerOptions: {
            target: "ES2020",
            module: useNodeNext ? "nodenext" : "commonjs",
            moduleResolution: useNodeNext ? "nodenext" : "node",
            sourceMap: "true",
            ...ownOptions,
        },
    };
}

module.exports = { packageRoot, pulumiTypeScript };
