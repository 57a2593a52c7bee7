import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

// Comparing the gateway's events with events API Gateway sent on AWS (tests/fixtures/captured-events,
// docs/events.md): the same keys at every level, values of the same type, and the formats and relations the
// captures show.

const FIXTURES = path.resolve(__dirname, "..", "..", "..", "fixtures", "captured-events");
export const captured = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));

/** Keys that are the client's or the program's (header names, query parameters): only their values' types count. */
const MAPS = new Set(["headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "stageVariables"]);
/** What API Gateway puts in `requestContext.authorizer` besides the authorizer's own `context`. */
export const AUTHORIZER_KEYS = new Set(["principalId", "integrationLatency"]);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const kind = (value: unknown): string =>
    Array.isArray(value) ? `${value.map(kind).find(Boolean) ?? ""}[]` : value === null ? "null" : typeof value;

/** Every difference in keys or value types between an event and a captured one, as `path: what` lines. */
function shapeDifferences(actual: unknown, expected: unknown, at = ""): string[] {
    if (kind(actual) !== kind(expected)) return [`${at || "event"}: ${kind(actual)}, AWS sends ${kind(expected)}`];
    if (!isRecord(actual) || !isRecord(expected)) return [];
    const key = at.split(".").pop() ?? "";
    if (MAPS.has(key)) {
        const want = new Set(Object.values(expected).map(kind));
        return Object.entries(actual)
            .filter(([, value]) => want.size > 0 && !want.has(kind(value)))
            .map(([name, value]) => `${at}.${name}: ${kind(value)}, AWS sends ${[...want].join(" or ")}`);
    }
    // The authorizer's context is the program's; API Gateway's keys and the values' types are compared.
    const keys = (record: Record<string, unknown>) =>
        Object.keys(record).filter((name) => at !== "requestContext.authorizer" || AUTHORIZER_KEYS.has(name));
    const problems = [
        ...keys(expected)
            .filter((name) => !Object.hasOwn(actual, name))
            .map((name) => `${at}.${name}: missing`),
        ...keys(actual)
            .filter((name) => !Object.hasOwn(expected, name))
            .map((name) => `${at}.${name}: not in AWS's event`),
    ];
    for (const name of keys(expected).filter((n) => Object.hasOwn(actual, n))) {
        problems.push(...shapeDifferences(actual[name], expected[name], at ? `${at}.${name}` : name));
    }
    return problems;
}

// AWS's ids are URL-safe base64 (`-`, `_`); the local cloud's still use `+` and `/` (docs/events.md).
const ID = /^[A-Za-z0-9+/_-]{15}=$/;
const EPOCH_MS = (value: unknown) => Number.isInteger(value) && (value as number) > 1e12;
/** Formats of the values AWS fills in, checked on the captured event (where not hidden as `...`) and on ours. */
const FORMATS: Record<string, RegExp | ((value: unknown) => boolean)> = {
    "requestContext.requestTime": /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
    "requestContext.requestId": ID,
    "requestContext.extendedRequestId": ID,
    "requestContext.connectionId": ID,
    "requestContext.messageId": ID,
    "requestContext.connectedAt": EPOCH_MS,
    "requestContext.requestTimeEpoch": EPOCH_MS,
    "requestContext.identity.sourceIp": /^\d{1,3}(\.\d{1,3}){3}$/,
    "requestContext.messageDirection": /^IN$/,
    "requestContext.authorizer.integrationLatency": (value) => Number.isInteger(value) && (value as number) >= 0,
    "requestContext.disconnectStatusCode": (value) => Number.isInteger(value) && (value as number) >= 1000,
    "headers.X-Amzn-Trace-Id": /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/,
    "headers.X-Forwarded-Port": /^443$/,
    "headers.X-Forwarded-Proto": /^https$/,
    methodArn: /^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[^/]+\/\$connect$/,
};

const get = (event: unknown, at: string): unknown =>
    at.split(".").reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), event);

function formatProblems(event: unknown, who: string): string[] {
    return Object.entries(FORMATS).flatMap(([at, format]) => {
        const value = get(event, at);
        if (value === undefined || value === "...") return [];
        const ok = typeof format === "function" ? format(value) : typeof value === "string" && format.test(value);
        return ok ? [] : [`${who} ${at}: ${JSON.stringify(value)}`];
    });
}

/** What holds between the fields of every captured event, and so must of ours. */
function relationProblems(event: Record<string, unknown>, who: string): string[] {
    const context = event.requestContext as Record<string, unknown>;
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => ok || problems.push(`${who}: ${what}`);
    if (context.requestId !== "...") check(context.requestId === context.extendedRequestId, "requestId is extendedRequestId");
    check(Number(context.requestTimeEpoch) >= Number(context.connectedAt), "requestTimeEpoch is not before connectedAt");
    const headers = event.headers as Record<string, string> | undefined;
    const multi = event.multiValueHeaders as Record<string, string[]> | undefined;
    if (headers && multi) {
        check(headers.Host === context.domainName, "Host is the domainName");
        check(
            JSON.stringify(Object.keys(headers)) === JSON.stringify(Object.keys(multi)),
            "headers and multiValueHeaders have the same names",
        );
        if (context.eventType === "CONNECT" && headers["X-Forwarded-For"] !== "...") {
            const identity = context.identity as Record<string, string>;
            check(headers["X-Forwarded-For"].split(", ").at(-1) === identity.sourceIp, "X-Forwarded-For ends with the sourceIp");
            if (identity.userAgent !== undefined)
                check(headers["User-Agent"] === identity.userAgent, "identity.userAgent is the User-Agent");
        }
    }
    return problems;
}

/** The event is shaped as the captured one is, with its formats and relations. */
export function expectLike(event: unknown, fixture: string): void {
    const aws = captured(fixture);
    expect(
        formatProblems(aws, fixture).concat(relationProblems(aws as Record<string, unknown>, fixture)),
        "the capture itself",
    ).to.deep.equal([]);
    const local = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
    expect(
        [...shapeDifferences(local, aws), ...formatProblems(local, "local"), ...relationProblems(local, "local")],
        `the local event against ${fixture}.json`,
    ).to.deep.equal([]);
}
