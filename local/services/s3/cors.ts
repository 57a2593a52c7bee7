import type { CorsRuleSpec } from "../../graph/specs";

// A bucket's CORS rules in the local S3: validated as PutBucketCors validates them, written as the XML s3rver
// stores (it then answers actual cross-origin requests and GetBucketCors itself), and evaluated for preflights,
// which s3rver answers unlike S3 (see preflightHeaders).

/** The methods a rule may allow; S3 refuses a configuration naming any other. */
const CORS_METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"];
/** S3's limit of rules per configuration. */
const MAX_RULES = 100;

/** Fails, naming the bucket, on a configuration S3's PutBucketCors would refuse (and so `pulumi up` would fail on). */
export function validateCorsRules(bucket: string, rules: CorsRuleSpec[]): void {
    const fail = (problem: string) => {
        throw new Error(`Bucket ${bucket}'s CORS configuration: ${problem}`);
    };
    if (rules.length > MAX_RULES) fail(`${rules.length} rules; S3 allows ${MAX_RULES}.`);
    for (const [i, rule] of rules.entries()) {
        const which = `rule ${rule.id ?? i + 1}`;
        if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) {
            fail(`${which} needs at least one allowed origin and one allowed method.`);
        }
        const method = rule.allowedMethods.find((m) => !CORS_METHODS.includes(m));
        if (method !== undefined) fail(`${which} allows ${method}; S3 takes only ${CORS_METHODS.join(", ")}.`);
        for (const pattern of [...rule.allowedOrigins, ...rule.allowedHeaders]) {
            if (pattern.split("*").length > 2) fail(`${which}: "${pattern}" has more than one * wildcard.`);
        }
    }
}

const escapeXml = (text: string) =>
    text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/** The rules as S3's `CORSConfiguration` document, the form s3rver's `configureBuckets` takes. */
export function corsXml(rules: CorsRuleSpec[]): string {
    const element = (name: string, values: (string | number | undefined)[]) =>
        values
            .filter((v) => v !== undefined)
            .map((v) => `<${name}>${escapeXml(String(v))}</${name}>`)
            .join("");
    const body = rules
        .map(
            (rule) =>
                "<CORSRule>" +
                element("ID", [rule.id]) +
                element("AllowedOrigin", rule.allowedOrigins) +
                element("AllowedMethod", rule.allowedMethods) +
                element("AllowedHeader", rule.allowedHeaders) +
                element("ExposeHeader", rule.exposeHeaders) +
                element("MaxAgeSeconds", [rule.maxAgeSeconds]) +
                "</CORSRule>",
        )
        .join("");
    return `<CORSConfiguration>${body}</CORSConfiguration>`;
}

/** A pattern with at most one `*`, which stands for any characters. */
function wildcard(pattern: string, flags = ""): RegExp {
    const escape = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^${pattern.split("*").map(escape).join(".*")}$`, flags);
}

export interface Preflight {
    origin: string;
    /** `Access-Control-Request-Method`. */
    method: string;
    /** `Access-Control-Request-Headers`, split. */
    headers: string[];
}

/**
 * The headers S3 answers a preflight with, from the first rule that matches its origin, its method and every
 * header it asks for; `undefined` when no rule does (S3 then answers 403). s3rver differs in three ways, which is
 * why the local S3 answers preflights itself: it takes the first rule matching origin and method even when a later
 * one also allows the headers, it always allows origin `*`, and it sends neither Max-Age nor Expose-Headers.
 */
export function preflightHeaders(rules: CorsRuleSpec[], preflight: Preflight): Record<string, string> | undefined {
    const requested = preflight.headers.map((h) => h.trim().toLowerCase()).filter(Boolean);
    const rule = rules.find(
        (r) =>
            r.allowedOrigins.some((o) => wildcard(o).test(preflight.origin)) &&
            r.allowedMethods.includes(preflight.method) &&
            requested.every((h) => r.allowedHeaders.some((a) => wildcard(a, "i").test(h))),
    );
    if (!rule) return undefined;
    // A rule allowing any origin answers `*`, one naming origins answers the request's own and allows credentials.
    const anyOrigin = rule.allowedOrigins.includes("*");
    return {
        "Access-Control-Allow-Origin": anyOrigin ? "*" : preflight.origin,
        "Access-Control-Allow-Methods": rule.allowedMethods.join(", "),
        ...(requested.length ? { "Access-Control-Allow-Headers": requested.join(", ") } : {}),
        ...(rule.exposeHeaders.length ? { "Access-Control-Expose-Headers": rule.exposeHeaders.join(", ") } : {}),
        ...(rule.maxAgeSeconds !== undefined ? { "Access-Control-Max-Age": String(rule.maxAgeSeconds) } : {}),
        ...(anyOrigin ? {} : { "Access-Control-Allow-Credentials": "true" }),
        Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    };
}
