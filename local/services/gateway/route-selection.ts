/**
 * API Gateway's route selection expression (apigw-websocket-behaviour.md B1–B4): `$request.body.a.b`, or text
 * with `${request.body.a.b}` variables, evaluated once per message. Returns undefined when the body is not a JSON
 * object, which sends the message to `$default`.
 */
export function evaluateSelectionExpression(expression: string, body: string): string | undefined {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body);
    } catch {
        return undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return undefined;
    }
    const lookup = (variable: string): string => {
        const match = /^request\.body((?:\.[^.]+)*)$/.exec(variable);
        if (!match) return "";
        let value: unknown = parsed;
        for (const key of match[1].split(".").slice(1)) {
            value =
                value !== null && typeof value === "object" && Object.prototype.hasOwnProperty.call(value, key)
                    ? (value as Record<string, unknown>)[key]
                    : undefined;
        }
        if (value === undefined || value === null) return "";
        return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    };
    if (expression.includes("${")) {
        // Single pass: a value that itself contains "${...}" is not evaluated again.
        return expression.replace(/\$\{([^}]*)\}/g, (_, variable: string) => lookup(variable.trim()));
    }
    return expression.startsWith("$request.") ? lookup(expression.slice(1)) : expression;
}

/** The route a message takes: the exact key, else `$default`, else none (B1, B5). */
export function selectRoute(expression: string, body: string, routeKeys: ReadonlySet<string>): string | undefined {
    let key: string | undefined;
    try {
        key = evaluateSelectionExpression(expression, body);
    } catch {
        // A value too deeply nested to stringify: treated like a body that is not JSON (B4).
        key = undefined;
    }
    if (key !== undefined && key !== "$connect" && key !== "$disconnect" && key !== "$default" && routeKeys.has(key)) {
        return key;
    }
    return routeKeys.has("$default") ? "$default" : undefined;
}
