/**
 * IAM-style wildcard match, as IAM matches ARNs and actions: `*` any run of characters, `?` one character. ARNs
 * are case-sensitive; action names are not (`ignoreCase`).
 */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
    const key = `${ignoreCase ? "i" : "s"}${pattern}`;
    let compiled = COMPILED.get(key);
    if (!compiled) {
        const regex = pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".");
        compiled = new RegExp(`^${regex}$`, ignoreCase ? "i" : "");
        COMPILED.set(key, compiled);
    }
    return compiled.test(value);
}

/** Compiled once: the gateway matches a permission's `sourceArn` on every message. The graph's patterns are few. */
const COMPILED = new Map<string, RegExp>();

export interface PolicyStatement {
    Effect?: string;
    Action?: string | string[];
    Resource?: string | string[];
}
export interface PolicyDocument {
    Statement?: PolicyStatement[];
}

/** A policy allows `action` on `resource` when an Allow statement covers both and no Deny statement does. */
export function policyAllows(policy: PolicyDocument | undefined, action: string, resource: string): boolean {
    const covers = (statement: PolicyStatement) =>
        [statement.Action ?? []].flat().some((a) => wildcardMatches(a, action, true)) &&
        [statement.Resource ?? []].flat().some((r) => wildcardMatches(r, resource));
    const statements = policy?.Statement ?? [];
    return statements.some((s) => s.Effect === "Allow" && covers(s)) && !statements.some((s) => s.Effect === "Deny" && covers(s));
}
