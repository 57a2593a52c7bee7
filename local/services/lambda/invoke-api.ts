import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { close, listen, readBodyUpTo } from "../http";
import type { FunctionSpec } from "../../graph/specs";
import { deniedMessage, type AccessControl } from "../iam/access-control";
import { requestLine } from "./request-log";
import type { InvokeOutcome } from "./runtime";

/** What the Invoke API needs of the Lambda service. */
export interface Invoker {
    find(reference: string): FunctionSpec | undefined;
    invoke(reference: string, event: unknown): Promise<InvokeOutcome>;
    invokeAsync(reference: string, event: unknown, source: string): void;
}

/** Lambda's payload quotas: 6 MB for a synchronous request, 1 MB for an asynchronous one. */
export const INVOKE_PAYLOAD_LIMITS = { RequestResponse: 6 * 1024 * 1024, Event: 1024 * 1024 } as const;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Lambda's `Invoke` API (what `AWS_ENDPOINT_URL_LAMBDA` points the SDK at): RequestResponse, Event (202, then
 * run with Lambda's asynchronous retries) and DryRun, with Lambda's status codes and error types. No library
 * serves it in front of functions run this way. A function's call is authorized as Lambda authorizes it (P3):
 * `lambda:InvokeFunction` on the function's ARN, allowed by its role or by the function's own permissions.
 */
export class InvokeApi {
    private constructor(
        private readonly server: Server,
        readonly endpoint: string,
    ) {}

    static async start(invoker: Invoker, options: InvokeApiOptions & { port: number }): Promise<InvokeApi> {
        const server = createServer((req, res) => {
            handle(req, res, invoker, options).catch((err: unknown) => answerError(res, 500, "ServiceException", String(err)));
        });
        return new InvokeApi(server, `http://127.0.0.1:${await listen(server, options.port)}`);
    }

    stop(): Promise<void> {
        return close(this.server);
    }
}

interface InvokeApiOptions {
    region: string;
    accountId: string;
    /** IAM for the functions' calls; none: every call allowed. */
    access?: AccessControl;
    log?: (line: string) => void;
}

async function handle(req: IncomingMessage, res: ServerResponse, invoker: Invoker, options: InvokeApiOptions): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const match = INVOKE_PATH.exec(url.pathname);
    if (req.method !== "POST" || !match) {
        req.resume();
        return answerError(
            res,
            404,
            "UnknownOperationException",
            `The local Lambda API serves Invoke only (POST /2015-03-31/functions/{name}/invocations), not ${req.method} ${url.pathname}.`,
        );
    }
    const invocationType = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
    if (invocationType !== "RequestResponse" && invocationType !== "Event" && invocationType !== "DryRun") {
        req.resume();
        return answerError(
            res,
            400,
            "InvalidParameterValueException",
            `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
        );
    }
    const limit = invocationType === "Event" ? INVOKE_PAYLOAD_LIMITS.Event : INVOKE_PAYLOAD_LIMITS.RequestResponse;
    const body = await readBodyUpTo(req, limit);

    let reference: string;
    try {
        reference = decodeURIComponent(match[1]);
    } catch {
        return answerError(res, 400, "InvalidParameterValueException", "The function name is not valid URL encoding.");
    }
    const qualifier = url.searchParams.get("Qualifier");
    const arn = `${functionArn(reference, options)}${qualifier ? `:${qualifier}` : ""}`;
    const caller = options.access?.callerOfRequest(req);
    if (caller) {
        const denial = options.access!.check(
            caller,
            [{ action: "lambda:InvokeFunction", resource: arn }],
            options.access!.functionPolicy(reference),
        );
        if (denial) return answerError(res, 403, "AccessDeniedException", deniedMessage(denial));
    }
    const fn = invoker.find(reference);
    if (!fn || (qualifier !== null && qualifier !== "$LATEST")) {
        return answerError(res, 404, "ResourceNotFoundException", `Function not found: ${arn}`);
    }
    if (body === undefined) {
        return answerError(
            res,
            413,
            "RequestTooLargeException",
            `Request must be smaller than ${limit} bytes for the ${invocationType === "Event" ? "InvokeAsync" : "InvokeFunction"} operation`,
        );
    }
    let event: unknown;
    try {
        event = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    } catch (err) {
        return answerError(
            res,
            400,
            "InvalidRequestContentException",
            `Could not parse request body into json: ${err instanceof Error ? err.message : String(err)}`,
        );
    }
    const headers = { "x-amzn-requestid": randomUUID(), "x-amz-executed-version": "$LATEST" };
    if (invocationType === "DryRun") {
        res.writeHead(204, headers).end();
    } else if (invocationType === "Event") {
        invoker.invokeAsync(fn.name, event, "Lambda Invoke (Event)");
        res.writeHead(202, headers).end();
    } else {
        const outcome = await invoker.invoke(fn.name, event);
        options.log?.(requestLine("Lambda Invoke (RequestResponse)", fn.name, outcome));
        const payload = JSON.stringify(outcome.ok ? outcome.value : outcome.error);
        res.writeHead(200, {
            ...headers,
            "content-type": "application/json",
            ...(outcome.ok ? {} : { "x-amz-function-error": "Unhandled" }),
        }).end(payload);
    }
}

/** A name, a partial ARN (`123456789012:function:name`) or an ARN, as the function's ARN. */
function functionArn(reference: string, place: { region: string; accountId: string }): string {
    if (reference.startsWith("arn:")) return reference;
    if (/^\d{12}:function:/.test(reference)) return `arn:aws:lambda:${place.region}:${reference}`;
    return `arn:aws:lambda:${place.region}:${place.accountId}:function:${reference}`;
}

function answerError(res: ServerResponse, status: number, errorType: string, message: string): void {
    if (res.headersSent) return;
    res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": errorType, "x-amzn-requestid": randomUUID() }).end(
        JSON.stringify({ Type: "User", message }),
    );
}
