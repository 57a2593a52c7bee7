import { compileWildcard, wildcardMatches } from "./iam";

// IAM's policy evaluation, compiled once per policy so that a request is decided without reading JSON: Effect,
// Action/NotAction, Resource/NotResource, Principal/NotPrincipal and the condition operators below. No library
// evaluates IAM policies offline in Node.js; this follows AWS's policy evaluation logic page.

/** What one request is: the action, the resource ARN, the principal, and the condition keys the service supplies. */
export interface AuthorizationRequest {
    action: string;
    resource: string;
    /** The ARNs the caller is known by (its role's, its session's), for resource-based policies. */
    principal?: string | readonly string[];
    /** The caller's account: an account principal (`123456789012`, `arn:aws:iam::123456789012:root`) names it. */
    principalAccount?: string;
    /** Condition keys and their values in this request, e.g. `aws:SourceArn`. Keys are case-insensitive. */
    context?: Record<string, string | string[] | undefined>;
}

/** An explicit Deny wins over any Allow; without an Allow the request is implicitly denied. */
export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export interface CompiledPolicy {
    /** Where the policy comes from, for messages: `role-policy fanout-role/inline`. */
    source: string;
    decide(request: AuthorizationRequest): Decision;
}

/** A compiled policy, and what in it the local evaluation does not honour, one line each. */
export interface Compiled {
    policy: CompiledPolicy;
    unsupported: string[];
}

type Test = (request: AuthorizationRequest) => boolean;

/**
 * Compiles a policy document (an object or its JSON text). `supportedKeys` are the condition keys the local
 * services supply: a condition on another key is reported in `unsupported` and treated as met.
 */
export function compilePolicy(document: unknown, source: string, supportedKeys: readonly string[]): Compiled {
    const unsupported: string[] = [];
    const parsed = typeof document === "string" ? parseJson(document, source, unsupported) : document;
    const statements = [((parsed ?? {}) as { Statement?: unknown }).Statement ?? []].flat();
    const compiled = statements.flatMap((statement, index) => {
        const where = `${source} statement ${index + 1}`;
        const result = compileStatement(statement, where, new Set(supportedKeys.map((key) => key.toLowerCase())), unsupported);
        return result ? [result] : [];
    });
    const denies = compiled.filter((s) => s.effect === "Deny").map((s) => s.applies);
    const allows = compiled.filter((s) => s.effect === "Allow").map((s) => s.applies);
    return {
        policy: {
            source,
            decide: (request) =>
                denies.some((applies) => applies(request))
                    ? "ExplicitDeny"
                    : allows.some((applies) => applies(request))
                      ? "Allow"
                      : "ImplicitDeny",
        },
        unsupported,
    };
}

/** Whether a policy document (a Lambda authorizer's answer) allows `action` on `resource`, as the compiled policy decides. */
export function policyAllows(document: unknown, action: string, resource: string): boolean {
    return compilePolicy(document ?? {}, "policy", []).policy.decide({ action, resource }) === "Allow";
}

/** Several identity policies of one principal together: any explicit Deny, else any Allow, else an implicit Deny. */
export function decideAll(policies: readonly CompiledPolicy[], request: AuthorizationRequest): Decision {
    let allowed = false;
    for (const policy of policies) {
        const decision = policy.decide(request);
        if (decision === "ExplicitDeny") return decision;
        allowed ||= decision === "Allow";
    }
    return allowed ? "Allow" : "ImplicitDeny";
}

function parseJson(text: string, source: string, unsupported: string[]): unknown {
    try {
        return JSON.parse(text);
    } catch {
        unsupported.push(`${source}: not JSON, so it allows nothing`);
        return {};
    }
}

const strings = (value: unknown): string[] => [value ?? []].flat().map(String);

function compileStatement(
    raw: unknown,
    where: string,
    supported: Set<string>,
    unsupported: string[],
): { effect: "Allow" | "Deny"; applies: Test } | undefined {
    if (raw === null || typeof raw !== "object") {
        unsupported.push(`${where}: not an object, so it applies to nothing`);
        return undefined;
    }
    const statement = raw as Record<string, unknown>;
    const effect = statement.Effect;
    if (effect !== "Allow" && effect !== "Deny") {
        unsupported.push(`${where}: Effect ${JSON.stringify(effect)} is neither Allow nor Deny, so it applies to nothing`);
        return undefined;
    }
    const tests: Test[] = [
        matcher(statement, "Action", "NotAction", (request) => request.action, true),
        matcher(statement, "Resource", "NotResource", (request) => request.resource, false),
    ];
    for (const pattern of strings(statement.Resource ?? statement.NotResource).filter((p) => p.includes("${"))) {
        unsupported.push(`${where}: policy variables (${pattern}) are not substituted locally; the pattern is matched as written`);
    }
    if ("Principal" in statement || "NotPrincipal" in statement) tests.push(principalMatcher(statement, effect, where, unsupported));
    if (statement.Condition !== undefined) tests.push(...compileConditions(statement.Condition, where, supported, unsupported));
    return { effect, applies: (request) => tests.every((test) => test(request)) };
}

/** `Action` (or `NotAction`), `Resource` (or `NotResource`): patterns with `*` and `?`. Neither: matches nothing. */
function matcher(
    statement: Record<string, unknown>,
    positive: string,
    negative: string,
    value: (request: AuthorizationRequest) => string,
    ignoreCase: boolean,
): Test {
    const any = (patterns: string[]) => {
        const compiled = patterns.map((p) => compileWildcard(p, ignoreCase));
        return (request: AuthorizationRequest) => {
            const actual = value(request);
            return compiled.some((regex) => regex.test(actual));
        };
    };
    if (statement[positive] !== undefined) return any(strings(statement[positive]));
    if (statement[negative] !== undefined) {
        const excluded = any(strings(statement[negative]));
        return (request) => !excluded(request);
    }
    return () => false;
}

/**
 * `Principal: "*"`, `{ AWS: … }`, `{ Service: … }`; one of the caller's ARNs must be named. `*` alone is a
 * wildcard: AWS refuses a policy with a partial one, so it is reported and matched as written. An account principal
 * delegates to the account's identity policies: in the caller's own account it grants nothing by itself, but a
 * Deny on it applies to every caller of that account. `NotPrincipal` exempts a caller only when every identity it
 * is evaluated as is listed (its session, its role, its account), as AWS's NotPrincipal page requires.
 */
function principalMatcher(statement: Record<string, unknown>, effect: "Allow" | "Deny", where: string, unsupported: string[]): Test {
    const negated = statement.Principal === undefined;
    const value = negated ? statement.NotPrincipal : statement.Principal;
    const patterns = value === "*" ? ["*"] : Object.values((value ?? {}) as Record<string, unknown>).flatMap((entry) => strings(entry));
    const account = (p: string) => /^(?:arn:aws[\w-]*:iam::)?(\d{12})(?::root)?$/.exec(p)?.[1];
    const accounts = patterns.map(account).filter((a) => a !== undefined);
    const arns = new Set(patterns.filter((p) => account(p) === undefined));
    for (const pattern of arns) {
        if (pattern !== "*" && /[*?]/.test(pattern)) {
            unsupported.push(
                `${where}: principal ${pattern} has a partial wildcard, which AWS refuses (MalformedPolicy); it is matched as written`,
            );
        }
        if (pattern.includes("${"))
            unsupported.push(`${where}: policy variables (${pattern}) are not substituted locally; matched as written`);
    }
    const named = (caller: string) => arns.has("*") || arns.has(caller);
    return (request) => {
        const callers = [request.principal ?? []].flat();
        const inAccount = request.principalAccount !== undefined && accounts.includes(request.principalAccount);
        if (negated) {
            const exempt = callers.length > 0 && callers.every(named) && (inAccount || arns.has("*"));
            return !exempt;
        }
        return callers.some(named) || (effect === "Deny" && inAccount);
    };
}

type Operator = (actual: string, expected: string) => boolean;

const number = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));
const date = (text: string) => (/^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text));

/** The condition operators evaluated locally, by name without `IfExists` and set prefixes. */
const OPERATORS: Record<string, { test: Operator; negated: boolean }> = {
    StringEquals: { test: (a, e) => a === e, negated: false },
    StringNotEquals: { test: (a, e) => a === e, negated: true },
    StringEqualsIgnoreCase: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
    StringNotEqualsIgnoreCase: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
    StringLike: { test: (a, e) => wildcardMatches(e, a), negated: false },
    StringNotLike: { test: (a, e) => wildcardMatches(e, a), negated: true },
    ArnEquals: { test: (a, e) => wildcardMatches(e, a), negated: false },
    ArnLike: { test: (a, e) => wildcardMatches(e, a), negated: false },
    ArnNotEquals: { test: (a, e) => wildcardMatches(e, a), negated: true },
    ArnNotLike: { test: (a, e) => wildcardMatches(e, a), negated: true },
    NumericEquals: { test: (a, e) => number(a) === number(e), negated: false },
    NumericNotEquals: { test: (a, e) => number(a) === number(e), negated: true },
    NumericLessThan: { test: (a, e) => number(a) < number(e), negated: false },
    NumericLessThanEquals: { test: (a, e) => number(a) <= number(e), negated: false },
    NumericGreaterThan: { test: (a, e) => number(a) > number(e), negated: false },
    NumericGreaterThanEquals: { test: (a, e) => number(a) >= number(e), negated: false },
    DateEquals: { test: (a, e) => date(a) === date(e), negated: false },
    DateNotEquals: { test: (a, e) => date(a) === date(e), negated: true },
    DateLessThan: { test: (a, e) => date(a) < date(e), negated: false },
    DateLessThanEquals: { test: (a, e) => date(a) <= date(e), negated: false },
    DateGreaterThan: { test: (a, e) => date(a) > date(e), negated: false },
    DateGreaterThanEquals: { test: (a, e) => date(a) >= date(e), negated: false },
    Bool: { test: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
};

/**
 * Each `Condition` block entry as a test: every operator and every key must hold (AND); any of a key's values may
 * match (OR), and a negated operator holds when none does. A key missing from the request fails a positive operator
 * and passes a negated one, or passes with `…IfExists`; `Null` tests presence. `ForAllValues:` holds when every
 * value of the request's set does (an absent or empty set included), `ForAnyValue:` when one does (never for an
 * absent set, unless `…IfExists`).
 */
function compileConditions(block: unknown, where: string, supported: Set<string>, unsupported: string[]): Test[] {
    if (block === null || typeof block !== "object") {
        unsupported.push(`${where}: Condition is not an object, so the statement applies to nothing`);
        return [() => false];
    }
    return Object.entries(block as Record<string, unknown>).flatMap(([name, entries]) => {
        const [, prefix, bare, ifExists] = /^(ForAnyValue:|ForAllValues:)?(.+?)(IfExists)?$/.exec(name) ?? [];
        const operator = OPERATORS[bare ?? ""];
        const isNull = bare === "Null";
        if (!operator && !isNull) {
            unsupported.push(`${where}: condition operator ${name} is not evaluated locally`);
            return [];
        }
        return Object.entries((entries ?? {}) as Record<string, unknown>).flatMap(([key, expectedValue]): Test[] => {
            if (!supported.has(key.toLowerCase())) {
                unsupported.push(`${where}: condition ${key} is not evaluated locally`);
                return [];
            }
            const expected = strings(expectedValue);
            for (const variable of expected.filter((e) => e.includes("${"))) {
                unsupported.push(
                    `${where}: policy variables (${variable}) in condition ${key} are not substituted locally; matched as written`,
                );
            }
            const read = (request: AuthorizationRequest) => lookup(request.context, key);
            if (isNull) return [(request) => expected.some((e) => (e.toLowerCase() === "true") === (read(request) === undefined))];
            const { test, negated } = operator;
            // One value against the policy's: a negated operator holds when it matches none of them.
            const holds = (value: string) => expected.some((e) => test(value, e)) !== negated;
            return [
                (request) => {
                    const actual = read(request);
                    const values = actual === undefined ? [] : [actual].flat();
                    // ForAllValues: every value (none: true); ForAnyValue: some value (none: false, unless IfExists).
                    if (prefix === "ForAllValues:") return values.every(holds);
                    if (prefix === "ForAnyValue:") return values.length === 0 ? Boolean(ifExists) : values.some(holds);
                    if (actual === undefined) return Boolean(ifExists) || negated;
                    return negated ? values.every(holds) : values.some(holds);
                },
            ];
        });
    });
}

function lookup(context: AuthorizationRequest["context"], key: string): string | string[] | undefined {
    if (!context) return undefined;
    const lower = key.toLowerCase();
    for (const [name, value] of Object.entries(context)) if (name.toLowerCase() === lower) return value;
    return undefined;
}
