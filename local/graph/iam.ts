/**
 * IAM-style wildcard match, as IAM matches ARNs and actions: `*` any run of characters, `?` one character. ARNs
 * are case-sensitive; action names are not (`ignoreCase`).
 */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
    return compileWildcard(pattern, ignoreCase).test(value);
}

/** The RegExp of an IAM wildcard pattern, compiled once per pattern. */
export function compileWildcard(pattern: string, ignoreCase = false): RegExp {
    const key = `${ignoreCase ? "i" : "s"}${pattern}`;
    let compiled = COMPILED.get(key);
    if (!compiled) {
        const regex = pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".");
        // dotAll: `*` spans any character, a newline in an S3 key included.
        compiled = new RegExp(`^${regex}$`, ignoreCase ? "is" : "s");
        COMPILED.set(key, compiled);
    }
    return compiled;
}

/** Compiled once: the gateway matches a permission's `sourceArn` on every message. The graph's patterns are few. */
const COMPILED = new Map<string, RegExp>();
